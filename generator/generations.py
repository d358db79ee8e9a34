"""Starting, re-running and cancelling generations: what the views, the CLI and the admin call."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generator import (
    audio,
    availability,
    catalog,
    credits,
    followups,
    inputs,
    jobs,
    music,
    prices,
    soundtrack,
)
from generator.kie.veo import UPGRADE_MARK
from generator.media import MediaError, inspect_image
from generator.models import (
    Asset,
    FailureKind,
    GenerationTask,
    IllegalTransition,
    Lineage,
    PriceOverride,
    Prompt,
    PublishedPrice,
    State,
    TaskInput,
)
from generator.models.preferences import in_language_of
from generator.templatetags.studio import credit_amount

logger = logging.getLogger(__name__)
MAX_INPUT_BYTES = 10 * 1024 * 1024
MAX_TRACK_BYTES = 50 * 1024 * 1024
POLLED_STATES = (State.SUBMITTED, State.RUNNING)


@dataclass
class ImageInput:
    """An input file (a reference image, a video to restyle): a fresh upload (a Django
    File), an asset, or an earlier task's input. `param` names the file parameter it
    fills; empty for the operation's first one."""

    file: Any = None
    asset: Asset | None = None
    earlier_input: TaskInput | None = None
    param: str = ""

    @property
    def label(self) -> str:
        if self.asset:
            return self.asset.file.name
        if self.earlier_input:
            return self.earlier_input.file.name
        return getattr(self.file, "name", None) or _("upload")


def estimate(
    model: catalog.CatalogModel, params: dict[str, Any], operation_key: str | None = None
) -> Decimal:
    return model.estimate(params, prices.overrides_for(model.key), operation_key)


@dataclass(frozen=True)
class Estimate:
    credits: Decimal
    documented: bool  # a published price, or one an admin set
    source: str


def estimate_from_raw(
    model: catalog.CatalogModel, operation: catalog.Operation, raw: Mapping[str, Any]
) -> Estimate:
    """The price shown while the form is being filled: only the pricing fields matter."""
    params = {p.name: p.default for p in operation.params}
    pricing = model.pricing_for(operation.key)
    for name in pricing.param_names:
        if raw.get(name) not in (None, ""):
            with contextlib.suppress(KeyError, ValueError):  # the form shows the error
                params[name] = catalog.coerce(operation.param(name), raw.get(name))
    key = pricing.price_key(params)
    own_price = pricing is not model.pricing  # a follow-up's: not overridden (yet)
    by_admin = {} if own_price else PriceOverride.for_model(model.key)
    published = (
        None
        if own_price
        else PublishedPrice.objects.filter(model_key=model.key, price_key=key).first()
    )
    if key in by_admin:
        source = _("price set by an admin")
    elif published:
        source = _("price published by kie.ai (read %(day)s)") % {
            "day": date_format(timezone.localtime(published.fetched_at), "DATE_FORMAT")
        }
    else:
        source = pricing.source
    return Estimate(
        credits=model.estimate(params, prices.overrides_for(model.key), operation.key),
        documented=pricing.documented or key in by_admin or published is not None,
        source=source,
    )


