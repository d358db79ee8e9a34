"""Suno on our side: what a follow-up tells kie about its source track, how each Suno
result becomes assets (tracks with their words and pictures, stems, WAV, MIDI, lyrics,
videos, covers), and the synchronous calls (timestamped lyrics, boost style, persona).

The download job calls `store_result` for each result URL of a Suno task; everything
kie said about the result is read from the task's stored record, through the adapter's
defensive readers (generator/kie/suno.py).
"""

from __future__ import annotations

import io
import logging
from decimal import Decimal
from typing import Any

import av
import mido
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from generator import audio, catalog
from generator.kie import (
    AuthenticationError,
    FirewallRefusedError,
    InputError,
    InsufficientCreditsError,
    KieError,
    NotFoundError,
    RateLimitedError,
)
from generator.kie import suno as kie_suno
from generator.media import MediaError, as_django_file, image_thumbnail, inspect_image, spooled_file
from generator.media import audio as media_audio
from generator.models import Asset, CreditLedgerEntry, GenerationTask, JobLease, State

logger = logging.getLogger(__name__)
PIANO_ROLL_SIZE = (800, 300)


def is_suno(task: GenerationTask) -> bool:
    try:
        return task.catalog_model.family is catalog.Family.SUNO
    except catalog.CatalogError:
        return False


def api_model(task: GenerationTask) -> str:
    return task.catalog_model.operation(task.operation).api_model or "generate"


# --- follow-ups -----------------------------------------------------------------------


def source_fields(task: GenerationTask) -> dict[str, str]:
    """What kie needs to find a follow-up's source: the source task's kie id, the
    track's audioId, and the track's kie URL (add-instrumental and add-vocals upload it)."""
    source = task.source_asset
    if source is None:
        return {}
    return {
        "taskId": source.task.upstream_task_id,
        "audioId": source.upstream_id,
        "audioUrl": source.source_url,
    }


def source_problem(operation: catalog.Operation, source: Asset) -> str:
    """Why `source` cannot feed this follow-up ("" when it can), in the active language."""
    if operation.source_kind is None:
        return _("%(operation)s does not start from a result") % {"operation": operation.label}
    if source.kind != operation.source_kind and not (
        operation.source_kind is catalog.Kind.AUDIO and source.content_type.startswith("audio/")
    ):
        return _("%(operation)s needs a %(kind)s result") % {
            "operation": operation.label,
            "kind": catalog.KIND_LABELS[operation.source_kind],
        }
    if operation.source_models and source.task.model_key not in operation.source_models:
        return _("%(operation)s works on results of %(models)s only") % {
            "operation": operation.label,
            "models": ", ".join(str(catalog.get(k).label) for k in operation.source_models),
        }
    if (
        operation.source_kind is catalog.Kind.AUDIO
        and operation.api_model
        and (not source.upstream_id or not source.task.upstream_task_id)
    ):
        return _("this file was not made by Suno: upload it instead")
    return ""


def earlier_conversion(user, model_key: str, source: Asset) -> GenerationTask | None:
    """A WAV conversion of this track already made or under way: kie answers a second
    one with 409, so the earlier task is the answer."""
    return (
        GenerationTask.objects.filter(model_key=model_key, source_asset=source)
        .exclude(state__in=(State.FAILED, State.CANCELED, State.TIMED_OUT))
        .order_by("-created_at")
        .first()
    )


def followups_for(asset: Asset) -> list[tuple[catalog.CatalogModel, catalog.Operation]]:
    """The Suno follow-ups this asset can feed (shown as buttons on its task)."""
    found = []
    for model in catalog.MODELS:
        if model.family is not catalog.Family.SUNO:
            continue
        for operation in model.operations:
            if operation.source_kind is catalog.Kind.AUDIO and not source_problem(operation, asset):
                found.append((model, operation))
    return found


# --- results --------------------------------------------------------------------------


