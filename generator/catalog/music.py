"""The music models: Suno (songs, follow-ups on a track, lyrics, sounds) and the local
soundtrack operation (a track under a video, made here, free).

One catalog entry per kie price (kie-api.md 10.1): Suno's follow-ups cost different
amounts, so each price group is its own model. Every Operation's `api_model` names the
Suno endpoint it calls (the adapter maps it to a path and a details page). Follow-ups act
on a track of ours (`source_kind=Kind.AUDIO`): the adapter is given the source task's
kie id and the track's audioId.

Limits per model version (kie-api.md 8.1) are checked here, before anything is sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .types import CatalogModel, Family, Kind, Operation, Param, ParamType, Pricing

VERSIONS = ("V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5")
# model version -> (prompt, style, title) limits in custom mode (kie-api.md 8.1).
CUSTOM_LIMITS = {
    "V4": (3000, 200, 80),
    "V4_5": (5000, 1000, 100),
    "V4_5PLUS": (5000, 1000, 100),
    "V4_5ALL": (5000, 1000, 80),
    "V5": (5000, 1000, 100),
    "V5_5": (5000, 1000, 100),
}
# Longest track per version, in seconds (V4: 4 min; the others 8 min).
MAX_SECONDS = {"V4": 240, **{v: 480 for v in VERSIONS if v != "V4"}}
SIMPLE_PROMPT_LIMIT = 500  # non-custom mode: the stricter of kie's two documented limits
SUNO_SOURCES = ("suno",)  # catalog keys whose tracks Suno follow-ups take
_PRICE_SOURCE = _("kie.ai's price table (2026-06-30)")


def _version(default="V5", versions=VERSIONS) -> Param:
    return Param(
        "version",  # kie's "model" field; named apart from the form's catalog model key
        ParamType.CHOICE,
        _("Suno version"),
        help=_("Newer versions sound better; V4 makes at most 4 minutes, the others 8."),
        default=default,
        required=True,
        choices=tuple((v, v.replace("_", ".").replace("PLUS", "+")) for v in versions),
    )


def _text(name, label, help="", max_length=None, required=False, long_text=False, advanced=False):
    return Param(
        name,
        ParamType.TEXT,
        label,
        help=help,
        required=required,
        max_length=max_length,
        long_text=long_text,
        advanced=advanced,
    )


def _weight(name: str, label) -> Param:
    return Param(
        name,
        ParamType.FLOAT,
        label,
        help=_("From 0 to 1."),
        minimum=0,
        maximum=1,
        advanced=True,
    )


_PROMPT = _text(
    "prompt",
    _("Prompt or lyrics"),
    help=_(
        "Simple mode: describe the song (500 characters). Custom mode: the lyrics, sung "
        "as written (up to 3000 or 5000 characters with the version)."
    ),
    max_length=5000,
    long_text=True,
)
_CUSTOM = Param(
    "customMode",
    ParamType.BOOL,
    _("Custom mode"),
    help=_("Write the lyrics, style and title yourself."),
    default=False,
)
_INSTRUMENTAL = Param(
    "instrumental", ParamType.BOOL, _("Instrumental"), help=_("No vocals."), default=False
)
_STYLE = _text(
    "style", _("Style"), help=_("Genre, mood, instruments (custom mode)."), max_length=1000
)
_TITLE = _text("title", _("Title"), help=_("Required in custom mode."), max_length=100)
_NEGATIVE = _text(
    "negativeTags", _("Styles to avoid"), max_length=200, advanced=True, help=_("Optional.")
)
_GENDER = Param(
    "vocalGender",
    ParamType.CHOICE,
    _("Voice"),
    help=_("Custom mode only; it only makes that voice more likely."),
    default="",
    choices=(("", _("Any")), ("m", _("Male")), ("f", _("Female"))),
    advanced=True,
)
_WEIGHTS = (
    _weight("styleWeight", _("Style weight")),
    _weight("weirdnessConstraint", _("Weirdness")),
    _weight("audioWeight", _("Audio weight")),
)
_DURATION = Param(
    "duration",
    ParamType.INT,
    _("Length (seconds)"),
    help=_("V5.5 in custom mode only: from 10 to 360 seconds."),
    minimum=10,
    maximum=360,
    advanced=True,
)
_PERSONA = _text("personaId", _("Persona id"), max_length=100, advanced=True)
_CONTINUE_AT = Param(
    "continueAt",
    ParamType.FLOAT,
    _("Continue from (second)"),
    help=_("Where the extension starts, inside the track."),
    minimum=0,
    required=True,
)
_DEFAULT_FLAG = Param(
    "defaultParamFlag",
    ParamType.BOOL,
    _("Use my settings"),
    help=_("Off: keep the track's own lyrics, style and title; on: use those below."),
    default=True,
)
_UPLOAD = Param(
    "uploadUrl",
    ParamType.AUDIO,
    _("Track to upload"),
    help=_("An MP3, WAV or M4A of at most 8 minutes."),
    min_items=1,
    max_items=1,
)


def check_generate(params: dict[str, Any]) -> dict[str, str]:
    """kie's rules that tie fields together (kie-api.md 8.1), in the active language."""
    errors: dict[str, str] = {}
    version = params.get("version") or "V5"
    custom = bool(params.get("customMode"))
    prompt, style, title = (params.get(n) or "" for n in ("prompt", "style", "title"))
    if custom:
        prompt_max, style_max, title_max = CUSTOM_LIMITS.get(version, CUSTOM_LIMITS["V5"])
        if not style:
            errors["style"] = gettext("is required in custom mode")
        if not title:
            errors["title"] = gettext("is required in custom mode")
        if not prompt and not params.get("instrumental"):
            errors["prompt"] = gettext("holds the lyrics: required in custom mode with vocals")
        for name, value, limit in (
            ("prompt", prompt, prompt_max),
            ("style", style, style_max),
            ("title", title, title_max),
        ):
            if len(value) > limit and name not in errors:
                errors[name] = _too_long(len(value), limit, version)
    else:
        if not prompt:
            errors["prompt"] = gettext("is required")
        elif len(prompt) > SIMPLE_PROMPT_LIMIT:
            errors["prompt"] = _too_long(len(prompt), SIMPLE_PROMPT_LIMIT, version)
        if params.get("vocalGender"):
            errors["vocalGender"] = gettext("can only be chosen in custom mode")
    if params.get("duration") is not None and not (custom and version == "V5_5"):
        errors["duration"] = gettext("can only be set with V5.5 in custom mode")
    return errors


