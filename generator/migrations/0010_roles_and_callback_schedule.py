"""The roles (groups holding permissions), today's staff accounts as marketers, and the
schedule that retries the API's callbacks."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

MARKETER = ["view_studio", "generate", "submit_asset", "comment_asset"]
ROLES = {"Marketer": MARKETER, "Approver": [*MARKETER, "review_asset"]}
CALLBACKS = "generator.api.callbacks.deliver_due"


def create_roles(apps, schema_editor):
    # Permissions are made after a migrate; make them now to give them to the roles.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label="generator", codename__in=codenames
            )
        )
    admin, _ = group_model.objects.get_or_create(name="Admin")
    admin.permissions.add(*permission_model.objects.all())
    # Until now every staff account used the whole studio: they go on as marketers (a
    # superuser holds every permission anyway). An admin promotes approvers.
    marketer = group_model.objects.get(name="Marketer")
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for user in user_model.objects.filter(is_staff=True, is_superuser=False):
        user.groups.add(marketer)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[*ROLES, "Admin"]).delete()


def add_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        func=CALLBACKS,
        defaults={"name": "API callback retries", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=CALLBACKS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0009_review_tokens_callbacks"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_q", "0018_task_success_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(add_schedule, remove_schedule),
    ]