def store_result(task: GenerationTask, index: int, url: str, fetch) -> Asset:
    """Save one Suno result (`fetch(url, stream)` downloads into a stream)."""
    record = task.upstream_record or {}
    endpoint = api_model(task)
    if endpoint == "midi":
        return _store_midi(task, index, url, record)
    if endpoint == "lyrics":
        return _store_lyrics(task, index, url, record)
    with spooled_file() as stream:
        size, sha256, _content_type = fetch(url, stream)
        if endpoint in ("mp4",) or task.kind == catalog.Kind.VIDEO:
            return _save(task, index, url, stream, size, sha256, "video/mp4", "mp4", role="video")
        if endpoint == "cover":
            info = inspect_image(stream)
            asset = _new_asset(task, index, url, info.content_type, size, sha256, "cover")
            asset.width, asset.height = info.width, info.height
            asset.kind = catalog.Kind.IMAGE
            return _commit(asset, stream, info.extension, thumbnail=image_thumbnail(stream))
        info = audio.probe_audio(stream)
        asset = _new_asset(task, index, url, info.content_type, size, sha256, "")
        asset.kind = catalog.Kind.AUDIO
        asset.duration = info.duration
        asset.codec = info.codec
        asset.has_audio = True
        waveform = media_audio.probe_and_waveform(stream)["waveform"]
        if endpoint == "vocal-removal":
            stems = kie_suno.stem_urls(record)
            name = stems[index][0] if index < len(stems) and stems[index][1] == url else "stem"
            asset.role = f"stem:{name}"
            asset.title = name.replace("_", " ").capitalize()
            asset.upstream_id = _origin_id(record, url)
        elif endpoint == "wav":
            asset.role = "wav"
            if task.source_asset:
                asset.title = task.source_asset.title
        else:
            track = next((t for t in kie_suno.tracks(record) if t.audio_url == url), None)
            if track:
                asset.upstream_id = track.audio_id
                asset.title = track.title
                asset.tags = track.tags
                asset.lyrics = track.lyrics
        poster = _cover_art(task, url, record, fetch)
        return _commit(asset, stream, info.extension, waveform=waveform, poster=poster)


def _origin_id(record: dict, url: str) -> str:
    response = record.get("response") if isinstance(record.get("response"), dict) else {}
    for item in response.get("originData") or []:
        if (
            isinstance(item, dict)
            and item.get("audio_url") == url
            and isinstance(item.get("id"), str)
        ):
            return item["id"][:100]
    return ""


def _cover_art(task, url, record, fetch) -> ContentFile | None:
    """The track's cover picture, when kie gives one; a track is kept without it."""
    track = next((t for t in kie_suno.tracks(record) if t.audio_url == url), None)
    if not track or not track.image_url:
        return None
    try:
        with spooled_file() as picture:
            fetch(track.image_url, picture)
            inspect_image(picture)
            return image_thumbnail(picture)
    except Exception as exc:  # noqa: BLE001 - the cover is a nicety; the track is what was paid for
        logger.info("task %s: cover art not saved (%s)", task.pk, exc)
        return None


def _new_asset(task, index, url, content_type, size, sha256, role) -> Asset:
    from generator.jobs import RESULT_LIFETIME

    return Asset(
        task=task,
        index=index,
        kind=task.kind,
        content_type=content_type,
        bytes=size,
        sha256=sha256,
        role=role,
        source_url=url if url.startswith(("http://", "https://")) else "",
        source_expires_at=(task.submitted_at or timezone.now()) + RESULT_LIFETIME,
    )


def _save(task, index, url, stream, size, sha256, content_type, extension, role) -> Asset:
    asset = _new_asset(task, index, url, content_type, size, sha256, role)
    asset.kind = catalog.Kind.VIDEO
    stream.seek(0)
    try:
        with av.open(stream, mode="r") as container:
            asset.duration = round(float(container.duration or 0) / 1e6, 3) or None
            asset.has_audio = bool(container.streams.audio)
            if container.streams.video:
                video = container.streams.video[0]
                asset.width, asset.height = video.width, video.height
                asset.codec = video.codec_context.name
    except Exception as exc:  # noqa: BLE001
        raise MediaError(_("not a readable video") + f" ({type(exc).__name__})") from None
    finally:
        stream.seek(0)
    return _commit(asset, stream, extension, thumbnail=video_thumbnail(stream))


def video_thumbnail(stream) -> ContentFile | None:
    """The video's first frame as a WebP thumbnail (None when it has no picture)."""
    stream.seek(0)
    try:
        with av.open(stream, mode="r") as container:
            if not container.streams.video:
                return None
            frame = next(container.decode(container.streams.video[0]), None)
            if frame is None:
                return None
            picture = frame.to_image()
            picture.thumbnail((640, 640))
            out = io.BytesIO()
            picture.save(out, "WEBP", quality=80)
            return ContentFile(out.getvalue())
    except (av.error.FFmpegError, ValueError, OSError):
        return None
    finally:
        stream.seek(0)


def _commit(asset: Asset, stream, extension: str, thumbnail=None, waveform=None, poster=None):
    name = f"task-{asset.task_id}-{asset.index}"
    stored = []
    try:
        asset.file.save(
            f"{name}.{extension}", as_django_file(stream, f"{name}.{extension}"), save=False
        )
        stored.append(asset.file)
        if waveform is not None:
            asset.waveform.save(f"{name}.png", waveform, save=False)
            stored.append(asset.waveform)
        if poster is not None:
            asset.poster.save(f"{name}.webp", poster, save=False)
            stored.append(asset.poster)
        if thumbnail is None and poster is None and waveform is not None:
            waveform.seek(0)
            thumbnail = image_thumbnail(io.BytesIO(waveform.read()))
        thumbnail = thumbnail or poster
        if thumbnail is not None:
            asset.thumbnail.save(f"{name}.webp", thumbnail, save=False)
            stored.append(asset.thumbnail)
        asset.save()
    except BaseException:
        for field_file in stored:  # leave no orphan file behind
            if field_file.name:
                field_file.storage.delete(field_file.name)
        raise
    return asset