def check_extend(params: dict[str, Any]) -> dict[str, str]:
    errors = {}
    if params.get("defaultParamFlag"):
        errors = check_generate({**params, "customMode": True})
    version = params.get("version") or "V5"
    at = params.get("continueAt")
    if at is not None and at > MAX_SECONDS.get(version, 480):
        errors["continueAt"] = gettext("is past the longest track %(version)s makes") % {
            "version": version
        }
    return errors


def check_replace_section(params: dict[str, Any]) -> dict[str, str]:
    start, end = params.get("infillStartS"), params.get("infillEndS")
    if start is None or end is None:
        return {}
    if not 10 <= end - start <= 60:
        return {"infillEndS": gettext("must be 10 to 60 seconds after the start")}
    return {}


def _too_long(length: int, limit: int, version: str) -> str:
    return gettext("is %(length)d characters; %(version)s takes %(limit)d") % {
        "length": length,
        "version": version,
        "limit": limit,
    }


def _price(credits: str, documented: bool = True, **kwargs) -> Pricing:
    return Pricing(unit=Decimal(credits), documented=documented, source=_PRICE_SOURCE, **kwargs)


_SONG_PARAMS = (
    _PROMPT,
    _version(),
    _CUSTOM,
    _INSTRUMENTAL,
    _STYLE,
    _TITLE,
    _NEGATIVE,
    _GENDER,
    *_WEIGHTS,
    _DURATION,
    _PERSONA,
)