def start_generation(
    user,
    model_key: str,
    operation_key: str | None,
    raw_params: dict[str, Any],
    images: list[ImageInput] | None = None,
    saved_prompt: Prompt | None = None,
    submission_token: str = "",
    made_from: Asset | None = None,
    source_asset: Asset | None = None,
) -> GenerationTask:
    """Validate against the catalog, record the task and queue its submission.

    Raises catalog.CatalogError naming each field that is wrong; nothing is saved then.
    With a form's one-time `submission_token`, posting it again returns the task it
    already made instead of paying for a second one. `made_from`: the task makes a new
    version of that asset (its lineage). `source_asset`: the result a follow-up acts on
    (a video to extend or upscale, a track to extend or separate, a video to put music
    under); required by a follow-up, refused by any other operation.
    """
    model = catalog.get(model_key)
    operation = model.operation(operation_key)
    availability.refuse_if_unavailable(model)
    is_wav = operation.api_model == "wav" and model.family is catalog.Family.SUNO
    if is_wav and source_asset is not None:
        # Before the "already asked for" check: kie makes one WAV per track (409 after),
        # so the earlier conversion is the answer, not an error.
        earlier_wav = music.earlier_conversion(user, model.key, source_asset)
        if earlier_wav:
            return earlier_wav
    _check_source(model, operation, source_asset)
    raw = dict(raw_params)
    given = _inputs_by_param(operation, images or [])
    for name, items in given.items():
        raw[name] = [item.label for item in items]
    operation, params = catalog.validate(model, operation.key, raw)
    if model.family is catalog.Family.LOCAL:
        problems = soundtrack.check_inputs(params, source_asset)
        if problems:
            raise catalog.CatalogError(problems)
    checked = []
    for param in operation.file_params:
        params.pop(param.name, None)
        checked += [(param, item, _check_input(model, param, item)) for item in given[param.name]]
    key = submission_key(submission_token)
    made_by_this_post = GenerationTask.objects.filter(created_by=user, submission_key=key)
    earlier = made_by_this_post.first() if key else None
    if earlier:
        if not _same_request(earlier, model, operation, params):
            raise AlreadySent(earlier)  # Back, changed, sent again: say so, spend nothing
        return earlier
    try:
        return _record(
            user, model, operation, params, checked, saved_prompt, key, made_from, source_asset
        )
    except IntegrityError:
        earlier = made_by_this_post.first() if key else None
        if earlier:  # the same post, racing this one, made it first
            return earlier
        raise


class AlreadySent(Exception):
    """This form's one-time token already made a task, and the form now asks for
    something else (sent again after Back and a change): nothing more is made."""

    def __init__(self, task: GenerationTask):
        super().__init__(f"this form already made task {task.pk}")
        self.task = task


def _same_request(task: GenerationTask, model, operation, params) -> bool:
    def canonical(value) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    return (task.model_key, task.operation, canonical(task.params)) == (
        model.key,
        operation.key,
        canonical(params),
    )


def submission_key(token: str) -> str:
    """A form's one-time token, as stored: the same token never makes a second task,
    whatever else the post says (a double click, a resent or replayed form)."""
    return hashlib.sha256(f"submission:{token}".encode()).hexdigest() if token else ""


