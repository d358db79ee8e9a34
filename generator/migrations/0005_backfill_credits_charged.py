"""Tasks that ended before failures recorded what kie kept: fill credits_charged from
the ledger (what is still reserved was spent), except where the outcome is unknown
(a create that got no answer), which stays empty."""

from django.db import migrations
from django.db.models import Sum

UNKNOWN_OUTCOME = ("may still have been created", "may have been created")


def backfill(apps, schema_editor):
    GenerationTask = apps.get_model("generator", "GenerationTask")
    CreditLedgerEntry = apps.get_model("generator", "CreditLedgerEntry")
    ended = GenerationTask.objects.filter(state__in=("FAILED", "TIMED_OUT", "CANCELED"))
    for task in ended.iterator():
        if any(words in task.failure_message for words in UNKNOWN_OUTCOME):
            if task.credits_charged is not None:  # recorded as 0 for a while: not known
                task.credits_charged = None
                task.save(update_fields=["credits_charged"])
            continue
        if task.credits_charged is not None:
            continue
        net = CreditLedgerEntry.objects.filter(task_id=task.pk).aggregate(total=Sum("amount"))
        kept = -(net["total"] or 0)
        task.credits_charged = kept if kept > 0 else 0
        task.save(update_fields=["credits_charged"])


class Migration(migrations.Migration):
    dependencies = [("generator", "0004_job_lease_holder")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