SUNO = CatalogModel(
    key="suno",
    label="Suno",
    kind=Kind.AUDIO,
    family=Family.SUNO,
    description=_(
        "Songs and instrumentals from a description or your own lyrics; two tracks per "
        "request. Extend, cover, add vocals or an instrumental."
    ),
    operations=(
        Operation("generate", _("Make a song"), _SONG_PARAMS, "generate", check=check_generate),
        Operation(
            "extend",
            _("Extend a track"),
            (
                _CONTINUE_AT,
                _version(),
                _DEFAULT_FLAG,
                _text("prompt", _("Lyrics"), max_length=5000, long_text=True),
                _STYLE,
                _TITLE,
                _INSTRUMENTAL,
                _NEGATIVE,
                _GENDER,
                *_WEIGHTS,
            ),
            "extend",
            source_kind=Kind.AUDIO,
            source_models=SUNO_SOURCES,
            check=check_extend,
        ),
        Operation(
            "upload-cover",
            _("Upload a track and cover it"),
            (_UPLOAD, *_SONG_PARAMS[:-2]),
            "upload-cover",
            check=check_generate,
        ),
        Operation(
            "upload-extend",
            _("Upload a track and extend it"),
            (
                _UPLOAD,
                _CONTINUE_AT,
                _version(),
                _DEFAULT_FLAG,
                _text("prompt", _("Lyrics"), max_length=5000, long_text=True),
                _STYLE,
                _TITLE,
                _INSTRUMENTAL,
            ),
            "upload-extend",
            check=check_extend,
        ),
        Operation(
            "add-instrumental",
            _("Add an instrumental"),
            (
                _text("title", _("Title"), max_length=100, required=True),
                _text("tags", _("Style of the backing"), max_length=1000, required=True),
                _text("negativeTags", _("Styles to avoid"), max_length=200, required=True),
                _version("V4_5PLUS", ("V4_5PLUS", "V5", "V5_5")),
                *_WEIGHTS,
            ),
            "add-instrumental",
            source_kind=Kind.AUDIO,
        ),
        Operation(
            "add-vocals",
            _("Add vocals"),
            (
                _text("prompt", _("Lyrics"), max_length=5000, long_text=True, required=True),
                _text("title", _("Title"), max_length=100, required=True),
                _text("style", _("Style"), max_length=1000, required=True),
                _text("negativeTags", _("Styles to avoid"), max_length=200, required=True),
                _version("V4_5PLUS", ("V4_5PLUS", "V5", "V5_5")),
                _GENDER,
                *_WEIGHTS,
            ),
            "add-vocals",
            source_kind=Kind.AUDIO,
        ),
    ),
    pricing=_price("12"),
    expected_seconds=150,
    timeout_seconds=15 * 60,
)

SUNO_STEMS = CatalogModel(
    key="suno-stems",
    label=_("Suno stems"),
    kind=Kind.AUDIO,
    family=Family.SUNO,
    description=_("Split a track into vocals and instrumental, or into up to 12 stems."),
    operations=(
        Operation(
            "separate",
            _("Separate vocals or stems"),
            (
                Param(
                    "type",
                    ParamType.CHOICE,
                    _("Separation"),
                    default="separate_vocal",
                    required=True,
                    choices=(
                        ("separate_vocal", _("Vocals and instrumental")),
                        ("split_stem", _("Every stem (up to 12)")),
                    ),
                ),
            ),
            "vocal-removal",
            source_kind=Kind.AUDIO,
        ),
    ),
    pricing=_price(
        "10",
        by_param="type",
        by_value={"separate_vocal": Decimal("10"), "split_stem": Decimal("50")},
    ),
    expected_seconds=60,
)

SUNO_WAV = CatalogModel(
    key="suno-wav",
    label=_("Suno WAV"),
    kind=Kind.AUDIO,
    family=Family.SUNO,
    description=_("The track as a lossless WAV file."),
    operations=(Operation("wav", _("Convert to WAV"), (), "wav", source_kind=Kind.AUDIO),),
    pricing=_price("0.4"),
    expected_seconds=30,
)

SUNO_MIDI = CatalogModel(
    key="suno-midi",
    label=_("Suno MIDI"),
    kind=Kind.AUDIO,
    family=Family.SUNO,
    description=_("The notes of each instrument of a separated track, as a MIDI file."),
    operations=(
        Operation(
            "midi",
            _("Get the MIDI"),
            (),
            "midi",
            source_kind=Kind.AUDIO,
            source_models=("suno-stems",),
        ),
    ),
    pricing=_price("0"),
    expected_seconds=30,
)

SUNO_VIDEO = CatalogModel(
    key="suno-video",
    label=_("Suno music video"),
    kind=Kind.VIDEO,
    family=Family.SUNO,
    description=_("A music video (MP4) of the track with its cover art."),
    operations=(
        Operation(
            "mp4",
            _("Make a music video"),
            (
                _text("author", _("Artist"), max_length=50),
                _text("domainName", _("Web address shown"), max_length=50),
            ),
            "mp4",
            source_kind=Kind.AUDIO,
            source_models=SUNO_SOURCES,
        ),
    ),
    pricing=_price("2"),
    expected_seconds=60,
)

SUNO_COVER = CatalogModel(
    key="suno-cover",
    label=_("Suno cover image"),
    kind=Kind.IMAGE,
    family=Family.SUNO,
    description=_("Cover pictures for a song (once per song)."),
    operations=(
        Operation(
            "cover",
            _("Make a cover image"),
            (),
            "cover",
            source_kind=Kind.AUDIO,
            source_models=SUNO_SOURCES,
        ),
    ),
    pricing=_price("0"),
    expected_seconds=30,
)

