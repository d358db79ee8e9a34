"""POST /api/v1/generations/ and GET /api/v1/generations/{id}/: the task object, the
Idempotency-Key, `from` (a new version), and bad input answered with a 400."""

import hashlib
import uuid

import pytest

from generator.models import GenerationTask, Lineage, State
from tests.api.conftest import token_client
from tests.conftest import person
from tests.factories import make_asset, make_task
from tests.helpers import settle

FLUX = {"model": "flux-kontext-pro", "params": {"prompt": "Reception desk", "aspectRatio": "1:1"}}


def post(client, body, key=None, **headers):
    headers = {"Idempotency-Key": key or str(uuid.uuid4()), **headers}
    return client.post(
        "/api/v1/generations/", body, content_type="application/json", headers=headers
    )


@pytest.mark.django_db
def test_a_generation_is_created_and_answers_the_task_object(marketer_api, staff):
    response = post(marketer_api, FLUX)
    assert response.status_code == 201
    task = response.json()
    assert task["state"] == "QUEUED" and task["model"] == "flux-kontext-pro"
    assert task["operation"] == "text-to-image"
    assert task["credits"] is None and task["credits_estimated"] == 5.0
    assert task["charge"] == "pending" and task["error"] is None and task["assets"] == []
    assert task["url"] == f"http://testserver/api/v1/generations/{task['id']}/"
    assert GenerationTask.objects.get().created_by == staff


@pytest.mark.django_db(transaction=True)
def test_polling_the_task_shows_its_stored_assets(sandbox, clock, marketer_api):
    created = post(marketer_api, FLUX).json()
    settle(clock)
    task = marketer_api.get(created["url"]).json()
    assert task["state"] == "SUCCEEDED" and task["credits"] == 5.0 and task["charge"] == "charged"
    (asset,) = task["assets"]
    assert set(asset) >= {"id", "url", "content_type", "bytes", "sha256", "review_state"}
    assert asset["review_state"] == "draft"
    download = marketer_api.get(asset["url"])
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == asset["sha256"]
    assert download["Content-Type"] == asset["content_type"]


@pytest.mark.django_db
def test_the_same_idempotency_key_never_makes_a_second_task(marketer_api):
    first = post(marketer_api, FLUX, key="post-42")
    again = post(marketer_api, FLUX, key="post-42")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert GenerationTask.objects.count() == 1


@pytest.mark.django_db
def test_idempotency_keys_are_scoped_per_user(marketer_api):
    other = token_client(person("mona", "marketer"))
    assert (
        post(marketer_api, FLUX, key="k1").json()["id"] != post(other, FLUX, key="k1").json()["id"]
    )
    assert GenerationTask.objects.count() == 2


@pytest.mark.django_db
def test_a_key_used_for_another_request_is_a_409(marketer_api):
    post(marketer_api, FLUX, key="k1")
    response = post(marketer_api, {**FLUX, "model": "4o-image"}, key="k1")
    assert response.status_code == 409 and "another request" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "", "with space", "é", "x" * 256])
def test_a_missing_or_odd_idempotency_key_is_a_400(marketer_api, key):
    headers = {} if key is None else {"Idempotency-Key": key}
    response = marketer_api.post(
        "/api/v1/generations/", FLUX, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "no-such-model", "params": {}}, "model"),
        ({"model": "flux-kontext-pro", "params": {"aspectRatio": "1:1"}}, "prompt"),
        ({**FLUX, "params": {**FLUX["params"], "aspectRatio": "3:7"}}, "aspectRatio"),
        ({**FLUX, "operation": "dance"}, "operation"),
        ({**FLUX, "params": "a string"}, "params"),
        ({**FLUX, "from": 999999}, "`from` names no asset"),
        ({**FLUX, "from": 2**70}, "from"),
        ({"params": {}}, "model"),
    ],
)
def test_bad_input_is_a_400_saying_what(marketer_api, body, message):
    response = post(marketer_api, body)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not GenerationTask.objects.exists()


@pytest.mark.django_db
def test_bodies_that_are_not_json_objects_are_400s(marketer_api):
    for raw in (b"{", b"[]", b"null", b"\xff\xfe", b'{"model": 1}'):
        response = marketer_api.post(
            "/api/v1/generations/",
            raw,
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 400, raw


@pytest.mark.django_db
def test_from_makes_a_new_version_and_an_edit_takes_the_asset_as_input(marketer_api, staff):
    asset = make_asset(make_task(staff, state=State.SUCCEEDED))
    body = {
        "model": "flux-kontext-pro",
        "operation": "edit",
        "params": {"prompt": "make the logo bigger"},
        "from": asset.pk,
    }
    task = post(marketer_api, body).json()
    assert task["made_from"] == asset.pk
    made = GenerationTask.objects.get(pk=task["id"])
    assert Lineage.objects.get(task=made).made_from == asset
    assert [i.source_asset_id for i in made.inputs.all()] == [asset.pk]
    text = post(marketer_api, {**FLUX, "from": asset.pk}).json()  # a re-made text-to-image
    assert text["made_from"] == asset.pk
    assert not GenerationTask.objects.get(pk=text["id"]).inputs.exists()


@pytest.mark.django_db
def test_an_approver_token_generates_and_a_token_without_role_is_a_403(approver_api):
    assert post(approver_api, FLUX).status_code == 201
    response = post(token_client(person("visitor")), FLUX)
    assert response.status_code == 403 and GenerationTask.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_generation_is_a_404_and_odd_ids_never_500(marketer_api):
    assert marketer_api.get("/api/v1/generations/12345/").status_code == 404
    for odd in ("0", "-1", "abc", str(2**64), "1.5"):
        assert marketer_api.get(f"/api/v1/generations/{odd}/").status_code in (400, 404)


@pytest.mark.django_db
def test_a_key_raced_by_another_request_is_a_409_not_a_500(marketer_api, staff, monkeypatch):
    from generator import generations
    from generator.api import generations as api_generations

    task = make_task(staff, state="QUEUED")

    def raced(*args, **kwargs):
        raise generations.AlreadySent(task)

    monkeypatch.setattr(api_generations, "_made_with", lambda user, token: None)
    monkeypatch.setattr(generations, "start_generation", raced)
    response = post(marketer_api, FLUX, key="race-1")
    assert response.status_code == 409 and "another request" in response.json()["detail"]
