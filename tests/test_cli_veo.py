"""`kie generate` for the video models: every Veo/Runway operation, follow-ups with
--from ASSET_ID, and the video fields of --json assets."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from generator.models import GenerationTask, State
from generator.sandbox.video import make_mp4
from tests.factories import make_asset, make_task
from tests.media_files import store_media_asset


def kie(*args) -> str:
    out = StringIO()
    call_command("kie", *args, stdout=out)
    return out.getvalue()


def finished_veo_video(user):
    task = make_task(
        user,
        state=State.SUCCEEDED,
        model="veo3-fast",
        upstream_task_id="veo_task_source",
        params={"prompt": "a desk"},
    )
    GenerationTask.objects.filter(pk=task.pk).update(operation="text-to-video", kind="video")
    asset = make_asset(task)
    asset.kind, asset.content_type, asset.duration = "video", "video/mp4", 8.0
    asset.save()
    return asset


def test_models_json_lists_the_video_models_and_their_followups(db):
    models = {m["key"]: m for m in json.loads(kie("models", "--json"))}
    assert {"veo3-quality", "veo3-fast", "veo3-lite", "runway"} <= set(models)
    operations = {op["key"]: op for op in models["veo3-fast"]["operations"]}
    assert operations["4k"]["followup_of"] == "video" and operations["4k"]["price"] == {
        "unit": 120.0
    }
    assert models["runway"]["price"]["by"]["duration=10,quality=720p"] == 30.0


@pytest.mark.parametrize(
    ("model", "operation", "extra"),
    [
        ("veo3-quality", "text-to-video", ["--set", "resolution=1080p"]),
        ("veo3-lite", "text-to-video", ["--set", "duration=4"]),
        ("runway", "text-to-video", ["--set", "duration=10"]),
    ],
)
def test_generate_makes_a_video_task(staff, model, operation, extra):
    out = json.loads(
        kie("generate", model, "--operation", operation, "--prompt", "a desk", *extra, "--json")
    )
    assert out["model"] == model and out["operation"] == operation and out["state"] == "QUEUED"


def test_generate_followup_from_an_asset(staff):
    asset = finished_veo_video(staff)
    out = json.loads(
        kie(
            "generate",
            "veo3-fast",
            "--operation",
            "extend",
            "--from",
            str(asset.pk),
            "--prompt",
            "then",
            "--json",
        )
    )
    task = GenerationTask.objects.get(pk=out["id"])
    assert task.source_asset == asset and out["credits_estimated"] == 60.0
    upgrade = json.loads(
        kie("generate", "veo3-fast", "--operation", "1080p", "--from", str(asset.pk), "--json")
    )
    assert GenerationTask.objects.get(pk=upgrade["id"]).source_asset == asset


def test_a_followup_without_from_says_what_is_missing(staff):
    with pytest.raises(CommandError, match="needs the finished result it acts on"):
        kie("generate", "veo3-fast", "--operation", "4k")


def test_from_an_unknown_asset_is_refused(staff):
    with pytest.raises(CommandError, match="no asset 999"):
        kie("generate", "veo3-fast", "--operation", "extend", "--from", "999", "--prompt", "x")


def test_from_an_image_makes_a_video_of_it(staff):
    image = make_asset(make_task(staff, state=State.SUCCEEDED))
    out = json.loads(
        kie(
            "generate",
            "runway",
            "--operation",
            "image-to-video",
            "--from",
            str(image.pk),
            "--prompt",
            "it turns",
            "--json",
        )
    )
    task = GenerationTask.objects.get(pk=out["id"])
    assert [i.source_asset_id for i in task.inputs.all()] == [image.pk]


def test_status_json_assets_carry_duration_and_poster(staff):
    asset = finished_veo_video(staff)
    out = json.loads(kie("status", str(asset.task_id), "--json"))
    shown = out["assets"][0]
    assert shown["duration"] == 8.0 and shown["poster_path"] is None
    assert shown["width"] == 160 and shown["height"] == 90


def test_from_a_video_fills_the_video_parameter_of_a_video_to_video_model(staff):
    task = make_task(staff, state=State.SUCCEEDED, model="veo3-fast", upstream_task_id="v1")
    asset = store_media_asset(task, make_mp4("a desk", 320, 180, 2))
    args = ["--operation", "restyle", "--from", str(asset.pk), "--prompt", "autumn", "--json"]
    out = json.loads(kie("generate", "runway-aleph", *args))
    task = GenerationTask.objects.get(pk=out["id"])
    assert [i.source_asset_id for i in task.inputs.all()] == [asset.pk]


def test_from_a_video_for_a_retired_video_model_says_it_is_retired(staff):
    asset = finished_veo_video(staff)
    with pytest.raises(CommandError, match="Luma Modify cannot be used. Retired since"):
        kie(
            "generate",
            "luma-modify",
            "--operation",
            "modify",
            "--from",
            str(asset.pk),
            "--prompt",
            "autumn",
        )