def _inline(task, index, url, data: bytes, content_type: str, extension: str, role: str):
    import hashlib

    asset = _new_asset(
        task, index, url, content_type, len(data), hashlib.sha256(data).hexdigest(), role
    )
    return asset, io.BytesIO(data), extension


def _store_lyrics(task, index, url, record) -> Asset:
    texts = kie_suno.lyrics_texts(record)
    if not texts:
        raise MediaError(_("kie.ai sent no lyrics"))
    first = texts[0]
    data = first["text"].encode("utf-8")
    asset, stream, extension = _inline(task, index, url, data, "text/plain", "txt", "lyrics")
    asset.kind = catalog.Kind.AUDIO
    asset.title, asset.lyrics = first["title"], first["text"]
    asset.details = {"variants": texts[1:]}
    return _commit(asset, stream, extension)


def _store_midi(task, index, url, record) -> Asset:
    instruments = kie_suno.midi_instruments(record)
    if not any(item["notes"] for item in instruments):
        raise MediaError(_("kie.ai sent no notes"))
    data = midi_file(instruments)
    asset, stream, extension = _inline(task, index, url, data, "audio/midi", "mid", "midi")
    asset.kind = catalog.Kind.AUDIO
    asset.title = task.source_asset.title if task.source_asset else "MIDI"
    asset.duration = max((n["end"] for i in instruments for n in i["notes"]), default=0)
    asset.details = {
        "instruments": [{"name": i["name"], "notes": len(i["notes"])} for i in instruments]
    }
    roll = ContentFile(piano_roll(instruments))
    return _commit(asset, stream, extension, thumbnail=roll, poster=roll)


def midi_file(instruments: list[dict[str, Any]], tempo_bpm: int = 120) -> bytes:
    """A type-1 MIDI file: one track (and channel) per instrument; drums on channel 10."""
    ticks = 480
    song = mido.MidiFile(type=1, ticks_per_beat=ticks)
    tempo = mido.bpm2tempo(tempo_bpm)
    meta = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=tempo, time=0)])
    song.tracks.append(meta)
    for number, instrument in enumerate(instruments[:15]):
        channel = (
            9 if "drum" in instrument["name"].lower() else min(number, 8 if number < 9 else 15)
        )
        events = []
        for note in instrument["notes"]:
            start = int(mido.second2tick(note["start"], ticks, tempo))
            end = max(start + 1, int(mido.second2tick(note["end"], ticks, tempo)))
            events.append((start, 1, note["pitch"], note["velocity"]))
            events.append((end, 0, note["pitch"], 0))
        events.sort()
        track = mido.MidiTrack(
            [mido.MetaMessage("track_name", name=instrument["name"][:60], time=0)]
        )
        now = 0
        for at, on, pitch, velocity in events:
            kind = "note_on" if on else "note_off"
            track.append(
                mido.Message(kind, note=pitch, velocity=velocity, channel=channel, time=at - now)
            )
            now = at
        song.tracks.append(track)
    out = io.BytesIO()
    song.save(file=out)
    return out.getvalue()


_ROLL_COLOURS = ((37, 99, 235), (220, 38, 38), (22, 163, 74), (217, 119, 6), (147, 51, 234))


def piano_roll(instruments: list[dict[str, Any]], size=PIANO_ROLL_SIZE) -> bytes:
    """A piano-roll picture: time across, pitch up, one colour per instrument."""
    width, height = size
    notes = [(i, n) for i, item in enumerate(instruments) for n in item["notes"]]
    end = max((n["end"] for _, n in notes), default=1.0) or 1.0
    low = min((n["pitch"] for _, n in notes), default=0)
    high = max((n["pitch"] for _, n in notes), default=127)
    span = max(1, high - low + 1)
    row = height / span
    image = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for number, note in notes:
        x0 = note["start"] / end * (width - 1)
        x1 = max(x0 + 1, note["end"] / end * (width - 1))
        y1 = height - (note["pitch"] - low) * row
        draw.rectangle(
            (x0, y1 - max(1.0, row), x1, y1), fill=_ROLL_COLOURS[number % len(_ROLL_COLOURS)]
        )
    out = io.BytesIO()
    image.save(out, "WEBP", quality=85)
    return out.getvalue()