def _check_track(upload: ImageInput, param_name: str) -> str:
    """An uploaded track, probed by decoding it with PyAV (never by its name)."""
    if upload.earlier_input:
        return upload.earlier_input.content_type
    if upload.asset:
        if not upload.asset.content_type.startswith("audio/"):
            raise catalog.CatalogError({param_name: _("that asset is not a track")})
        return upload.asset.content_type
    size = getattr(upload.file, "size", None)
    if size is not None and size > MAX_TRACK_BYTES:
        raise catalog.CatalogError(
            {
                param_name: _("“%(file)s” is %(size)d MB; the limit is 50 MB.")
                % {"file": upload.label, "size": size // 1_048_576}
            }
        )
    try:
        info = audio.probe_audio(upload.file, max_seconds=8 * 60)
    except MediaError as exc:
        reason = str(exc).split(" (", 1)[0]
        raise catalog.CatalogError(
            {param_name: _("“%(file)s”: %(reason)s.") % {"file": upload.label, "reason": reason}}
        ) from None
    return info.content_type


def _record(user, model, operation, params, checked, saved_prompt, key, made_from, source):
    cost = estimate(model, params, operation.key)
    with transaction.atomic():
        # Budgets refuse here, before anything is saved or sent; a task above the
        # approval threshold waits for an admin, nothing reserved.
        held = credits.admit(user, cost)
        task = GenerationTask.objects.create(
            submission_key=key,
            created_by=user,
            prompt=saved_prompt,
            model_key=model.key,
            operation=operation.key,
            kind=model.kind,
            params=params,
            prompt_text=params.get("prompt", ""),
            credits_estimated=cost,
            state=State.AWAITING_APPROVAL if held else State.QUEUED,
            source_asset=source,
        )
        positions: dict[str, int] = {}
        for param, image, content_type in checked:
            position = positions[param.name] = positions.get(param.name, -1) + 1
            task_input = TaskInput(
                task=task,
                param=param.name,
                position=position,
                content_type=content_type,
                source_asset=image.asset,
            )
            if image.asset:
                task_input.file.name = image.asset.file.name  # share the stored file
            elif image.earlier_input:
                task_input.file.name = image.earlier_input.file.name
                task_input.source_asset_id = image.earlier_input.source_asset_id
            else:
                task_input.file.save(_input_name(image.file), image.file, save=False)
            task_input.save()
        if made_from is not None:
            Lineage.objects.create(task=task, made_from=made_from)
        with in_language_of(user.pk):
            created = _("created")
            if held:
                created = _(
                    "created; waits for an admin's approval (above the %(threshold)s threshold)"
                ) % {"threshold": credit_amount(credits.approval_threshold())}
            task.events.create(to_state=task.state, message=created)
        if not held:
            transaction.on_commit(lambda: _queue_submission(task.pk))
        transaction.on_commit(_check_budget_alerts)
    return task


_UNFINISHED_OR_DONE = (
    State.AWAITING_APPROVAL,
    State.QUEUED,
    State.SUBMITTED,
    State.UNCONFIRMED,
    State.RUNNING,
    State.DOWNLOADING,
    State.SUCCEEDED,
)


def _check_source(model, operation, source_asset: Asset | None) -> None:
    """A follow-up needs a finished video it fits; nothing else takes one."""
    if not operation.is_followup:
        if source_asset is not None:
            raise catalog.CatalogError(
                {
                    "source_asset": _("%(operation)s does not act on an earlier result.")
                    % {"operation": operation.label}
                }
            )
        return
    problem = followups.source_problem(model, operation, source_asset)
    if not problem and model.family is catalog.Family.SUNO:
        problem = music.source_problem(operation, source_asset)
    if problem:
        raise catalog.CatalogError({"source_asset": problem})
    if not operation.params:
        # An upgrade (1080p, 4K) is the same answer every time: asking twice pays twice.
        earlier = GenerationTask.objects.filter(
            source_asset=source_asset,
            model_key=model.key,
            operation=operation.key,
            state__in=_UNFINISHED_OR_DONE,
        ).first()
        if earlier:
            raise catalog.CatalogError(
                {
                    "source_asset": _("%(operation)s was already asked for: see task #%(task)s.")
                    % {"operation": operation.label, "task": earlier.pk}
                }
            )


def _check_budget_alerts() -> None:
    try:
        credits.check_budget_alerts()
    except Exception:  # an alert must never turn a saved task into an error page
        logger.warning("could not check the budget alerts", exc_info=True)


def _queue_submission(task_pk: int) -> None:
    """The task is saved: a queue that is down must not turn that into an error page (a
    marketer would try again and pay twice). The sweep queues a waiting task again."""
    try:
        jobs.enqueue("submit", task_pk)
    except Exception:
        logger.warning("could not queue the submission of task %s; the sweep will", task_pk)


def _inputs_by_param(operation, inputs: list[ImageInput]) -> dict[str, list[ImageInput]]:
    """The given files, by the parameter they fill; a file for a parameter the operation
    does not have is refused by name."""
    params = operation.file_params
    grouped: dict[str, list[ImageInput]] = {param.name: [] for param in params}
    for item in inputs:
        name = item.param or (params[0].name if params else "")
        if name not in grouped:
            what = item.param or "images"
            raise catalog.CatalogError(
                {what: _("%(operation)s takes no such file") % {"operation": operation.label}}
                if item.param
                else {what: _("%(operation)s takes no images") % {"operation": operation.label}}
            )
        grouped[name].append(item)
    return grouped


def _check_input(model, param: catalog.Param, item: ImageInput) -> str:
    """The content type of an input file, told from its bytes; a CatalogError naming
    the parameter when it is not what the parameter takes."""
    if param.type is catalog.ParamType.VIDEOS:
        return _check_video(model, item, param.name)
    if param.type is catalog.ParamType.AUDIO:
        return _check_track(item, param.name)
    return _check_image(item, param.name)


def _check_video(model, video: ImageInput, param_name: str) -> str:
    if video.earlier_input:
        return video.earlier_input.content_type
    if video.asset:
        if not video.asset.content_type.startswith("video/"):
            raise catalog.CatalogError({param_name: _("that asset is not a video")})
        stream, size = video.asset.file, video.asset.bytes
    else:
        stream, size = video.file, getattr(video.file, "size", None)
    cap = inputs.max_bytes(catalog.ParamType.VIDEOS)
    if size is not None and size > cap:
        raise catalog.CatalogError(
            {
                param_name: _("“%(file)s” is %(size)d MB; the limit is %(limit)d MB.")
                % {"file": video.label, "size": size // 1_048_576, "limit": cap // 1_048_576}
            }
        )
    try:
        with _opened(stream) as readable:
            info = inputs.inspect_video(readable)
            inputs.check_video_for(model, info, size)
    except MediaError as exc:
        reason = str(exc).split(" (", 1)[0]  # the PyAV class name helps no marketer
        raise catalog.CatalogError(
            {param_name: _("“%(file)s”: %(reason)s.") % {"file": video.label, "reason": reason}}
        ) from None
    return info.content_type


@contextlib.contextmanager
def _opened(stream):
    """A stored file opened for reading (and closed after); an upload as it is."""
    if hasattr(stream, "storage"):
        with stream.storage.open(stream.name, "rb") as readable:
            yield readable
    else:
        yield stream


def _check_image(image: ImageInput, param_name: str) -> str:
    if image.earlier_input:
        return image.earlier_input.content_type
    if image.asset:
        if not image.asset.content_type.startswith("image/"):
            raise catalog.CatalogError({param_name: _("that asset is not an image")})
        return image.asset.content_type
    size = getattr(image.file, "size", None)
    if size is not None and size > MAX_INPUT_BYTES:
        raise catalog.CatalogError(
            {
                param_name: _("“%(file)s” is %(size)d MB; the limit is 10 MB.")
                % {"file": image.label, "size": size // 1_048_576}
            }
        )
    try:
        info = inspect_image(image.file)
    except MediaError as exc:
        reason = str(exc).split(" (", 1)[0]  # the Pillow class name helps no marketer
        raise catalog.CatalogError(
            {param_name: _("“%(file)s”: %(reason)s.") % {"file": image.label, "reason": reason}}
        ) from None
    return info.content_type


def _input_name(file) -> str:
    name = getattr(file, "name", "") or "image"
    return name.rsplit("/", 1)[-1][-80:]


def rerun(task: GenerationTask, user, submission_token: str = "") -> GenerationTask:
    """The same model, operation, settings and reference images, as a new task; the same
    `submission_token` again returns that task instead of paying for another."""
    images = [
        ImageInput(earlier_input=task_input, param=task_input.param)
        for task_input in task.inputs.all()
    ]
    params = dict(task.params)
    for param in task.catalog_model.operation(task.operation).file_params:
        params.pop(param.name, None)
    return start_generation(
        user,
        task.model_key,
        task.operation,
        params,
        images,
        saved_prompt=task.prompt,
        submission_token=submission_token,
        source_asset=task.source_asset,
    )


def charge_status(task: GenerationTask) -> str:
    """What kie.ai kept, in one word (GenerationTask.charge): charged, refunded,
    not_charged, unknown, or pending while the task is not finished."""
    return task.charge


def cancel(task: GenerationTask) -> bool:
    """Cancel a task that has not been sent to kie.ai yet (kie has no cancel call)."""
    if task.state == State.AWAITING_APPROVAL:
        with in_language_of(task.created_by_id), contextlib.suppress(IllegalTransition):
            task.transition(State.CANCELED, message=_("canceled while awaiting approval"))
            return True
        return False
    claimed = GenerationTask.objects.filter(
        pk=task.pk, state=State.QUEUED, submit_claimed_at__isnull=True
    ).update(submit_claimed_at=timezone.now())
    if not claimed:
        return False
    with in_language_of(task.created_by_id):
        task.transition(State.CANCELED, message=_("canceled before submission"))
    return True


def poll_now(task: GenerationTask) -> bool:
    """Ask kie.ai for this task's status at the next sweep round (admins)."""
    if not GenerationTask.objects.filter(pk=task.pk, state__in=POLLED_STATES).exists():
        return False
    _bring_poll_forward(GenerationTask.objects.filter(pk=task.pk), timezone.now())
    jobs.ensure_sweep()  # also when the poll was due already: its sweep may be gone
    return True


def callback_arrived(
    upstream_task_id: str, reference: str = "", consumed: Decimal | None = None
) -> bool:
    """kie.ai called back about `upstream_task_id`. With our signed reference it names our
    task, which re-attaches a create whose answer was lost; either way the task is polled
    soon (the callback's own body is never trusted: record-info is re-read). `consumed` is
    what a callback signed by kie.ai says the task cost: booked when kie made the result."""
    if consumed is not None:
        credits_reported(upstream_task_id, consumed)
    task_pk = jobs.task_from_reference(reference) if reference else None
    task = GenerationTask.objects.filter(pk=task_pk).first() if task_pk else None
    reattachable = task and not task.upstream_task_id and _may_have_been_made(task)
    if reattachable and jobs.record_created(
        task,
        upstream_task_id,
        gettext_lazy("kie.ai task %(id)s named by its callback"),
        source="callback",
    ):
        jobs.ensure_sweep()
        return True
    return poll_soon(upstream_task_id)


def credits_reported(upstream_task_id: str, consumed: Decimal) -> None:
    """Keep kie's figure for its task; book it at once if kie has made the result."""
    tasks = GenerationTask.objects.filter(upstream_task_id=upstream_task_id)
    tasks.update(credits_reported=consumed)
    for task in tasks:
        made = task.state in (State.DOWNLOADING, State.SUCCEEDED) or (
            task.state == State.FAILED and task.failure_kind == FailureKind.DOWNLOAD
        )
        if made:
            task.book_charge(consumed)


def attach_upstream_task(task: GenerationTask, upstream_task_id: str, by) -> bool:
    """An admin found an unknown outcome in kie.ai's logs: attach it, and the studio reads
    its status and fetches its result as usual."""
    task.refresh_from_db()
    if task.upstream_task_id or not _may_have_been_made(task):
        return False
    attached = gettext_lazy("kie.ai task %(id)s attached by %(admin)s")
    if not jobs.record_created(task, upstream_task_id, attached, source="admin", admin=str(by)):
        return False
    jobs.ensure_sweep()
    return True


def _may_have_been_made(task: GenerationTask) -> bool:
    if task.state == State.FAILED:
        return task.failure_kind == FailureKind.UNKNOWN
    return task.state in (State.QUEUED, State.UNCONFIRMED) and task.create_sent_at is not None


def poll_soon(upstream_task_id: str) -> bool:
    """A kie callback arrived: poll that task within a second. However many callbacks
    come (kie retries them, and anyone can post), a task is not polled, nor a sweep
    queued, more than about once a second for them."""
    # Veo's 4K callback names the source task: its upgrades carry "<source id>#..." ids.
    tasks = GenerationTask.objects.filter(
        Q(upstream_task_id=upstream_task_id)
        | Q(upstream_task_id__startswith=f"{upstream_task_id}{UPGRADE_MARK}")
    )
    moved = _bring_poll_forward(tasks, timezone.now() + timedelta(seconds=1))
    if moved:
        jobs.ensure_sweep()
    return bool(moved)


def _bring_poll_forward(tasks, when) -> int:
    """Move the next poll of these tasks forward to `when`, never back; how many moved."""
    return (
        tasks.filter(state__in=POLLED_STATES)
        .filter(Q(next_poll_at__gt=when) | Q(next_poll_at__isnull=True))
        .update(next_poll_at=when)
    )


def retry_download(task: GenerationTask) -> bool:
    """A task whose files could not be saved goes back to DOWNLOADING (admins only)."""
    if task.state != State.FAILED or task.failure_kind != FailureKind.DOWNLOAD:
        return False
    with in_language_of(task.created_by_id):
        task.transition(
            State.DOWNLOADING,
            message=_("download retried by an admin"),
            download_attempts=0,
            download_claimed_until=None,
        )
    jobs.enqueue("download", task.pk)
    return True
