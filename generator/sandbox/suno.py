"""Suno (kie-api.md section 8): generate, the follow-ups, their details pages, the
synchronous endpoints, and the callbacks.

Music tasks walk kie's stages on the shared clock: PENDING, TEXT_SUCCESS (titles, tags
and lyrics known; skipped by instrumentals), FIRST_SUCCESS (the first track's stream URL
plays), SUCCESS (both tracks' final URLs). Sounds and add-instrumental skip straight to
SUCCESS, as some kie tasks do. Each task makes two real MP3 tracks (audio.py), different
in key and tempo, with a cover picture; follow-ups find their source by audioId.

Shapes follow kie, drift included: details in camelCase, callbacks in snake_case, WAV,
MP4 and stems with a string successFlag, MIDI and cover with an integer one (cover's 2
means "generating"), separation's originData items snake_case inside a camel object.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from generator.catalog import Family

from . import audio
from .api import ApiError, Request, Route, compact, is_number, now_ms
from .faults import CREATE, RECORD
from .gpt4o_image import _count_record_read
from .media import render_image
from .state import Task
from .video import make_mp4

if TYPE_CHECKING:
    from .app import SandboxApp

FAMILY = "suno"
VERSIONS = ("V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5")
_LIMITS = {  # custom mode: prompt, style, title (the newest, widest, kie-api.md 8.1)
    "V4": (3000, 200, 80),
    "V4_5": (5000, 1000, 100),
    "V4_5PLUS": (5000, 1000, 100),
    "V4_5ALL": (5000, 1000, 80),
    "V5": (5000, 1000, 100),
    "V5_5": (5000, 1000, 100),
}
_SIMPLE_PROMPT = 3000
_SKIP_STAGES = ("sounds", "add-instrumental")
# Synchronous endpoints charge at once (kie-api.md 10.1).
_TIMESTAMPED_PRICE = Decimal("0.5")
_BOOST_PRICE = Decimal("0.4")
FAILURES = {
    "policy": ("SENSITIVE_WORD_ERROR", 400, "Lyrics contain sensitive words"),
    "fail": ("GENERATE_AUDIO_FAILED", 501, "Audio generation failed"),
}
_FLAG_FAILED = {
    "wav": "GENERATE_WAV_FAILED",
    "mp4": "GENERATE_MP4_FAILED",
    "vocal-removal": "GENERATE_AUDIO_FAILED",
}


def _extra(app: SandboxApp) -> dict[str, dict[str, Any]]:
    """Suno's own facts about its tasks (tracks, stems...), by task id (lock held)."""
    return app.state.suno


# --- helpers --------------------------------------------------------------------------