# --- while a song is made ----------------------------------------------------------------


def early_tracks(task: GenerationTask) -> list[dict[str, Any]]:
    """Tracks kie already describes while the task runs: title, tags, lyrics, and the
    stream URL once the first can be played (FIRST_SUCCESS). Only links to hosts we
    download from are given to the page."""
    from generator.kie.downloads import host_allowed
    from generator.upstream import download_hosts

    if task.is_final or not is_suno(task) or api_model(task) == "lyrics":
        return []
    hosts = download_hosts()
    found = []
    for track in kie_suno.tracks(task.upstream_record or {}):
        stream = track.stream_url if host_allowed(track.stream_url, hosts) else ""
        found.append(
            {"title": track.title, "tags": track.tags, "lyrics": track.lyrics, "stream_url": stream}
        )
    return found


# --- synchronous endpoints (kie-api.md 8.6) ---------------------------------------------


class SunoCallError(Exception):
    """A synchronous call that could not be made or failed; a sentence for a marketer."""


# What kie charges at once for the synchronous calls (kie-api.md 10.1).
TIMED_LYRICS_PRICE = Decimal("0.5")
BOOST_STYLE_PRICE = Decimal("0.4")


# kie answered "no" to these: nothing was done, nothing was paid.
_REFUSALS = (
    AuthenticationError,
    FirewallRefusedError,
    InputError,
    InsufficientCreditsError,
    NotFoundError,
    RateLimitedError,
)


def _paid_call(user, price: Decimal, what: str, lease: str, call):
    """A synchronous call is paid as it answers, with no task. Its charge is booked
    before asking (a call that dies half-way stays counted, so the reconciliation finds
    the credits explained) and released only when kie said no. One at a time per
    `lease`: a double click does not pay twice."""
    token = JobLease.acquire(lease, seconds=120)
    if not token:
        raise SunoCallError(_("kie.ai is already being asked this; wait a moment."))
    user = user if getattr(user, "pk", None) else None
    try:
        CreditLedgerEntry.objects.create(
            kind=CreditLedgerEntry.Kind.CHARGE, amount=-price, user=user, note=what[:200]
        )
        try:
            return call()
        except _REFUSALS:
            CreditLedgerEntry.objects.create(
                kind=CreditLedgerEntry.Kind.RELEASE,
                amount=price,
                user=user,
                note=f"{what} (refused by kie.ai)"[:200],
            )
            raise
    finally:
        JobLease.release(lease, token)


def _track_refs(asset: Asset) -> tuple[str, str]:
    if not asset.upstream_id or not asset.task.upstream_task_id or asset.role:
        raise SunoCallError(_("This is not a Suno track."))
    return asset.task.upstream_task_id, asset.upstream_id


def timestamped_lyrics(asset: Asset, client, user=None) -> list[dict[str, Any]]:
    """Fetch each word's timing and keep it on the asset (`details["aligned_words"]`)."""
    task_id, audio_id = _track_refs(asset)
    if not asset.lyrics.strip():
        raise SunoCallError(_("This track has no lyrics (an instrumental)."))
    if (asset.details or {}).get("aligned_words"):
        return asset.details["aligned_words"]  # asked and paid for once already
    try:
        words = _paid_call(
            user,
            TIMED_LYRICS_PRICE,
            f"Suno timed lyrics of asset #{asset.pk}",
            f"suno-timed-lyrics-{asset.pk}",
            lambda: client.suno.timestamped_lyrics(task_id, audio_id),
        )
    except KieError as exc:
        raise SunoCallError(
            _("kie.ai could not time the lyrics: %(error)s") % {"error": exc.message}
        ) from None
    asset.details = {**(asset.details or {}), "aligned_words": words}
    asset.save(update_fields=["details"])
    return words


def boost_style(text: str, client, user=None) -> str:
    try:
        return _paid_call(
            user,
            BOOST_STYLE_PRICE,
            "Suno boost style",
            f"suno-boost-style-{getattr(user, 'pk', 0)}",
            lambda: client.suno.boost_style(text),
        )
    except KieError as exc:
        raise SunoCallError(
            _("kie.ai could not boost the style: %(error)s") % {"error": exc.message}
        ) from None


def make_persona(asset: Asset, client, name: str, description: str) -> dict[str, str]:
    task_id, audio_id = _track_refs(asset)
    try:
        persona = client.suno.generate_persona(task_id, audio_id, name, description)
    except KieError as exc:
        raise SunoCallError(
            _("kie.ai could not make the persona: %(error)s") % {"error": exc.message}
        ) from None
    asset.details = {**(asset.details or {}), "persona": persona}
    asset.save(update_fields=["details"])
    return persona
