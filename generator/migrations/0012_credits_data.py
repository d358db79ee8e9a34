"""Credits, the data: ledger entries made before name their task's user; the balance and
kie.ai's published prices are refreshed, and the balance reconciled with the ledger, on
a schedule."""

from django.db import migrations

SCHEDULES = [
    # func, name, schedule type (I: every N minutes, D: daily), minutes
    ("generator.jobs.refresh_credits", "kie credit balance", "I", 10),
    ("generator.jobs.reconcile_credits", "kie credit reconciliation", "I", 60),
    ("generator.jobs.refresh_prices", "kie published prices", "D", None),
]


def ledger_entries_name_their_user(apps, schema_editor):
    entries = apps.get_model("generator", "CreditLedgerEntry").objects
    tasks = apps.get_model("generator", "GenerationTask").objects
    for task_id, user_id in tasks.filter(
        pk__in=entries.filter(user__isnull=True, task__isnull=False).values("task_id")
    ).values_list("pk", "created_by_id"):
        entries.filter(task_id=task_id, user__isnull=True).update(user_id=user_id)


def add_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for func, name, kind, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            func=func,
            defaults={"name": name, "schedule_type": kind, "minutes": minutes, "repeats": -1},
        )


def remove_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func__in=[func for func, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0011_credits"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [
        migrations.RunPython(ledger_entries_name_their_user, migrations.RunPython.noop),
        migrations.RunPython(add_schedules, remove_schedules),
    ]
