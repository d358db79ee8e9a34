"""Schedule the refresh of model availability from kie.ai's model list (every 6 hours)."""

from django.db import migrations

FUNC = "generator.jobs.refresh_availability"


def add_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        func=FUNC,
        defaults={
            "name": "kie model availability",
            "schedule_type": "I",
            "minutes": 360,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0013_media_lineage_availability"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
