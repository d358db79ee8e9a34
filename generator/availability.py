"""Whether a catalog model can be submitted now, and why not.

Three sources, strongest first: the catalog's `retired` (known gone upstream, with the
date and where we learnt it); a ModelAvailability row an admin set to *disabled*; a row
marking it *unavailable upstream* — because kie.ai refused it as unknown at submission
(until an admin re-enables it), or because kie.ai's model list (Market discovery,
kie-api.md 9.4) no longer has it (refreshed on a schedule and by `kie models --refresh`).
No row means available.

Every door (form, API, CLI) calls `refuse_if_unavailable` before anything is reserved
or sent; pages call `status_of` to grey a model with its reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from generator import catalog
from generator.models.availability import Availability, ModelAvailability

logger = logging.getLogger(__name__)

SOURCE_REFUSAL = "kie.ai refused the model at submission"
SOURCE_DISCOVERY = "kie.ai model list (GET /api/v1/models)"
SOURCE_ADMIN = "admin"
# kie's answer to a create naming a model it does not have (kie-api.md 9.1).
_UNKNOWN_MODEL_WORDS = ("does not exist or is not published",)


@dataclass(frozen=True)
class Status:
    availability: Availability
    reason: str

    @property
    def available(self) -> bool:
        return self.availability == Availability.AVAILABLE

    def __iter__(self):  # status_of(model) unpacks as (availability, reason)
        return iter((self.availability, self.reason))


def status_of(model: catalog.CatalogModel, rows: dict | None = None) -> Status:
    """This model's availability and, when it is not available, why (a sentence).
    `rows`: ModelAvailability by model key, read once for a page listing many models."""
    if model.retired:
        return Status(
            Availability.UNAVAILABLE,
            _("Retired since %(date)s. %(reason)s")
            % {
                "date": model.retired.since,
                "reason": model.retired.reason,
            },
        )
    row = rows.get(model.key) if rows is not None else _row(model.key)
    if row is None or row.status == Availability.AVAILABLE:
        return Status(Availability.AVAILABLE, "")
    if row.status == Availability.DISABLED:
        reason = row.reason or _("an admin switched it off")
        return Status(
            Availability.DISABLED, _("Disabled by an admin: %(reason)s") % {"reason": reason}
        )
    reason = row.reason or _("kie.ai does not offer it any more")
    return Status(
        Availability.UNAVAILABLE, _("Unavailable at kie.ai: %(reason)s") % {"reason": reason}
    )


def all_rows() -> dict[str, ModelAvailability]:
    return {row.model_key: row for row in ModelAvailability.objects.all()}


def statuses() -> dict[str, Status]:
    """Every catalog model's status, read with one query."""
    rows = all_rows()
    return {model.key: status_of(model, rows) for model in catalog.MODELS}


class ModelUnavailable(catalog.CatalogError):
    """The model cannot be submitted now; `errors["model"]` says why."""


def refuse_if_unavailable(model: catalog.CatalogModel) -> None:
    status = status_of(model)
    if not status.available:
        raise ModelUnavailable(
            {
                "model": _("%(model)s cannot be used. %(reason)s")
                % {
                    "model": model.label,
                    "reason": status.reason,
                }
            }
        )


def _row(model_key: str) -> ModelAvailability | None:
    return ModelAvailability.objects.filter(model_key=model_key).first()


def says_unknown_model(message: str) -> bool:
    """kie's create answer for a model it does not have (or no longer has)."""
    lowered = (message or "").lower()
    return any(words in lowered for words in _UNKNOWN_MODEL_WORDS)


def mark_unavailable(model_key: str, reason: str, source: str) -> bool:
    """Mark a model unavailable upstream until an admin re-enables it. An admin's
    *disabled* stays as it is. True when this changed anything."""
    with transaction.atomic():
        row, created = ModelAvailability.objects.select_for_update().get_or_create(
            model_key=model_key,
            defaults={"status": Availability.UNAVAILABLE, "reason": reason, "source": source},
        )
        if created:
            logger.warning("model %s marked unavailable: %s", model_key, reason)
            return True
        if row.status != Availability.AVAILABLE:
            return False
        row.status, row.reason, row.source = Availability.UNAVAILABLE, reason, source[:300]
        row.save(update_fields=["status", "reason", "source", "changed_at"])
    logger.warning("model %s marked unavailable: %s", model_key, reason)
    return True


def set_status(model_key: str, status: Availability, reason: str = "", source: str = SOURCE_ADMIN):
    """What the admin's actions do: re-enable (available) or disable a model."""
    ModelAvailability.objects.update_or_create(
        model_key=model_key, defaults={"status": status, "reason": reason, "source": source}
    )


def refresh_from_discovery(client) -> dict[str, Status]:
    """Read kie.ai's model list once and mark each Market model of the catalog: listed
    → available again (when the list itself had taken it away: an admin's *disabled*
    and a refusal at submission stand until an admin re-enables); none of its model ids
    listed → unavailable. An empty or unreadable list changes nothing (never take every model
    away on a bad answer). Returns the new statuses."""
    listed = set(client.discovery.model_ids())
    if not listed:
        logger.warning("kie.ai's model list came back empty: availability left as it was")
        return statuses()
    now = timezone.now()
    for model in catalog.MODELS:
        if model.family is not catalog.Family.MARKET or model.retired:
            continue
        ids = sorted({op.api_model for op in model.operations if op.api_model})
        row = _row(model.key)
        # An admin's choice, and a refusal at submission, stand until an admin changes them.
        standing = row is not None and row.status != Availability.AVAILABLE
        if standing and (row.status == Availability.DISABLED or row.source != SOURCE_DISCOVERY):
            ModelAvailability.objects.filter(pk=row.pk).update(checked_at=now)
            continue
        if any(api_model in listed for api_model in ids):
            if row is not None:
                ModelAvailability.objects.filter(pk=row.pk).update(
                    status=Availability.AVAILABLE,
                    reason="",
                    source=SOURCE_DISCOVERY,
                    checked_at=now,
                    changed_at=now,
                )
            continue
        reason = _("kie.ai's model list no longer has %(ids)s") % {"ids": ", ".join(ids)}
        ModelAvailability.objects.update_or_create(
            model_key=model.key,
            defaults={
                "status": Availability.UNAVAILABLE,
                "reason": reason,
                "source": SOURCE_DISCOVERY,
                "checked_at": now,
            },
        )
    return statuses()
