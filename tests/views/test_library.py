"""The approved library: approved assets only, filters, a streamed ZIP with provenance."""

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from generator import library, review
from generator.models import AssetReview, State
from tests.factories import make_asset, make_task
from tests.helpers import png_bytes


def approved_asset(maker, approver, prompt="approved image", model="flux-kontext-pro"):
    asset = make_asset(make_task(maker, state=State.SUCCEEDED, prompt=prompt, model=model))
    review.submit(asset, maker)
    review.decide(asset, approver, "approve")
    return asset


@pytest.fixture
def assets(staff, approver):
    approved = approved_asset(staff, approver, "the approved launch image")
    rejected = make_asset(make_task(staff, state=State.SUCCEEDED, prompt="the rejected one"))
    review.submit(rejected, staff)
    review.decide(rejected, approver, "reject", "off brand")
    waiting = make_asset(make_task(staff, state=State.SUCCEEDED, prompt="still in review"))
    review.submit(waiting, staff)
    draft = make_asset(make_task(staff, state=State.SUCCEEDED, prompt="a mere draft"))
    return {"approved": approved, "rejected": rejected, "waiting": waiting, "draft": draft}


@pytest.mark.django_db
def test_the_library_lists_approved_assets_only(staff_client, assets):
    html = staff_client.get("/library/").content.decode()
    assert "the approved launch image" in html
    for prompt in ("the rejected one", "still in review", "a mere draft"):
        assert prompt not in html
    assert "Approved by Paul" in html


@pytest.mark.django_db
def test_newest_approval_first_and_filters(staff, approver, staff_client):
    first = approved_asset(staff, approver, "first approved")
    second = approved_asset(staff, approver, "second approved", model="4o-image")
    AssetReview.objects.filter(asset=first).update(decided_at=timezone.now() - timedelta(days=3))
    assert list(library.approved()) == [second, first]
    html = staff_client.get("/library/").content.decode()
    assert html.index("second approved") < html.index("first approved")
    by_model = staff_client.get("/library/?model=4o-image").content.decode()
    assert "second approved" in by_model and "first approved" not in by_model
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    recent = staff_client.get(f"/library/?since={since}").content.decode()
    assert "second approved" in recent and "first approved" not in recent
    searched = staff_client.get("/library/?q=FIRST").content.decode()
    assert "first approved" in searched and "second approved" not in searched
    for odd in ("?since=2026-02-31", "?since=yesterday", "?kind=%00", "?page=-1"):
        assert staff_client.get(f"/library/{odd}").status_code == 200


@pytest.mark.django_db
def test_the_zip_holds_the_ticked_approved_files_with_their_provenance(staff_client, assets):
    ids = [assets["approved"].pk, assets["rejected"].pk, assets["draft"].pk]
    response = staff_client.get("/library/zip/", {"asset": ids})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="autoscale-approved-')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    name = f"autoscale-asset-{assets['approved'].pk}.png"
    assert sorted(archive.namelist()) == [name, f"{name}.provenance.json"]
    assert archive.read(name) == assets["approved"].file.open("rb").read()
    facts = json.loads(archive.read(f"{name}.provenance.json"))
    assert facts["review"]["approved_by"]["username"] == "paul"
    assert facts["asset"]["sha256"] == assets["approved"].sha256
    assert archive.testzip() is None


@pytest.mark.django_db
def test_a_zip_of_nothing_approved_goes_back_to_the_library(staff_client, assets):
    response = staff_client.get("/library/zip/", {"asset": [assets["draft"].pk, "x"]}, follow=True)
    assert "Tick the approved assets" in response.content.decode()


@pytest.mark.django_db
def test_the_zip_is_streamed_in_blocks_not_built_in_memory(staff, approver, monkeypatch):
    asset = approved_asset(staff, approver)
    big = png_bytes(16, 16) + b"\0" * (library.CHUNK * 5)
    asset.file.save("big.png", io.BytesIO(big))
    asset.refresh_from_db()
    blocks = [block for block in library.zip_stream([asset]) if block]
    assert len(blocks) >= 5
    assert max(len(block) for block in blocks) <= library.CHUNK + 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(blocks)))
    assert archive.read(f"autoscale-asset-{asset.pk}.png") == big


@pytest.mark.django_db
def test_a_missing_file_becomes_a_note_not_a_broken_zip(staff, approver):
    asset = approved_asset(staff, approver)
    asset.file.storage.delete(asset.file.name)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(library.zip_stream([asset]))))
    assert f"autoscale-asset-{asset.pk}.png.MISSING.txt" in archive.namelist()
    assert archive.testzip() is None


@pytest.mark.django_db
def test_provenance_says_where_an_asset_comes_from(staff_client, staff, approver):
    asset = approved_asset(staff, approver, "Reception desk, morning light")
    response = staff_client.get(f"/assets/{asset.pk}/provenance.json?download=1")
    assert response["Content-Disposition"].endswith('.provenance.json"')
    facts = response.json()
    assert facts["ai_generated"] is True
    generation = facts["generation"]
    assert generation["model"] == "flux-kontext-pro"
    assert generation["prompt"] == "Reception desk, morning light"
    assert generation["parameters"]["aspectRatio"] == "16:9"
    assert generation["generated_by"]["username"] == "marie"
    assert generation["credits_estimated"] == 5.0
    assert facts["review"]["submitted_by"]["username"] == "marie"
    assert facts["review"]["approved_by"]["username"] == "paul"
    assert facts["review"]["approved_at"]
    assert [step["action"] for step in facts["review"]["history"]] == ["submit", "approve"]
    assert facts["asset"]["sha256"] == asset.sha256


@pytest.mark.django_db
def test_provenance_names_input_images_and_earlier_versions(staff, approver):
    from django.core.files.base import ContentFile

    from generator import provenance
    from generator.models import Lineage, TaskInput

    source = approved_asset(staff, approver)
    task = make_task(staff, state=State.SUCCEEDED)
    Lineage.objects.create(task=task, made_from=source)
    task_input = TaskInput(task=task, param="inputImage", content_type="image/png")
    task_input.source_asset = source
    task_input.file.save("in.png", ContentFile(b"reference"))
    facts = provenance.provenance(make_asset(task))
    assert facts["generation"]["new_version_of"] == source.pk
    assert facts["generation"]["inputs"][0]["from_asset"] == source.pk
    assert facts["generation"]["inputs"][0]["sha256"] == hashlib.sha256(b"reference").hexdigest()
    assert facts["review"]["state"] == "draft" and facts["review"]["approved_by"] is None
