"""`manage.py kie`: models, generate --wait --json, status, credits."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from generator.models import GenerationTask
from tests.helpers import png_bytes


def kie(*args) -> str:
    out = StringIO()
    call_command("kie", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def instant_sandbox(sandbox):
    sandbox.config.duration_seconds = 0
    return sandbox


def test_models_json_lists_every_model_with_its_parameters(db):
    models = json.loads(kie("models", "--json"))
    assert [m["key"] for m in models if m["kind"] == "image"] == [
        "4o-image",
        "flux-kontext-pro",
        "flux-kontext-max",
        "ideogram-v3",
        "suno-cover",
    ]
    assert {"kling-3.0", "runway-aleph", "sora-2"} <= {m["key"] for m in models}
    flux = models[1]["operations"][0]["params"]
    assert {"name": "aspectRatio", "type": "choice", "default": "16:9"}.items() <= flux[1].items()
    assert "4o-image" in kie("models")


@pytest.mark.django_db(transaction=True)
def test_generate_wait_json_gives_state_and_stored_files(staff):
    result = json.loads(
        kie(
            "generate",
            "flux-kontext-pro",
            "--prompt",
            "a desk",
            "--set",
            "aspectRatio=9:16",
            "--set",
            "outputFormat=png",
            "--wait",
            "--json",
        )
    )
    assert set(result) >= {"id", "model", "state", "error", "credits", "assets"}
    assert result["state"] == "SUCCEEDED" and result["error"] is None
    assert result["model"] == "flux-kontext-pro" and result["credits"] == 5.0
    [asset] = result["assets"]
    path = Path(asset["path"])
    assert path.is_absolute() and path.stat().st_size == asset["bytes"]
    assert asset["content_type"] == "image/png" and len(asset["sha256"]) == 64
    with Image.open(path) as image:
        assert image.height > image.width  # 9:16


@pytest.mark.django_db(transaction=True)
def test_generate_edit_with_a_local_image(staff, tmp_path):
    source = tmp_path / "logo.png"
    source.write_bytes(png_bytes(200, 200))
    result = json.loads(
        kie(
            "generate",
            "4o-image",
            "--operation",
            "edit",
            "--prompt",
            "add a phone",
            "--image",
            str(source),
            "--wait",
            "--json",
        )
    )
    assert result["state"] == "SUCCEEDED" and result["assets"]


@pytest.mark.django_db
def test_generate_refuses_bad_parameters_with_a_clear_message(staff):
    with pytest.raises(CommandError, match="aspectRatio: must be one of"):
        kie("generate", "flux-kontext-pro", "--prompt", "x", "--set", "aspectRatio=wide")
    with pytest.raises(CommandError, match="KEY=VALUE"):
        kie("generate", "flux-kontext-pro", "--prompt", "x", "--set", "oops")
    with pytest.raises(CommandError, match="unknown model"):
        kie("generate", "dall-e-3", "--prompt", "x")


@pytest.mark.django_db(transaction=True)
def test_generate_wait_reports_a_failure_and_exits_non_zero(staff):
    with pytest.raises(CommandError, match="ended FAILED"):
        kie("generate", "ideogram-v3", "--prompt", "[sandbox:policy]", "--wait", "--json")


@pytest.mark.django_db(transaction=True)
def test_status_of_one_task_and_of_the_latest(staff):
    created = json.loads(kie("generate", "flux-kontext-pro", "--prompt", "x", "--json"))
    assert created["state"] == "QUEUED"
    assert json.loads(kie("status", str(created["id"]), "--json"))["id"] == created["id"]
    assert [t["id"] for t in json.loads(kie("status", "--json"))] == [created["id"]]
    with pytest.raises(CommandError, match="no task 999"):
        kie("status", "999")


@pytest.mark.django_db
def test_credits_reads_the_balance(sandbox):
    sandbox.set_balance(321)
    assert json.loads(kie("credits", "--json"))["credits"] == 321
    assert kie("credits").startswith("321 credits (sandbox)")


@pytest.mark.django_db
def test_status_json_never_shows_the_estimate_as_an_unknown_charge(staff):
    from tests.factories import make_task

    unknown = make_task(staff, state="FAILED", failure_kind="unknown", credits_charged=None)
    waiting = make_task(staff, state="UNCONFIRMED")
    done = make_task(staff, state="SUCCEEDED", credits_charged=5)
    for task, credits, charge in (
        (unknown, None, "unknown"),
        (waiting, None, "unknown"),
        (done, 5.0, "charged"),
    ):
        result = json.loads(kie("status", str(task.pk), "--json"))
        assert (result["credits"], result["charge"]) == (credits, charge)
        assert result["credits_estimated"] == 5.0
    assert "charge unknown (estimate 5.00)" in kie("status", str(unknown.pk))


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e999"])
def test_generate_refuses_a_number_that_is_not_finite(staff, tmp_path, value):
    source = tmp_path / "logo.png"
    source.write_bytes(png_bytes(64, 64))
    with pytest.raises(CommandError, match="strength: must be a finite number"):
        kie(
            "generate", "ideogram-v3", "--operation", "remix", "--prompt", "x",
            "--image", str(source), "--set", f"strength={value}",
        )  # fmt: skip
    assert not GenerationTask.objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("generate", "flux-kontext-pro", "--prompt", "x", "--wait", "--timeout", "-1"),
        ("generate", "flux-kontext-pro", "--prompt", "x", "--wait", "--timeout", "nan"),
        ("sandbox", "--port", "99999"),
        ("sandbox", "--credits", "nan"),
        ("sandbox", "--duration", "inf"),
        ("sandbox", "--slow-seconds", "-5"),
        ("chaos", "--kill-every", "-3"),
    ],
)
@pytest.mark.django_db
def test_numbers_out_of_range_are_refused_before_anything_runs(args, staff):
    from generator.models import GenerationTask

    with pytest.raises(CommandError):
        kie(*args)
    assert not GenerationTask.objects.exists()


def test_a_port_in_use_is_a_clear_error_not_a_traceback():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        with pytest.raises(CommandError, match="cannot serve on 127.0.0.1"):
            kie("sandbox", "--port", busy)


def test_generate_a_masked_edit_and_a_reframe_with_their_files(staff, tmp_path):
    room, mask = tmp_path / "room.png", tmp_path / "mask.png"
    room.write_bytes(png_bytes(300, 200))
    mask.write_bytes(png_bytes(300, 200, color=(255, 255, 255)))
    edited = json.loads(
        kie(
            "generate", "ideogram-v3", "--operation", "edit", "--prompt", "a blue sofa",
            "--image", str(room), "--file", f"mask_url={mask}", "--wait", "--json",
        )
    )  # fmt: skip
    assert edited["state"] == "SUCCEEDED"
    assert [i.param for i in GenerationTask.objects.get(pk=edited["id"]).inputs.all()] == [
        "image_url",
        "mask_url",
    ]
    reframed = json.loads(
        kie(
            "generate", "ideogram-v3", "--operation", "reframe", "--image", str(room),
            "--set", "image_size=landscape_16_9", "--wait", "--json",
        )
    )  # fmt: skip
    assert reframed["state"] == "SUCCEEDED"
    assert (reframed["assets"][0]["width"], reframed["assets"][0]["height"]) == (1024, 576)
    with pytest.raises(CommandError, match="--file needs PARAM=PATH"):
        kie("generate", "ideogram-v3", "--prompt", "x", "--file", "mask.png")
