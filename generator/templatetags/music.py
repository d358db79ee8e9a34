"""Template helpers for music: a Suno task's early tracks, a track's follow-ups, and
the tracks one can put under a video."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from generator import music
from generator.forms import new_submission_token
from generator.models import Asset, State

register = template.Library()


@register.simple_tag
def early_tracks(task):
    """Tracks kie already describes while the song is made (stream URL once playable)."""
    return music.early_tracks(task)


@register.simple_tag
def suno_followups(asset):
    return music.followups_for(asset) if asset.kind == "audio" else []


@register.filter
def role_label(role: str) -> str:
    """What a track is beside a song, in words (its stored role is a code: stem:bass)."""
    if role.startswith("stem:"):
        return gettext("stem")
    return {"wav": gettext("WAV copy")}.get(role, "")


@register.simple_tag
def tracks_for_soundtrack(limit: int = 40):
    """Finished tracks (not stems, MIDI or lyrics), newest first."""
    return list(
        Asset.objects.filter(
            task__state=State.SUCCEEDED, content_type__startswith="audio/", role__in=("", "wav")
        )
        .exclude(content_type="audio/midi")
        .select_related("task")
        .order_by("-created_at")[:limit]
    )


@register.simple_tag
def submission_token():
    return new_submission_token()


@register.filter
def is_media_kind(asset, kind: str) -> bool:
    return asset.content_type.startswith(f"{kind}/")


@register.filter
def is_suno_result(asset) -> bool:
    """A Suno result (track, stem, MIDI, lyrics) has its own markup (_track.html)."""
    return music.is_suno(asset.task)
