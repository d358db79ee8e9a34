"""Comparing models: one prompt sent to 2-4 models of the same kind at once (each its own
generation, through `generations.start_generation`, so budgets and approvals apply), and
the winner a marketer picks."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from generator import catalog, generations
from generator.models import Comparison, ComparisonEntry, GenerationTask

FEWEST, MOST = 2, 4


def comparable_models() -> dict[catalog.Kind, list[catalog.CatalogModel]]:
    """The models a comparison may use, by kind: those whose first operation makes
    something from a prompt alone (no reference media); never a retired one."""
    found: dict[catalog.Kind, list[catalog.CatalogModel]] = {}
    for model in catalog.MODELS:
        operation = model.operation()
        if (
            not operation.file_params
            and not operation.is_followup
            and _takes_prompt(operation)
            and not model.retired
        ):
            found.setdefault(model.kind, []).append(model)
    return {kind: models for kind, models in found.items() if len(models) >= FEWEST}


def _takes_prompt(operation: catalog.Operation) -> bool:
    try:
        operation.param("prompt")
    except KeyError:
        return False
    return True


def start_comparison(user, model_keys: list[str], prompt: str, submission_token: str = ""):
    """One generation per model, all or none: a budget that cannot cover them all refuses
    them all. Raises catalog.CatalogError naming what is wrong (credits.SpendingRefused
    for a budget). The same `submission_token` again returns the comparison it made."""
    models = _chosen(model_keys)
    prompt = (prompt or "").strip()
    if not prompt:
        raise catalog.CatalogError({"prompt": _("Write the prompt to send to every model.")})
    if "\x00" in prompt:  # PostgreSQL stores no NUL: refuse it before anything is saved
        raise catalog.CatalogError(
            {
                "prompt": _("%(field)s %(problem)s.")
                % {"field": _("Prompt"), "problem": _("must not contain a NUL character")}
            }
        )
    key = _key(submission_token)
    earlier = (
        Comparison.objects.filter(created_by=user, submission_key=key).first() if key else None
    )
    if earlier:
        return earlier
    try:
        with transaction.atomic():
            comparison = Comparison.objects.create(
                created_by=user, prompt_text=prompt, kind=models[0].kind, submission_key=key
            )
            for position, model in enumerate(models):
                try:
                    task = generations.start_generation(
                        user,
                        model.key,
                        None,
                        {"prompt": prompt},
                        submission_token=f"{submission_token}:{model.key}" if key else "",
                    )
                except catalog.CatalogError as exc:
                    if "budget" in exc.errors:
                        raise
                    raise catalog.CatalogError(
                        {
                            "prompt": _("%(model)s: %(problem)s")
                            % {"model": model.label, "problem": _sentences(model, exc.errors)}
                        }
                    ) from None
                ComparisonEntry.objects.create(comparison=comparison, task=task, position=position)
    except IntegrityError:
        earlier = Comparison.objects.filter(created_by=user, submission_key=key).first()
        if key and earlier:  # the same post, racing this one, made it first
            return earlier
        raise
    return comparison


def _chosen(model_keys: list[str]) -> list[catalog.CatalogModel]:
    keys = list(dict.fromkeys(key for key in model_keys if key))
    if not FEWEST <= len(keys) <= MOST:
        raise catalog.CatalogError({"models": _("Choose 2 to 4 models to compare.")})
    allowed = {model.key: model for models in comparable_models().values() for model in models}
    unknown = [key for key in keys if key not in allowed]
    if unknown:
        raise catalog.CatalogError(
            {"models": _("These cannot be compared: %(models)s.") % {"models": ", ".join(unknown)}}
        )
    models = [allowed[key] for key in keys]
    if len({model.kind for model in models}) > 1:
        raise catalog.CatalogError({"models": _("Compare models of the same kind.")})
    return models


def _sentences(model: catalog.CatalogModel, errors: dict[str, str]) -> str:
    """The catalog's messages continue their field's label ("is required")."""
    said = []
    for name, message in errors.items():
        try:
            label = model.operation().param(name).label
        except KeyError:
            label = name
        if message[:1].islower():
            message = _("%(field)s %(problem)s.") % {"field": label, "problem": message}
        said.append(message)
    return " ".join(said)


def _key(token: str) -> str:
    return hashlib.sha256(f"comparison:{token}".encode()).hexdigest() if token else ""


def choose_winner(comparison: Comparison, task: GenerationTask, by) -> bool:
    """`task` wins `comparison` (it can be changed later); False unless it is one of its
    tasks and it succeeded."""
    if not comparison.entries.filter(task=task).exists() or task.state != "SUCCEEDED":
        return False
    Comparison.objects.filter(pk=comparison.pk).update(
        winner=task, decided_by=by, decided_at=timezone.now()
    )
    comparison.refresh_from_db()
    return True
