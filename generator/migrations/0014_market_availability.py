"""Model availability, the data: its refresh from kie.ai's model list is scheduled (every
6 hours); and the price tables take their model choices from the catalog when asked (a
callable), so a model added to the catalog needs no migration any more."""

import generator.models.credits
from django.db import migrations, models

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

    operations = [
        migrations.RunPython(add_schedule, remove_schedule),
        migrations.AlterField(
            model_name="priceoverride",
            name="model_key",
            field=models.CharField(
                choices=generator.models.credits.catalog_models,
                max_length=60,
                verbose_name="model",
            ),
        ),
        migrations.AlterField(
            model_name="publishedprice",
            name="model_key",
            field=models.CharField(
                choices=generator.models.credits.catalog_models,
                max_length=60,
                verbose_name="model",
            ),
        ),
    ]
