"""Suno (kie-api.md section 8): songs, their follow-ups, and the synchronous endpoints.

Each catalog operation names its endpoint (`api_model`): "generate", "extend", "wav",
"vocal-removal", "midi", "mp4", "cover", "lyrics", "sounds"... Endpoints have their own
details page and status vocabulary (string `status`, string or integer `successFlag`),
and their callbacks speak snake_case where the details speak camelCase: everything is
read through the defensive helpers in parsing.py.

A follow-up's fields arrive with the source's references (`taskId`, `audioId`,
`audioUrl`); each endpoint sends only those its body takes.

MIDI and lyrics results are data inside the record, not files: their status names
INLINE_RESULT as its one result, and the download step reads the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import MalformedResponseError
from .parsing import as_decimal, as_dict, as_whole_number, first_present, url_list
from .status import TaskStatus, UpstreamState

# kie requires a callBackUrl on every asynchronous Suno create, even when we only poll.
DUMMY_CALLBACK = "https://example.com/callback"
INLINE_RESULT = "kie-record:inline"  # the result is in the record itself (MIDI, lyrics)

_MUSIC_RECORD = "/api/v1/generate/record-info"


@dataclass(frozen=True)
class Endpoint:
    create_path: str
    record_path: str
    parser: str  # which parse_* reads its record
    source_keys: tuple[str, ...] = ()  # which of taskId/audioId/audioUrl its body takes
    source_as: dict[str, str] | None = None  # renames (audioUrl -> uploadUrl)


ENDPOINTS: dict[str, Endpoint] = {
    "generate": Endpoint("/api/v1/generate", _MUSIC_RECORD, "music"),
    "extend": Endpoint("/api/v1/generate/extend", _MUSIC_RECORD, "music", ("audioId",)),
    "upload-cover": Endpoint("/api/v1/generate/upload-cover", _MUSIC_RECORD, "music"),
    "upload-extend": Endpoint("/api/v1/generate/upload-extend", _MUSIC_RECORD, "music"),
    "add-instrumental": Endpoint(
        "/api/v1/generate/add-instrumental",
        _MUSIC_RECORD,
        "music",
        ("audioUrl",),
        {"audioUrl": "uploadUrl"},
    ),
    "add-vocals": Endpoint(
        "/api/v1/generate/add-vocals",
        _MUSIC_RECORD,
        "music",
        ("audioUrl",),
        {"audioUrl": "uploadUrl"},
    ),
    "sounds": Endpoint("/api/v1/generate/sounds", _MUSIC_RECORD, "music"),
    "mashup": Endpoint("/api/v1/generate/mashup", _MUSIC_RECORD, "music"),
    "replace-section": Endpoint(
        "/api/v1/generate/replace-section", _MUSIC_RECORD, "music", ("taskId", "audioId")
    ),
    "lyrics": Endpoint("/api/v1/lyrics", "/api/v1/lyrics/record-info", "lyrics"),
    "wav": Endpoint(
        "/api/v1/wav/generate", "/api/v1/wav/record-info", "wav", ("taskId", "audioId")
    ),
    "vocal-removal": Endpoint(
        "/api/v1/vocal-removal/generate",
        "/api/v1/vocal-removal/record-info",
        "stems",
        ("taskId", "audioId"),
    ),
    "midi": Endpoint("/api/v1/midi/generate", "/api/v1/midi/record-info", "midi", ("taskId",)),
    "mp4": Endpoint(
        "/api/v1/mp4/generate", "/api/v1/mp4/record-info", "mp4", ("taskId", "audioId")
    ),
    "cover": Endpoint(
        "/api/v1/suno/cover/generate", "/api/v1/suno/cover/record-info", "cover", ("taskId",)
    ),
}
SOURCE_KEYS = ("taskId", "audioId", "audioUrl")

# Stems in the order kie lists them; the name is what follows "stem:" in an asset's role.
STEM_FIELDS = (
    ("vocalUrl", "vocals"),
    ("instrumentalUrl", "instrumental"),
    ("backingVocalsUrl", "backing_vocals"),
    ("drumsUrl", "drums"),
    ("bassUrl", "bass"),
    ("guitarUrl", "guitar"),
    ("pianoUrl", "piano"),
    ("keyboardUrl", "keyboard"),
    ("percussionUrl", "percussion"),
    ("stringsUrl", "strings"),
    ("synthUrl", "synth"),
    ("fxUrl", "fx"),
    ("brassUrl", "brass"),
    ("woodwindsUrl", "woodwinds"),
)

MUSIC_FAILED = {
    "CREATE_TASK_FAILED",
    "GENERATE_AUDIO_FAILED",
    "GENERATE_LYRICS_FAILED",
    "GENERATE_WAV_FAILED",
    "GENERATE_MP4_FAILED",
    "SENSITIVE_WORD_ERROR",
    "CALLBACK_EXCEPTION",
}
# Stage words kept on the task while it runs (GenerationTask.stage).
STAGES = {"PENDING": "pending", "TEXT_SUCCESS": "text", "FIRST_SUCCESS": "first"}
_STAGE_PROGRESS = {"PENDING": 0.05, "TEXT_SUCCESS": 0.35, "FIRST_SUCCESS": 0.7}


@dataclass(frozen=True)
class Track:
    """One Suno track as kie describes it (record-info camelCase, or callback snake_case)."""

    audio_id: str
    audio_url: str
    stream_url: str
    image_url: str
    title: str
    tags: str
    lyrics: str
    duration: float | None
    model_name: str


def _text(item: dict[str, Any], *keys: str, limit: int = 20000) -> str:
    value = first_present(item, *keys)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _url(item: dict[str, Any], *keys: str) -> str:
    for key in keys:
        urls = url_list(item.get(key))
        if urls and urls[0].startswith(("http://", "https://")):
            return urls[0]
    return ""


def parse_track(item: Any) -> Track | None:
    if not isinstance(item, dict):
        return None
    duration = as_decimal(item.get("duration"))
    return Track(
        audio_id=_text(item, "id", "audioId", "audio_id", limit=100),
        audio_url=_url(item, "audioUrl", "audio_url", "sourceAudioUrl", "source_audio_url"),
        stream_url=_url(
            item,
            "streamAudioUrl",
            "stream_audio_url",
            "sourceStreamAudioUrl",
            "source_stream_audio_url",
        ),
        image_url=_url(item, "imageUrl", "image_url", "sourceImageUrl", "source_image_url"),
        title=_text(item, "title", limit=200),
        tags=_text(item, "tags", limit=500),
        lyrics=_text(item, "prompt", "lyrics"),
        duration=float(duration) if duration is not None and 0 <= duration < 10**6 else None,
        model_name=_text(item, "modelName", "model_name", limit=60),
    )


def tracks(record: Any) -> list[Track]:
    """The tracks of a music record (details `response.sunoData`, or a callback's `data`)."""
    if not isinstance(record, dict):
        return []
    response = record.get("response")
    items = None
    if isinstance(response, dict | str):
        try:
            response = as_dict(response, "response")
        except MalformedResponseError:
            response = {}
        items = first_present(response, "sunoData", "suno_data", "data")
    if items is None:
        items = first_present(record, "sunoData", "data")
    if not isinstance(items, list):
        return []
    return [track for track in map(parse_track, items[:20]) if track]


class SunoEndpoint:
    """The adapter for one Suno endpoint: what `KieClient.family("suno", api_model)` gives."""

    def __init__(self, suno: Suno, api_model: str | None):
        self.suno = suno
        self.api_model = api_model or "generate"

    def create(self, api_model: str | None, fields: dict[str, Any], callback_url: str = "") -> str:
        return self.suno.create(api_model or self.api_model, fields, callback_url)

    def get_status(self, task_id: str) -> TaskStatus:
        return self.suno.get_status(task_id, self.api_model)


class Suno:
    def __init__(self, client):
        self.client = client

    def endpoint(self, api_model: str | None) -> SunoEndpoint:
        return SunoEndpoint(self, api_model)

    def create(self, api_model: str | None, fields: dict[str, Any], callback_url: str = "") -> str:
        endpoint = ENDPOINTS.get(api_model or "generate")
        if endpoint is None:
            raise ValueError(f"no Suno endpoint {api_model!r}")
        body = request_body(endpoint, fields)
        body["callBackUrl"] = callback_url or DUMMY_CALLBACK
        data = self.client.request("POST", endpoint.create_path, json=body)
        task_id = data.get("taskId") or data.get("task_id") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise MalformedResponseError("kie.ai accepted the Suno task but sent no taskId")
        return task_id

    def get_status(self, task_id: str, api_model: str | None = None) -> TaskStatus:
        endpoint = ENDPOINTS.get(api_model or "generate") or ENDPOINTS["generate"]
        parse = PARSERS[endpoint.parser]
        return self.client.task_status(endpoint.record_path, task_id, parse)

    # --- synchronous endpoints (kie-api.md 8.6): the answer is in the response -------

    def timestamped_lyrics(self, task_id: str, audio_id: str) -> list[dict[str, Any]]:
        """Each sung word with its start and end in seconds."""
        data = self.client.request(
            "POST",
            "/api/v1/generate/get-timestamped-lyrics",
            json={"taskId": task_id, "audioId": audio_id},
        )
        data = as_dict(data, "timestamped lyrics")
        words = []
        for item in (data.get("alignedWords") or data.get("aligned_words") or [])[:5000]:
            if not isinstance(item, dict) or not isinstance(item.get("word"), str):
                continue
            start = as_decimal(first_present(item, "startS", "start_s"))
            end = as_decimal(first_present(item, "endS", "end_s"))
            if start is None or end is None or not 0 <= start <= end < 10**5:
                continue
            words.append({"word": item["word"][:200], "start": float(start), "end": float(end)})
        return words

    def boost_style(self, content: str) -> str:
        """A richer style text from a short one."""
        data = as_dict(
            self.client.request("POST", "/api/v1/style/generate", json={"content": content}),
            "boost style",
        )
        flag = str(data.get("successFlag", "1")).strip()
        result = data.get("result")
        if flag == "2" or not isinstance(result, str) or not result.strip():
            raise MalformedResponseError(
                str(data.get("errorMessage") or "kie.ai sent no boosted style")
            )
        return result.strip()[:1000]

    def generate_persona(
        self,
        task_id: str,
        audio_id: str,
        name: str,
        description: str,
        vocal_start: float = 0,
        vocal_end: float = 30,
        style: str = "",
    ) -> dict[str, str]:
        body = {
            "taskId": task_id,
            "audioId": audio_id,
            "name": name,
            "description": description,
            "vocalStart": vocal_start,
            "vocalEnd": vocal_end,
        }
        if style:
            body["style"] = style
        data = as_dict(
            self.client.request("POST", "/api/v1/generate/generate-persona", json=body), "persona"
        )
        persona = data.get("personaId") or data.get("persona_id")
        if not isinstance(persona, str) or not persona:
            raise MalformedResponseError("kie.ai made no persona")
        return {
            "personaId": persona[:100],
            "name": str(data.get("name") or name)[:100],
            "description": str(data.get("description") or description)[:500],
        }


def request_body(endpoint: Endpoint, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields kie takes: nothing empty, the source's references this endpoint uses."""
    body = {}
    for key, value in fields.items():
        if value is None or value == "" or value == []:
            continue
        if key in SOURCE_KEYS and key not in endpoint.source_keys:
            continue
        if key in SOURCE_KEYS and endpoint.source_as and key in endpoint.source_as:
            key = endpoint.source_as[key]
        if key == "version":  # the catalog's name for kie's "model" field (Suno version)
            key = "model"
        if key in ("uploadUrl",) and isinstance(value, list):
            value = value[0]
        body[key] = value
    return body


# --- records -----------------------------------------------------------------------


def _error(record: dict[str, Any]) -> tuple[str, str]:
    code = record.get("errorCode")
    code = "" if code in (None, "", 0, 200, "200") else str(code)[:20]
    message = str(first_present(record, "errorMessage", "error_message", "msg") or "")[:1000]
    return code, message


def parse_music(task_id: str, data: Any) -> TaskStatus:
    """generate, extend, uploads, add-*, sounds, mashup, replace-section (kie-api.md 8.3)."""
    record = as_dict(data, "record-info data")
    status = str(record.get("status") or "").strip().upper()
    found = tracks(record)
    urls = tuple(t.audio_url for t in found if t.audio_url)
    code, message = _error(record)
    if status == "SUCCESS" or (status == "CALLBACK_EXCEPTION" and urls):
        # Only the callback failed when the tracks are there: the music was made.
        state = UpstreamState.SUCCEEDED
    elif status in MUSIC_FAILED:
        state = UpstreamState.FAILED
        if status == "SENSITIVE_WORD_ERROR" and "sensitive" not in message.lower():
            message = f"sensitive words ({message})" if message else "sensitive words"
    elif status == "PENDING":
        state = UpstreamState.PENDING
    else:  # TEXT_SUCCESS, FIRST_SUCCESS, or a word we do not know yet: still running
        state = UpstreamState.RUNNING
    return TaskStatus(
        task_id=task_id,
        state=state,
        progress=1.0 if state is UpstreamState.SUCCEEDED else _STAGE_PROGRESS.get(status),
        result_urls=urls if state is UpstreamState.SUCCEEDED else (),
        error_code=code if state is UpstreamState.FAILED else "",
        error_message=message if state is UpstreamState.FAILED else "",
        stage="complete" if state is UpstreamState.SUCCEEDED else STAGES.get(status, ""),
        raw=record,
    )


def _flag_state(flag: Any, failed: set[str]) -> UpstreamState:
    word = str(flag if flag is not None else "").strip().upper()
    if word == "SUCCESS":
        return UpstreamState.SUCCEEDED
    if word in failed:
        return UpstreamState.FAILED
    return UpstreamState.PENDING if word in ("PENDING", "") else UpstreamState.RUNNING


def _simple(task_id, record, state, urls) -> TaskStatus:
    code, message = _error(record)
    done = state is UpstreamState.SUCCEEDED
    return TaskStatus(
        task_id=task_id,
        state=state,
        progress=1.0 if done else None,
        result_urls=urls if done else (),
        error_code=code if state is UpstreamState.FAILED else "",
        error_message=message if state is UpstreamState.FAILED else "",
        raw=record,
    )


def parse_wav(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "wav record")
    response = as_dict(record.get("response"), "response")
    state = _flag_state(record.get("successFlag"), MUSIC_FAILED)
    url = _url(response, "audioWavUrl", "audio_wav_url")
    return _simple(task_id, record, state, (url,) if url else ())


def stem_urls(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(stem name, URL) of every stem a separation made."""
    try:
        response = as_dict(record.get("response"), "response")
    except MalformedResponseError:
        return []
    found = []
    for key, name in STEM_FIELDS:
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)
        url = _url(response, key, snake)
        if url:
            found.append((name, url))
    return found


def parse_stems(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "vocal-removal record")
    state = _flag_state(record.get("successFlag"), MUSIC_FAILED)
    return _simple(task_id, record, state, tuple(url for _, url in stem_urls(record)))


def parse_mp4(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "mp4 record")
    response = as_dict(record.get("response"), "response")
    state = _flag_state(record.get("successFlag"), MUSIC_FAILED)
    url = _url(response, "videoUrl", "video_url")
    return _simple(task_id, record, state, (url,) if url else ())


def parse_cover(task_id: str, data: Any) -> TaskStatus:
    """successFlag 0 pending, 1 success, 2 generating (not a failure here), 3 failed."""
    record = as_dict(data, "cover record")
    response = as_dict(record.get("response"), "response")
    flag = as_whole_number(record.get("successFlag"))
    state = {
        1: UpstreamState.SUCCEEDED,
        3: UpstreamState.FAILED,
        0: UpstreamState.PENDING,
    }.get(flag, UpstreamState.RUNNING)
    urls = url_list(first_present(response, "images", "imageUrls"))
    return _simple(task_id, record, state, urls)


def midi_instruments(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Instruments with their notes (pitch, start, end, velocity as numbers; kie sends
    start/end as strings or numbers)."""
    midi = record.get("midiData") or record.get("midi_data") or record
    if isinstance(midi, str):
        try:
            midi = as_dict(midi, "midiData")
        except MalformedResponseError:
            return []
    if not isinstance(midi, dict) or not isinstance(midi.get("instruments"), list):
        return []
    instruments = []
    for item in midi["instruments"][:64]:
        if not isinstance(item, dict) or not isinstance(item.get("notes"), list):
            continue
        notes = []
        for note in item["notes"][:20000]:
            if not isinstance(note, dict):
                continue
            pitch = as_whole_number(note.get("pitch"))
            start, end = as_decimal(note.get("start")), as_decimal(note.get("end"))
            velocity = as_decimal(note.get("velocity"))
            if pitch is None or start is None or end is None or not 0 <= pitch <= 127:
                continue
            if not 0 <= start <= end < 10**5:
                continue
            velocity = 100 if velocity is None else velocity
            if velocity <= 1:  # kie's examples give 0..1
                velocity = velocity * 127
            notes.append(
                {
                    "pitch": pitch,
                    "start": float(start),
                    "end": float(end),
                    "velocity": int(min(max(velocity, 1), 127)),
                }
            )
        name = item.get("name") if isinstance(item.get("name"), str) else "instrument"
        instruments.append({"name": name[:60], "notes": notes})
    return instruments


def parse_midi(task_id: str, data: Any) -> TaskStatus:
    """successFlag integer: 0 pending, 1 success, 2 create failed, 3 generate failed."""
    record = as_dict(data, "midi record")
    flag = as_whole_number(record.get("successFlag"))
    state = {
        1: UpstreamState.SUCCEEDED,
        2: UpstreamState.FAILED,
        3: UpstreamState.FAILED,
    }.get(flag, UpstreamState.PENDING if flag == 0 else UpstreamState.RUNNING)
    if state is UpstreamState.SUCCEEDED and not midi_instruments(record):
        state = UpstreamState.RUNNING  # success without notes yet: ask again
    return _simple(task_id, record, state, (INLINE_RESULT,))


def lyrics_texts(record: dict[str, Any]) -> list[dict[str, str]]:
    try:
        response = as_dict(record.get("response"), "response")
    except MalformedResponseError:
        return []
    items = response.get("data") if isinstance(response.get("data"), list) else []
    found = []
    for item in items[:10]:
        if not isinstance(item, dict) or str(item.get("status", "complete")) != "complete":
            continue
        text = item.get("text")
        if isinstance(text, str) and text.strip():
            title = item.get("title") if isinstance(item.get("title"), str) else ""
            found.append({"text": text.strip()[:20000], "title": title.strip()[:200]})
    return found


def parse_lyrics(task_id: str, data: Any) -> TaskStatus:
    record = as_dict(data, "lyrics record")
    state = _flag_state(record.get("status"), MUSIC_FAILED)
    if state is UpstreamState.SUCCEEDED and not lyrics_texts(record):
        state = UpstreamState.FAILED if record.get("response") else UpstreamState.RUNNING
    return _simple(task_id, record, state, (INLINE_RESULT,))


PARSERS = {
    "music": parse_music,
    "wav": parse_wav,
    "stems": parse_stems,
    "mp4": parse_mp4,
    "cover": parse_cover,
    "midi": parse_midi,
    "lyrics": parse_lyrics,
}
