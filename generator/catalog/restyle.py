"""Video to video: Runway Aleph (kie-api.md 6) restyles a video guided by a prompt; Luma's
"modify video" (kie-api.md 7) did the same and is retired.

Both take their video as a file parameter: an upload or a video of ours, sent to kie
through its file-upload API at submission.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .types import CatalogModel, Family, Kind, Operation, Param, ParamType, Pricing, Retirement

# Luma refuses longer or larger inputs (kie-api.md 7); checked before anything is sent.
LUMA_MAX_SECONDS = 10
LUMA_MAX_BYTES = 500 * 1024 * 1024


def _video(help) -> Param:
    return Param(
        "videoUrl",
        ParamType.VIDEOS,
        _("Video to restyle"),
        help=help,
        required=True,
        min_items=1,
        max_items=1,
    )


ALEPH = CatalogModel(
    key="runway-aleph",
    label="Runway Aleph",
    kind=Kind.VIDEO,
    family=Family.ALEPH,
    description=_(
        "Restyles an existing video to a look you describe (the brand's colours, a season, "
        "a new setting), keeping its motion."
    ),
    operations=(
        Operation(
            "restyle",
            _("Restyle a video"),
            (
                Param(
                    "prompt",
                    ParamType.TEXT,
                    _("Prompt"),
                    help=_("Describe the new look. English works best."),
                    required=True,
                    max_length=1800,
                    long_text=True,
                ),
                _video(_("One video (MP4 or MOV).")),
                Param(
                    "referenceImage",
                    ParamType.IMAGES,
                    _("Style reference"),
                    help=_("Optional: an image whose style or content guides the result."),
                    max_items=1,
                ),
                Param(
                    "aspectRatio",
                    ParamType.CHOICE,
                    _("Aspect ratio"),
                    help=_("Leave empty to keep the video's own ratio."),
                    choices=(
                        ("16:9", _("Landscape 16:9")),
                        ("9:16", _("Portrait 9:16")),
                        ("4:3", _("Landscape 4:3")),
                        ("3:4", _("Portrait 3:4")),
                        ("1:1", _("Square 1:1")),
                        ("21:9", _("Ultra-wide 21:9")),
                    ),
                ),
                Param(
                    "seed",
                    ParamType.INT,
                    _("Seed"),
                    help=_("Same seed and settings give a similar video."),
                    minimum=0,
                    maximum=2**31 - 1,
                    advanced=True,
                ),
                Param(
                    "waterMark",
                    ParamType.TEXT,
                    _("Watermark"),
                    help=_("Text drawn in a corner; leave empty for none."),
                    max_length=100,
                    advanced=True,
                ),
            ),
        ),
    ),
    pricing=Pricing(
        unit=Decimal("110"),
        documented=True,
        source=_("kie.ai's price table (2026-06-30)"),
    ),
    expected_seconds=180,
    timeout_seconds=20 * 60,
)

LUMA_MODIFY = CatalogModel(
    key="luma-modify",
    label="Luma Modify",
    kind=Kind.VIDEO,
    family=Family.LUMA,
    description=_("Luma Ray 2 restyles a short video (up to 10 s) from a prompt (retired)."),
    operations=(
        Operation(
            "modify",
            _("Modify a video"),
            (
                Param(
                    "prompt",
                    ParamType.TEXT,
                    _("Prompt"),
                    help=_("Describe the change, in English."),
                    required=True,
                    max_length=5000,
                    long_text=True,
                ),
                _video(_("One video (MP4, MOV or AVI), at most 10 s and 500 MB.")),
                Param(
                    "watermark",
                    ParamType.TEXT,
                    _("Watermark"),
                    help=_("A watermark id; leave empty for none."),
                    max_length=100,
                    advanced=True,
                ),
            ),
        ),
    ),
    pricing=Pricing(
        unit=Decimal("60"),
        documented=False,
        source=_("estimate: kie.ai never published a Luma price"),
    ),
    expected_seconds=240,
    timeout_seconds=20 * 60,
    retired=Retirement(
        since="2026-06-30",
        reason=_(
            "kie.ai no longer offers Luma: it is gone from its 2026 documentation, its API "
            "and its price table."
        ),
        source="kie-api.md §7 (kie.ai price table 2026-06-30; docs crawl 2026-08-19)",
    ),
)

MODELS: tuple[CatalogModel, ...] = (ALEPH, LUMA_MODIFY)
