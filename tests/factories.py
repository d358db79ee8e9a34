"""Small factories: tasks in any state without going through kie.ai."""

from decimal import Decimal

from django.core.files.base import ContentFile

from generator import catalog
from generator.media import image_thumbnail
from generator.models import Asset, GenerationTask, State
from tests.helpers import png_bytes


def make_task(
    user, state=State.QUEUED, model="flux-kontext-pro", prompt="a phone on a desk", **fields
) -> GenerationTask:
    if "params" not in fields:
        _, fields["params"] = catalog.validate(catalog.get(model), None, {"prompt": prompt})
    task = GenerationTask.objects.create(
        created_by=user,
        model_key=model,
        operation="text-to-image",
        kind="image",
        prompt_text=prompt,
        state=state,
        credits_estimated=Decimal("5"),
        **fields,
    )
    task.events.create(to_state=state, message="made by a test factory")
    return task


def make_asset(task, index=0) -> Asset:
    data = png_bytes(160, 90)
    asset = Asset(
        task=task,
        index=index,
        kind="image",
        content_type="image/png",
        bytes=len(data),
        sha256="0" * 64,
        width=160,
        height=90,
        source_url="http://127.0.0.1:8001/files/x.png",
    )
    asset.file.save(f"t{task.pk}-{index}.png", ContentFile(data), save=False)
    asset.thumbnail.save(f"t{task.pk}-{index}.webp", image_thumbnail(ContentFile(data)), save=False)
    asset.save()
    return asset


def make_one_of_each(user, prompt="a phone on a desk") -> dict[type, object]:
    """One saved object of every model an URL can name, keyed by its model class."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from django_q.models import Failure, OrmQ, Schedule, Success

    from generator.models import (
        ApiCallback,
        ApiToken,
        AssetComment,
        AssetReview,
        Budget,
        BudgetAlert,
        CallbackHost,
        Comparison,
        ComparisonEntry,
        CreditBalanceSnapshot,
        CreditLedgerEntry,
        CreditPolicy,
        JobLease,
        ModelAvailability,
        PriceOverride,
        Prompt,
        PublishedPrice,
        Reconciliation,
        ReviewEvent,
        TaskInput,
    )

    task = make_task(user, state=State.SUCCEEDED, prompt=prompt)
    edit = make_task(user, state=State.SUCCEEDED, prompt="bluer")
    task_input = TaskInput(task=edit, param="inputImage", content_type="image/png")
    task_input.file.save(f"in-{task.pk}.png", ContentFile(png_bytes(32, 32)))
    now = timezone.now()
    ran = {"func": "generator.jobs.poll_sweep", "started": now, "stopped": now}
    asset = make_asset(task)
    asset_review = AssetReview.objects.create(asset=asset)
    event = ReviewEvent.objects.create(
        asset=asset, actor=user, action="submit", from_state="draft", to_state="draft"
    )
    return {
        type(user): user,
        Group: Group.objects.create(name="marketing"),
        Prompt: Prompt.objects.create(owner=user, name="launch", text=prompt),
        GenerationTask: task,
        task.events.model: task.events.get(),
        TaskInput: task_input,
        Asset: asset,
        AssetReview: asset_review,
        ReviewEvent: event,
        AssetComment: AssetComment.objects.create(asset=asset, author=user, text="a comment"),
        ApiToken: ApiToken.issue(user, "pipeline")[0],
        CallbackHost: CallbackHost.objects.create(host="127.0.0.1"),
        ModelAvailability: ModelAvailability.objects.create(
            model_key="kling-2.6", status="unavailable", reason="refused"
        ),
        ApiCallback: ApiCallback.objects.create(task=task, url="http://127.0.0.1:9/hook"),
        CreditLedgerEntry: CreditLedgerEntry.objects.create(
            kind=CreditLedgerEntry.Kind.ADJUST, amount=Decimal("1"), note="test"
        ),
        CreditBalanceSnapshot: CreditBalanceSnapshot.objects.create(balance=Decimal("100")),
        PriceOverride: PriceOverride.objects.create(
            model_key="flux-kontext-pro", price_key="", credits=Decimal("4")
        ),
        Reconciliation: Reconciliation.objects.create(
            period_start=now,
            period_end=now,
            provider_spent=Decimal("3.5"),
            ledger_spent=Decimal("0"),
            unexplained=Decimal("3.5"),
            flags=[
                {
                    "from": now.isoformat(),
                    "to": now.isoformat(),
                    "provider_spent": 3.5,
                    "ledger_spent": 0,
                    "unexplained": 3.5,
                    "tasks": [
                        {
                            "id": task.pk,
                            "model": task.model_key,
                            "state": task.state,
                            "charge": task.charge,
                            "credits_estimated": 5,
                            "credits_charged": 5,
                            "user": user.username,
                        }
                    ],
                }
            ],
        ),
        PublishedPrice: PublishedPrice.objects.create(
            model_key="ideogram-v3", price_key="rendering_speed=TURBO", credits=Decimal("3.5")
        ),
        CreditPolicy: CreditPolicy.current(),
        Comparison: (
            comparison := Comparison.objects.create(
                created_by=user, prompt_text=prompt, kind="image", winner=task
            )
        ),
        ComparisonEntry: ComparisonEntry.objects.create(comparison=comparison, task=task),
        Budget: (budget := Budget.objects.create(monthly_credits=Decimal("1000"))),
        BudgetAlert: BudgetAlert.objects.create(
            budget=budget, month=now.date().replace(day=1), percent=50, spent=Decimal("500")
        ),
        JobLease: JobLease.objects.create(name="poll-sweep-test", held_until=now),
        Schedule: Schedule.objects.create(func="generator.jobs.poll_sweep", name="test"),
        Success: Success.objects.create(id="s1", name="ok", success=True, **ran),
        Failure: Failure.objects.create(id="f1", name="ko", success=False, **ran),
        OrmQ: OrmQ.objects.create(key="test", payload="x"),
        AccessAttempt: AccessAttempt.objects.create(
            username="marie", ip_address="127.0.0.1", failures_since_start=5
        ),
        AccessLog: AccessLog.objects.create(username="marie", ip_address="127.0.0.1"),
        AccessFailureLog: AccessFailureLog.objects.create(
            username="marie", ip_address="127.0.0.1", locked_out=True
        ),
    }