SUNO_LYRICS = CatalogModel(
    key="suno-lyrics",
    label=_("Suno lyrics"),
    kind=Kind.AUDIO,
    family=Family.SUNO,
    description=_("Lyrics alone, to edit before a custom-mode song."),
    operations=(
        Operation(
            "lyrics",
            _("Write lyrics"),
            (
                _text(
                    "prompt",
                    _("What the song is about"),
                    max_length=200,
                    required=True,
                    long_text=True,
                ),
            ),
            "lyrics",
        ),
    ),
    pricing=_price("0.4"),
    expected_seconds=30,
)

_KEYS = ("Any",) + tuple(
    f"{note}{mode}"
    for mode in ("m", "")
    for note in ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
)
SUNO_SOUNDS = CatalogModel(
    key="suno-sounds",
    label=_("Suno sounds"),
    kind=Kind.AUDIO,
    family=Family.SUNO,
    description=_("Short loops and stingers at a tempo and key."),
    operations=(
        Operation(
            "sounds",
            _("Make a sound"),
            (
                _text("prompt", _("Sound"), max_length=500, required=True, long_text=True),
                _version("V5", ("V5", "V5_5")),
                Param("soundLoop", ParamType.BOOL, _("Loop"), default=False),
                Param("soundTempo", ParamType.INT, _("Tempo (BPM)"), minimum=1, maximum=300),
                Param(
                    "soundKey",
                    ParamType.CHOICE,
                    _("Key"),
                    default="Any",
                    choices=tuple((k, k) for k in _KEYS),
                ),
            ),
            "sounds",
        ),
    ),
    pricing=_price("2.5"),
    expected_seconds=60,
)

SUNO_MASHUP = CatalogModel(
    key="suno-mashup",
    label=_("Suno mashup"),
    kind=Kind.AUDIO,
    family=Family.SUNO,
    description=_("One song made from two uploaded tracks."),
    operations=(
        Operation(
            "mashup",
            _("Mash up two tracks"),
            (
                Param(
                    "uploadUrlList",
                    ParamType.AUDIO,
                    _("Two tracks"),
                    min_items=2,
                    max_items=2,
                ),
                *_SONG_PARAMS[:-2],
            ),
            "mashup",
            check=check_generate,
        ),
    ),
    pricing=_price("12"),
    expected_seconds=150,
)

SUNO_REPLACE = CatalogModel(
    key="suno-replace-section",
    label=_("Suno replace a section"),
    kind=Kind.AUDIO,
    family=Family.SUNO,
    description=_("Sing a new passage over 10 to 60 seconds of a track."),
    operations=(
        Operation(
            "replace-section",
            _("Replace a section"),
            (
                Param(
                    "infillStartS", ParamType.FLOAT, _("From (second)"), minimum=0, required=True
                ),
                Param("infillEndS", ParamType.FLOAT, _("To (second)"), minimum=0, required=True),
                _text("prompt", _("New lyrics of the section"), max_length=3000, required=True),
                _text(
                    "fullLyrics",
                    _("Whole lyrics after the change"),
                    max_length=5000,
                    required=True,
                    long_text=True,
                ),
                _text("tags", _("Style"), max_length=1000, required=True),
                _text("title", _("Title"), max_length=100, required=True),
            ),
            "replace-section",
            source_kind=Kind.AUDIO,
            source_models=SUNO_SOURCES,
            check=check_replace_section,
        ),
    ),
    pricing=_price("5"),
    expected_seconds=150,
)

SOUNDTRACK = CatalogModel(
    key="soundtrack",
    label=_("Soundtrack"),
    kind=Kind.VIDEO,
    family=Family.LOCAL,
    description=_(
        "A video with a track as its music, made here: nothing is sent to kie.ai and it "
        "costs no credits."
    ),
    operations=(
        Operation(
            "soundtrack",
            _("Add music to a video"),
            (
                Param("audio_asset", ParamType.INT, _("Track"), required=True, minimum=1),
                Param(
                    "volume",
                    ParamType.FLOAT,
                    _("Music volume"),
                    help=_("1 is full volume; lower lets the video's own sound through."),
                    default=0.8,
                    minimum=0,
                    maximum=1,
                ),
            ),
            None,
            source_kind=Kind.VIDEO,
        ),
    ),
    pricing=Pricing(unit=Decimal(0), documented=True, source=_("made here, without kie.ai: free")),
    expected_seconds=10,
    timeout_seconds=10 * 60,
)

MODELS = (
    SUNO,
    SUNO_STEMS,
    SUNO_WAV,
    SUNO_MIDI,
    SUNO_VIDEO,
    SUNO_COVER,
    SUNO_LYRICS,
    SUNO_SOUNDS,
    SUNO_MASHUP,
    SUNO_REPLACE,
    SOUNDTRACK,
)