def _body(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = request.json(app.max_body_bytes)
    url = body.get("callBackUrl")
    if not isinstance(url, str) or not url.strip():
        raise ApiError(422, "callBackUrl is required")
    return body


def _string(body, name, limit=0, required=False) -> str:
    value = body.get(name)
    if value in (None, ""):
        if required:
            raise ApiError(422, f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise ApiError(422, f"{name} must be a string")
    if limit and len(value) > limit:
        raise ApiError(422, f"{name} must be at most {limit} characters")
    return value


def _bool(body, name, required=False) -> bool:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(422, f"{name} is required")
        return False
    if not isinstance(value, bool):
        raise ApiError(422, f"{name} must be a boolean")
    return value


def _number(body, name, low, high, required=False) -> float | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(422, f"{name} is required")
        return None
    if not is_number(value) or not low <= value <= high:
        raise ApiError(422, f"{name} must be a number from {low} to {high}")
    return float(value)


def _version(body, allowed=VERSIONS, required=True) -> str:
    value = body.get("model")
    if value is None and not required:
        return allowed[-1]
    if value not in allowed:
        raise ApiError(422, f"model must be one of {', '.join(allowed)}")
    return value


def _song_fields(
    body: dict[str, Any], version: str, custom: bool, instrumental: bool, inherits: bool = False
) -> str:
    """Check generate-like fields (kie-api.md 8.1); returns the prompt. An extend with
    defaultParamFlag false (`inherits`) takes its words from the source track."""
    prompt_max, style_max, title_max = _LIMITS[version]
    if custom:
        _string(body, "style", style_max, required=True)
        _string(body, "title", title_max, required=True)
        prompt = _string(body, "prompt", prompt_max, required=not instrumental)
    else:
        prompt = _string(body, "prompt", _SIMPLE_PROMPT, required=not inherits)
    _string(body, "negativeTags", 1000)
    if body.get("vocalGender") not in (None, "", "m", "f"):
        raise ApiError(422, "vocalGender must be m or f")
    for name in ("styleWeight", "weirdnessConstraint", "audioWeight"):
        _number(body, name, 0, 1)
    if body.get("duration") is not None:
        if not (custom and version == "V5_5"):
            raise ApiError(422, "duration is only supported with V5_5 in custom mode")
        _number(body, "duration", 10, 360)
    if body.get("personaModel") not in (None, "", "style_persona", "voice_persona"):
        raise ApiError(422, "personaModel must be style_persona or voice_persona")
    return prompt


def _find_track(app: SandboxApp, audio_id: Any, task_id: Any = None) -> dict[str, Any]:
    if not isinstance(audio_id, str) or not audio_id:
        raise ApiError(422, "audioId is required")
    with app.state.lock:
        for owner, extra in _extra(app).items():
            if task_id and owner != task_id:
                continue
            task = app.state.tasks.get(owner)
            for track in extra.get("tracks", ()) if task else ():
                if track["id"] == audio_id:
                    if app.state.state_of(task) != "success":
                        raise ApiError(422, "record status is not success")
                    return track
    raise ApiError(422, "record is null")


def _new_task(app, body, endpoint, prompt, api_model, price_params=None) -> dict[str, str]:
    """Create (rate limit, charge) a Suno task with no images of the shared kind."""
    return app.state.create_task(
        family=FAMILY,
        model=endpoint,
        body=body,
        price_family=Family.SUNO,
        api_model=api_model,
        price_params=price_params or body,
        prompt=prompt,
        title="Suno",
        sizes=[],
        fmt="png",
        base_name=None,
    )


def _store(app: SandboxApp, task_id: str, data: bytes, mime: str, ext: str) -> str:
    name = f"{uuid.uuid4().hex}.{ext}"
    with app.state.lock:
        app.state.store(name, data, mime)
        app.state.file_task[name] = task_id
    return app.state.file_url(name)


def _make_tracks(app, task_id, prompt, title, tags, lyrics, seconds, count=2, start=None):
    """Two tunes (MP3 final + stream copy + cover art), different per variant."""
    made = []
    for variant in range(count):
        tune = audio.plan(prompt or title or "suno", seconds, variant)
        mix = audio.render_mix(tune)
        if start is not None:  # an extension starts with the source's audio
            mix = audio.np.concatenate([start[: int(len(start))], mix]).astype("float32")
        mp3 = audio.encode_mp3(mix, title)
        cover = render_image(prompt or title, 512, 512, "jpeg", title or "Suno")
        track_title = f"{title or 'Sandbox song'}" + (f" ({variant + 1})" if count > 1 else "")
        made.append(
            {
                "id": uuid.uuid4().hex,
                "variant": variant,
                "prompt": prompt,
                "seconds": round(len(mix) / audio.RATE, 2),
                "audio_url": _store(app, task_id, mp3, "audio/mpeg", "mp3"),
                "stream_url": _store(app, task_id, mp3, "audio/mpeg", "mp3"),
                "image_url": _store(app, task_id, cover, "image/jpeg", "jpeg"),
                "title": track_title,
                "tags": tags,
                "lyrics": lyrics,
            }
        )
    return made


def _lyrics_for(prompt: str, instrumental: bool, custom: bool) -> str:
    if instrumental:
        return ""
    if custom:
        return prompt
    words = prompt.split()[:6] or ["la"]
    return f"[Verse]\n{' '.join(words)}\nSing it loud tonight\n[Chorus]\n{' '.join(words[:3])}"


# --- music endpoints (polled at /api/v1/generate/record-info) -------------------------


def _music(app, request, endpoint: str) -> dict[str, str]:
    body = _body(app, request)
    source = None
    seconds = 20.0
    custom = _bool(body, "customMode", required=endpoint in ("generate", "upload-cover"))
    instrumental = _bool(body, "instrumental", required=endpoint == "generate")
    if endpoint in ("add-instrumental", "add-vocals"):
        version = _version(body, ("V4_5PLUS", "V5", "V5_5"), required=False)
        _string(body, "uploadUrl", required=True)
        _string(body, "title", 100, required=True)
        _string(body, "negativeTags", 200, required=True)
        if endpoint == "add-instrumental":
            tags = _string(body, "tags", 1000, required=True)
            prompt, instrumental = tags, True
        else:
            prompt = _string(body, "prompt", 5000, required=True)
            tags = _string(body, "style", 1000, required=True)
        title = body["title"]
        custom = True
    elif endpoint == "sounds":
        prompt = _string(body, "prompt", 500, required=True)
        version = _version(body, ("V5", "V5_5"), required=False)
        _bool(body, "soundLoop")
        if body.get("soundTempo") is not None:
            tempo = body["soundTempo"]
            if not isinstance(tempo, int) or isinstance(tempo, bool) or not 1 <= tempo <= 300:
                raise ApiError(422, "soundTempo must be a whole number from 1 to 300")
        key = body.get("soundKey", "Any")
        if not isinstance(key, str) or len(key) > 3:
            raise ApiError(422, "soundKey is not a key")
        title, tags, seconds, instrumental = (
            prompt[:40],
            f"{key} {body.get('soundTempo', '')}",
            8.0,
            True,
        )
    elif endpoint == "replace-section":
        source = _find_track(app, body.get("audioId"), body.get("taskId"))
        for name in ("prompt", "tags", "title", "fullLyrics"):
            _string(body, name, 5000, required=True)
        start = _number(body, "infillStartS", 0, 10**5, required=True)
        end = _number(body, "infillEndS", 0, 10**5, required=True)
        if not 10 <= end - start <= 60:
            raise ApiError(422, "the section must last 10 to 60 seconds")
        if end > source["seconds"]:
            raise ApiError(422, "infillEndS is past the end of the track")
        version, prompt, title, tags = "V5", body["fullLyrics"], body["title"], body["tags"]
        seconds = source["seconds"]
    else:
        version = _version(body)
        if endpoint in ("extend", "upload-extend") and not custom:
            custom = _bool(body, "defaultParamFlag", required=True)
        inherits = endpoint == "extend" and not custom
        prompt = _song_fields(body, version, custom, instrumental, inherits)
        title = body.get("title") or " ".join(prompt.split()[:4]).title() or "Sandbox song"
        tags = body.get("style") or "pop, upbeat"
        if endpoint == "extend":
            source = _find_track(app, body.get("audioId"))
            at = _number(
                body, "continueAt", 0, source["seconds"], required=body.get("defaultParamFlag")
            )
            seconds = (at or source["seconds"]) + 10
            if not body.get("defaultParamFlag"):
                title, tags, prompt = source["title"], source["tags"], source["prompt"]
        elif endpoint in ("upload-cover", "upload-extend"):
            _string(body, "uploadUrl", required=True)
            if endpoint == "upload-extend":
                seconds = (_number(body, "continueAt", 0, 480) or 10) + 10
        elif endpoint == "mashup":
            urls = body.get("uploadUrlList")
            if (
                not isinstance(urls, list)
                or len(urls) != 2
                or not all(isinstance(u, str) for u in urls)
            ):
                raise ApiError(422, "uploadUrlList must hold exactly 2 audio URLs")
        if body.get("duration") is not None:
            seconds = float(body["duration"])
    created = _new_task(app, body, endpoint, prompt, endpoint)
    task_id = created["taskId"]
    tracks = _make_tracks(
        app,
        task_id,
        prompt,
        title,
        tags,
        _lyrics_for(prompt, instrumental, custom),
        min(seconds, 60.0),  # the sandbox keeps files short
    )
    with app.state.lock:
        _extra(app)[task_id] = {
            "endpoint": endpoint,
            "tracks": tracks,
            "instrumental": instrumental,
            "version": version,
            "parent": source["id"] if source else "",
        }
    return created


def _music_stage(app: SandboxApp, task: Task, extra: dict[str, Any]) -> str:
    """PENDING, TEXT_SUCCESS, FIRST_SUCCESS, SUCCESS, or a failure (lock held)."""
    state = app.state.state_of(task)
    if state == "fail":
        return FAILURES[task.outcome][0]
    if state == "success":
        return "SUCCESS"
    fraction = app.state.fraction(task)
    if extra["endpoint"] in _SKIP_STAGES:
        return "PENDING"
    if fraction < 0.15:
        return "PENDING"
    if fraction < 0.45:
        return "PENDING" if extra["instrumental"] else "TEXT_SUCCESS"
    return "FIRST_SUCCESS"


def _suno_data(extra: dict[str, Any], stage: str, snake: bool = False) -> list[dict[str, Any]]:
    items = []
    if stage not in ("TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"):
        return items
    for index, track in enumerate(extra["tracks"]):
        final = stage == "SUCCESS"
        streams = final or (stage == "FIRST_SUCCESS" and index == 0)
        item = {
            "id": track["id"],
            "audioUrl": track["audio_url"] if final else "",
            "streamAudioUrl": track["stream_url"] if streams else "",
            "imageUrl": track["image_url"] if streams else "",
            "prompt": track["lyrics"],
            "modelName": "chirp-v" + extra["version"].lower().replace("_", "-"),
            "title": track["title"],
            "tags": track["tags"],
            "createTime": "2026-11-29 00:00:00",
            "duration": track["seconds"] if streams else None,
        }
        if snake:
            item = {
                "id": item["id"],
                "audio_url": item["audioUrl"],
                "source_audio_url": item["audioUrl"],
                "stream_audio_url": item["streamAudioUrl"],
                "source_stream_audio_url": item["streamAudioUrl"],
                "image_url": item["imageUrl"],
                "source_image_url": item["imageUrl"],
                "prompt": item["prompt"],
                "model_name": item["modelName"],
                "title": item["title"],
                "tags": item["tags"],
                "createTime": item["createTime"],
                "duration": item["duration"],
            }
        items.append(item)
    return items


def music_record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task = app.state.requested_task(request, FAMILY)
    _count_record_read(app, task)
    with app.state.lock:
        app.state.settle_refunds()
        extra = _extra(app).get(task.task_id)
        if extra is None or "tracks" not in extra:
            raise ApiError(422, "record is null")
        stage = _music_stage(app, task, extra)
        failed = stage in ("SENSITIVE_WORD_ERROR", "GENERATE_AUDIO_FAILED")
        code, message = (FAILURES[task.outcome][1:]) if failed else (None, None)
        operation = extra["endpoint"].replace("-", "_")
        return {
            "taskId": task.task_id,
            "parentMusicId": extra.get("parent", ""),
            "param": compact(task.body),
            "response": {"taskId": task.task_id, "sunoData": _suno_data(extra, stage)},
            "status": stage,
            "type": "GENERATE",
            "operationType": operation,
            "errorCode": code,
            "errorMessage": message,
        }


# --- lyrics ---------------------------------------------------------------------------


def lyrics(app: SandboxApp, request: Request) -> dict[str, str]:
    body = _body(app, request)
    prompt = _string(body, "prompt", 200, required=True)
    created = _new_task(app, body, "lyrics", prompt, "lyrics")
    words = " ".join(prompt.split()[:8])
    texts = [
        {
            "text": f"[Verse]\n{words}\nEvery day a brighter way\n[Chorus]\n{words}, {words}",
            "title": words.title()[:60] or "Lyrics",
            "status": "complete",
            "errorMessage": "",
        },
        {
            "text": f"[Verse]\nHere we go with {words}\n[Chorus]\nAll night long",
            "title": (words.title()[:50] or "Lyrics") + " II",
            "status": "complete",
            "errorMessage": "",
        },
    ]
    with app.state.lock:
        _extra(app)[created["taskId"]] = {"endpoint": "lyrics", "texts": texts}
    return created


def lyrics_record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task = app.state.requested_task(request, FAMILY)
    with app.state.lock:
        extra = _extra(app).get(task.task_id) or {}
        if extra.get("endpoint") != "lyrics":
            raise ApiError(422, "record is null")
        state = app.state.state_of(task)
        status = {"success": "SUCCESS", "fail": "GENERATE_LYRICS_FAILED"}.get(state, "PENDING")
        if state == "fail" and task.outcome == "policy":
            status = "SENSITIVE_WORD_ERROR"
        return {
            "taskId": task.task_id,
            "param": compact(task.body),
            "response": {"taskId": task.task_id, "data": extra["texts"]}
            if state == "success"
            else None,
            "status": status,
            "type": "LYRICS",
            "errorCode": None if state != "fail" else FAILURES[task.outcome][1],
            "errorMessage": None if state != "fail" else FAILURES[task.outcome][2],
        }


# --- WAV, stems, MIDI, MP4, cover -------------------------------------------------------


def _source_samples(track: dict[str, Any]):
    tune = audio.plan(track["prompt"] or track["title"], track["seconds"], track["variant"])
    return tune


def wav(app: SandboxApp, request: Request) -> dict[str, str]:
    body = _body(app, request)
    track = _find_track(app, body.get("audioId"), body.get("taskId"))
    with app.state.lock:
        for extra in _extra(app).values():
            if extra.get("endpoint") == "wav" and extra.get("audio_id") == track["id"]:
                raise ApiError(409, "WAV record already exists")
    created = _new_task(app, body, "wav", "", "wav")
    data = audio.encode_wav(audio.render_mix(_source_samples(track)))
    url = _store(app, created["taskId"], data, "audio/wav", "wav")
    with app.state.lock:
        _extra(app)[created["taskId"]] = {"endpoint": "wav", "audio_id": track["id"], "url": url}
    return created


def vocal_removal(app: SandboxApp, request: Request) -> dict[str, str]:
    body = _body(app, request)
    kind = body.get("type") or "separate_vocal"
    if kind not in ("separate_vocal", "split_stem", "split_stem_advanced"):
        raise ApiError(422, "type must be separate_vocal, split_stem or split_stem_advanced")
    if kind == "split_stem_advanced":
        _string(body, "stemName", 60, required=True)
    track = _find_track(app, body.get("audioId"), body.get("taskId"))
    created = _new_task(app, body, "vocal-removal", "", "vocal-removal", {"type": kind})
    tune = _source_samples(track)
    task_id = created["taskId"]
    stems: dict[str, str | None] = {}

    def put(parts) -> str:
        return _store(
            app, task_id, audio.encode_mp3(audio.render_mix(tune, parts)), "audio/mpeg", "mp3"
        )

    if kind == "separate_vocal":
        stems = {"vocalUrl": put(("vocals",)), "instrumentalUrl": put(("piano", "bass", "drums"))}
    else:
        stems = {
            "vocalUrl": put(("vocals",)),
            "pianoUrl": put(("piano",)),
            "bassUrl": put(("bass",)),
            "drumsUrl": put(("drums",)),
        }
    names = (
        "vocalUrl",
        "instrumentalUrl",
        "backingVocalsUrl",
        "drumsUrl",
        "bassUrl",
        "guitarUrl",
        "pianoUrl",
        "keyboardUrl",
        "percussionUrl",
        "stringsUrl",
        "synthUrl",
        "fxUrl",
        "brassUrl",
        "woodwindsUrl",
    )
    response = {"originUrl": track["audio_url"], **{n: stems.get(n) for n in names}}
    origin = [
        {
            "duration": track["seconds"],
            "audio_url": url,
            "stem_type_group_name": key[:-3],
            "id": uuid.uuid4().hex,
        }
        for key, url in stems.items()
    ]
    with app.state.lock:
        _extra(app)[task_id] = {
            "endpoint": "vocal-removal",
            "response": response,
            "origin": origin,
            "tune": tune,
            "music_index": track["variant"],
        }
    return created


def midi(app: SandboxApp, request: Request) -> dict[str, str]:
    body = _body(app, request)
    source_id = body.get("taskId")
    with app.state.lock:
        source = _extra(app).get(source_id) if isinstance(source_id, str) else None
        task = app.state.tasks.get(source_id) if source else None
        if source is None or source.get("endpoint") != "vocal-removal":
            raise ApiError(422, "taskId must name a finished vocal separation")
        if app.state.state_of(task) != "success":
            raise ApiError(422, "record status is not success")
    created = _new_task(app, body, "midi", "", "midi")
    with app.state.lock:
        _extra(app)[created["taskId"]] = {
            "endpoint": "midi",
            "midi": audio.midi_data(source["tune"]),
            "audio_id": body.get("audioId") or "",
        }
    return created


def mp4(app: SandboxApp, request: Request) -> dict[str, str]:
    body = _body(app, request)
    _string(body, "author", 50)
    _string(body, "domainName", 50)
    track = _find_track(app, body.get("audioId"), body.get("taskId"))
    created = _new_task(app, body, "mp4", "", "mp4")
    tune = _source_samples(track)
    picture = make_mp4(track["title"], 320, 320, track["seconds"], title=track["title"])
    video = audio.mux_track(picture, audio.render_mix(tune))
    url = _store(app, created["taskId"], video, "video/mp4", "mp4")
    with app.state.lock:
        _extra(app)[created["taskId"]] = {"endpoint": "mp4", "url": url, "audio_id": track["id"]}
    return created


def cover(app: SandboxApp, request: Request) -> dict[str, str]:
    body = _body(app, request)
    source_id = body.get("taskId")
    with app.state.lock:
        source = _extra(app).get(source_id) if isinstance(source_id, str) else None
        if source is None or "tracks" not in source:
            raise ApiError(422, "record is null")
        existing = source.get("cover_task")
    if existing:  # once per music task: the existing cover's task id comes back
        raise ApiError(400, "this task already has a cover", {"taskId": existing})
    created = _new_task(app, body, "cover", "", "cover")
    title = source["tracks"][0]["title"]
    urls = [
        _store(
            app,
            created["taskId"],
            render_image(f"{title} {n}", 512, 512, "png", title),
            "image/png",
            "png",
        )
        for n in range(2)
    ]
    with app.state.lock:
        source["cover_task"] = created["taskId"]
        _extra(app)[created["taskId"]] = {"endpoint": "cover", "images": urls, "parent": source_id}
    return created


def _flag_record(app, request, endpoint: str) -> tuple[Task, dict[str, Any], str]:
    task = app.state.requested_task(request, FAMILY)
    with app.state.lock:
        extra = _extra(app).get(task.task_id) or {}
        if extra.get("endpoint") != endpoint:
            raise ApiError(422, "record is null")
        return task, extra, app.state.state_of(task)


def _string_flag(state: str, endpoint: str) -> str:
    if state == "success":
        return "SUCCESS"
    if state == "fail":
        return _FLAG_FAILED.get(endpoint, "CREATE_TASK_FAILED")
    return "PENDING"


def wav_record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task, extra, state = _flag_record(app, request, "wav")
    return {
        "taskId": task.task_id,
        "musicId": extra["audio_id"],
        "callbackUrl": task.body.get("callBackUrl"),
        "musicIndex": 0,
        "completeTime": now_ms(app.state.finished_at(task)) if state == "success" else None,
        "response": {"audioWavUrl": extra["url"]} if state == "success" else None,
        "successFlag": _string_flag(state, "wav"),
        "createTime": now_ms(task.created_at),
        "errorCode": None,
        "errorMessage": None,
    }


def vocal_record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task, extra, state = _flag_record(app, request, "vocal-removal")
    done = state == "success"
    return {
        "taskId": task.task_id,
        "musicId": task.body.get("audioId"),
        "callbackUrl": task.body.get("callBackUrl"),
        "musicIndex": extra["music_index"],
        "completeTime": now_ms(app.state.finished_at(task)) if done else None,
        "response": {**extra["response"], "originData": extra["origin"]} if done else None,
        "successFlag": _string_flag(state, "vocal-removal"),
        "createTime": now_ms(task.created_at),
        "errorCode": None,
        "errorMessage": None,
    }


def midi_record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task, extra, state = _flag_record(app, request, "midi")
    flag = {"success": 1, "fail": 3}.get(state, 0)
    return {
        "taskId": task.task_id,
        "recordTaskId": abs(hash(task.task_id)) % 10**8,
        "audioId": extra["audio_id"],
        "callbackUrl": task.body.get("callBackUrl"),
        "completeTime": now_ms(app.state.finished_at(task)) if flag == 1 else None,
        "createTime": now_ms(task.created_at),
        "midiData": extra["midi"] if flag == 1 else None,
        "successFlag": flag,
        "errorCode": None if flag != 3 else "500",
        "errorMessage": None if flag != 3 else "MIDI generation failed",
    }


def mp4_record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task, extra, state = _flag_record(app, request, "mp4")
    return {
        "taskId": task.task_id,
        "musicId": extra["audio_id"],
        "callbackUrl": task.body.get("callBackUrl"),
        "completeTime": now_ms(app.state.finished_at(task)) if state == "success" else None,
        "response": {"videoUrl": extra["url"]} if state == "success" else None,
        "successFlag": _string_flag(state, "mp4"),
        "createTime": now_ms(task.created_at),
        "errorCode": None,
        "errorMessage": None,
    }


def cover_record(app: SandboxApp, request: Request) -> dict[str, Any]:
    task, extra, state = _flag_record(app, request, "cover")
    fraction = app.state.fraction(task)
    flag = {"success": 1, "fail": 3}.get(state, 2 if fraction >= 0.3 else 0)
    return {
        "taskId": task.task_id,
        "parentTaskId": extra["parent"],
        "callbackUrl": task.body.get("callBackUrl"),
        "completeTime": now_ms(app.state.finished_at(task)) if flag == 1 else None,
        "response": {"images": extra["images"]} if flag == 1 else None,
        "successFlag": flag,
        "createTime": now_ms(task.created_at),
        "errorCode": 500 if flag == 3 else 200,
        "errorMessage": None,
    }


# --- synchronous endpoints (kie-api.md 8.6) --------------------------------------------


def _charge_now(app: SandboxApp, price: Decimal) -> None:
    with app.state.lock:
        app.state.settle_refunds()
        if app.state.balance < price:
            raise ApiError(402, "Insufficient credits")
        app.state.balance -= price
        app.state.stats.created("suno-sync", "", price)


def timestamped_lyrics(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = request.json(app.max_body_bytes)
    _string(body, "taskId", required=True)
    track = _find_track(app, body.get("audioId"), body.get("taskId"))
    _charge_now(app, _TIMESTAMPED_PRICE)
    words = [w for w in track["lyrics"].split() if not (w.startswith("[") and w.endswith("]"))]
    step = track["seconds"] / max(1, len(words) + 1)
    aligned = [
        {
            "word": word,
            "success": True,
            "startS": round(index * step + 0.5, 2),
            "endS": round(index * step + 0.5 + step * 0.9, 2),
            "palign": 0,
        }
        for index, word in enumerate(words)
    ]
    return {
        "alignedWords": aligned,
        "waveformData": [round(abs(((i * 37) % 100) / 100), 2) for i in range(64)],
        "hootCer": 0.1,
        "isStreamed": False,
    }


def boost_style(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = request.json(app.max_body_bytes)
    content = _string(body, "content", 1000, required=True)
    _charge_now(app, _BOOST_PRICE)
    with app.state.lock:
        remaining = app.state.balance
    return {
        "taskId": uuid.uuid4().hex,
        "param": json.dumps({"content": content}),
        "result": f"{content.strip()}, warm analog synths, punchy drums, catchy hook, "
        "radio-ready mix",
        "creditsConsumed": float(_BOOST_PRICE),
        "creditsRemaining": float(remaining),
        "successFlag": "1",
        "errorCode": None,
        "errorMessage": None,
        "createTime": now_ms(app.config.clock()),
    }


def generate_persona(app: SandboxApp, request: Request) -> dict[str, Any]:
    body = request.json(app.max_body_bytes)
    name = _string(body, "name", 100, required=True)
    description = _string(body, "description", 500, required=True)
    track = _find_track(app, body.get("audioId"), body.get("taskId"))
    start = _number(body, "vocalStart", 0, 10**5) or 0
    end = _number(body, "vocalEnd", 0, 10**5)
    end = 30 if end is None else end
    if not 10 <= end - start <= 30:
        raise ApiError(422, "the vocal window must last 10 to 30 seconds")
    with app.state.lock:
        if track.get("persona"):
            raise ApiError(409, "a persona already exists for this audio")
        track["persona"] = "persona_" + uuid.uuid4().hex[:16]
    return {"personaId": track["persona"], "name": name, "description": description}


# --- callbacks (kie-api.md 8.4, 8.5, 8.7) ----------------------------------------------


def callback_body(app: SandboxApp, task: Task) -> dict[str, Any]:
    """The complete (or error) callback of a finished Suno task (lock held)."""
    extra = _extra(app).get(task.task_id) or {}
    endpoint = extra.get("endpoint", "generate")
    ok = app.state.state_of(task) == "success"
    if endpoint == "wav":
        data = {"audio_wav_url": extra.get("url") if ok else None, "task_id": task.task_id}
        return {"code": 200 if ok else 501, "msg": "success" if ok else "failed", "data": data}
    if endpoint == "vocal-removal":
        info = None
        if ok:
            info = {
                "".join(f"_{c.lower()}" if c.isupper() else c for c in key): value
                for key, value in extra["response"].items()
            }
        body = {"task_id": task.task_id, "vocal_removal_info": info}
        return {"code": 200 if ok else 501, "msg": "success" if ok else "failed", "data": body}
    if endpoint == "midi":
        if ok:
            return {
                "code": 200,
                "msg": "success",
                "data": {"taskId": task.task_id, **extra["midi"]},
            }
        return {"code": 500, "msg": "MIDI generation failed", "data": {"taskId": task.task_id}}
    if endpoint == "cover":
        images = extra["images"] if ok else []
        return {
            "code": 200 if ok else 500,
            "msg": "success",
            "data": {"taskId": task.task_id, "images": images},
        }
    if endpoint == "mp4":
        data = {"task_id": task.task_id, "video_url": extra.get("url") if ok else None}
        return {"code": 200 if ok else 501, "msg": "success", "data": data}
    if endpoint == "lyrics":
        items = [
            {"text": t["text"], "title": t["title"], "status": "complete", "error_message": ""}
            for t in extra.get("texts", [])
        ]
        data = {"callbackType": "complete", "task_id": task.task_id, "data": items if ok else None}
        return {"code": 200 if ok else 501, "msg": "success", "data": data}
    if ok:
        items = _suno_data(extra, "SUCCESS", snake=True)
        data = {"callbackType": "complete", "task_id": task.task_id, "data": items}
        return {"code": 200, "msg": "All generated successfully.", "data": data}
    code, message = FAILURES.get(task.outcome, FAILURES["fail"])[1:]
    data = {"callbackType": "error", "task_id": task.task_id, "data": None}
    return {"code": code, "msg": message, "data": data}


def stage_callbacks(app: SandboxApp, tasks) -> list[tuple[Task, dict[str, Any]]]:
    """The `text` and `first` callbacks of running music tasks, each once (lock held).
    kie sends up to three per task: text, first, then complete (kie-api.md 8.4)."""
    found = []
    for task in tasks:
        extra = _extra(app).get(task.task_id) or {}
        if task.family != FAMILY or "tracks" not in extra:
            continue
        stage = _music_stage(app, task, extra)
        word = {"TEXT_SUCCESS": "text", "FIRST_SUCCESS": "first"}.get(stage)
        sent = extra.setdefault("stages_sent", set())
        if word is None or word in sent:
            continue
        sent.add(word)
        items = _suno_data(extra, stage, snake=True) if word == "first" else []
        data = {"callbackType": word, "task_id": task.task_id, "data": items}
        found.append((task, {"code": 200, "msg": f"{word} generation complete.", "data": data}))
    return found


def _music_route(endpoint: str) -> Route:
    return Route("POST", lambda app, request: _music(app, request, endpoint), CREATE)


ROUTES = {
    "/api/v1/generate": _music_route("generate"),
    "/api/v1/generate/extend": _music_route("extend"),
    "/api/v1/generate/upload-cover": _music_route("upload-cover"),
    "/api/v1/generate/upload-extend": _music_route("upload-extend"),
    "/api/v1/generate/add-instrumental": _music_route("add-instrumental"),
    "/api/v1/generate/add-vocals": _music_route("add-vocals"),
    "/api/v1/generate/sounds": _music_route("sounds"),
    "/api/v1/generate/mashup": _music_route("mashup"),
    "/api/v1/generate/replace-section": _music_route("replace-section"),
    "/api/v1/generate/record-info": Route("GET", music_record, RECORD),
    "/api/v1/lyrics": Route("POST", lyrics, CREATE),
    "/api/v1/lyrics/record-info": Route("GET", lyrics_record, RECORD),
    "/api/v1/wav/generate": Route("POST", wav, CREATE),
    "/api/v1/wav/record-info": Route("GET", wav_record, RECORD),
    "/api/v1/vocal-removal/generate": Route("POST", vocal_removal, CREATE),
    "/api/v1/vocal-removal/record-info": Route("GET", vocal_record, RECORD),
    "/api/v1/midi/generate": Route("POST", midi, CREATE),
    "/api/v1/midi/record-info": Route("GET", midi_record, RECORD),
    "/api/v1/mp4/generate": Route("POST", mp4, CREATE),
    "/api/v1/mp4/record-info": Route("GET", mp4_record, RECORD),
    "/api/v1/suno/cover/generate": Route("POST", cover, CREATE),
    "/api/v1/suno/cover/record-info": Route("GET", cover_record, RECORD),
    "/api/v1/generate/get-timestamped-lyrics": Route("POST", timestamped_lyrics, CREATE),
    "/api/v1/style/generate": Route("POST", boost_style, CREATE),
    "/api/v1/generate/generate-persona": Route("POST", generate_persona, CREATE),
}
