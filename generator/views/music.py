"""Music pages' moves: a track's timed lyrics (a
synchronous kie call, kept on the asset), and music under a video (a local task)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from generator import catalog, generations, music, soundtrack
from generator.ids import database_id
from generator.models import Asset
from generator.roles import GENERATE
from generator.upstream import kie_client
from generator.views.access import requires


@requires(GENERATE)
@require_POST
def asset_timed_lyrics(request, pk: int):
    """Ask kie.ai when each word is sung (kie answers at once; 0.5 credits)."""
    asset = get_object_or_404(Asset.objects.select_related("task"), pk=pk)
    try:
        with kie_client() as client:
            words = music.timestamped_lyrics(asset, client, request.user)
    except music.SunoCallError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(count)d words timed: they light up as the track plays.") % {"count": len(words)},
        )
    return redirect(asset.task)


@requires(GENERATE)
@require_POST
def asset_soundtrack(request, pk: int):
    """Put a track under this video: a new video asset, made in the worker, free."""
    video = get_object_or_404(Asset.objects.select_related("task"), pk=pk)
    params = {
        "audio_asset": database_id(request.POST.get("audio_asset")),
        "volume": request.POST.get("volume") or "0.8",
    }
    problems = soundtrack.check_inputs(params, video)
    if problems:
        messages.error(request, " ".join(f"{m[:1].upper()}{m[1:]}." for m in problems.values()))
        return redirect(video.task)
    try:
        task = generations.start_generation(
            request.user,
            "soundtrack",
            "soundtrack",
            params,
            source_asset=video,
            submission_token=request.POST.get("submission_token", "")[:64],
        )
    except catalog.CatalogError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
        return redirect(video.task)
    return redirect(task)
