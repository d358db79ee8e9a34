"""Schedule the poll watchdog: every minute, restart the sweep if tasks wait and nobody polls."""

from django.db import migrations

WATCHDOG = "generator.jobs.watchdog"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        func=WATCHDOG,
        defaults={"name": "kie poll watchdog", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=WATCHDOG).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
