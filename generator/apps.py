from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeneratorConfig(AppConfig):
    name = "generator"
    verbose_name = _("Generation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate
        from django_q.signals import post_spawn

        from generator.api import callbacks as api_callbacks
        from generator.languages import adopt_login_language

        post_spawn.connect(resume_work_on_worker_start, dispatch_uid="generator-resume-work")
        user_logged_in.connect(adopt_login_language, dispatch_uid="generator-login-language")
        post_migrate.connect(create_roles, sender=self, dispatch_uid="generator-roles")
        api_callbacks.connect()


def create_roles(sender, apps=None, **kwargs):
    """The role groups exist after every migrate, and after a flush (between tests)."""
    from django.apps import apps as global_apps

    from generator.roles import ensure_roles

    ensure_roles(apps or global_apps)


def resume_work_on_worker_start(sender, proc_name, **kwargs):
    """A worker (re)started, perhaps after a crash that took the poll sweep with it: make
    sure a sweep runs, rather than wait for the scheduler's next watchdog (a restarted
    cluster only schedules after 30 s of life)."""
    import logging

    from generator import jobs

    try:
        jobs.watchdog()
    except Exception:  # a worker must start even when the database hiccups
        logging.getLogger(__name__).warning("could not check for work at start", exc_info=True)
