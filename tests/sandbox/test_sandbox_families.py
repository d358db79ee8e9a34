"""The three task families end to end: create, poll through the timeline, download."""

from __future__ import annotations

import json

import pytest


def _create_4o(client, h, **body):
    body = {"prompt": "a red bicycle", "size": "1:1", **body}
    return h.ok(client.post("/api/v1/gpt4o-image/generate", json=body))["taskId"]


def _record_4o(client, h, task_id):
    return h.ok(client.get("/api/v1/gpt4o-image/record-info", params={"taskId": task_id}))


def test_4o_runs_to_success_with_both_url_spellings(client, clock, h):
    body = {
        "prompt": "a red bicycle",
        "size": "3:2",
        "nVariants": 2,
        "isEnhance": False,
        "uploadCn": False,
        "enableFallback": True,
        "fallbackModel": "FLUX_MAX",
        "callBackUrl": "https://example.com/cb",
    }
    task_id = h.ok(client.post("/api/v1/gpt4o-image/generate", json=body))["taskId"]
    assert len(task_id) == 32 and int(task_id, 16) >= 0 and task_id == task_id.lower()

    clock.advance(4.8)
    running = _record_4o(client, h, task_id)
    assert running["successFlag"] == 0
    assert running["status"] == "GENERATING"
    assert running["response"] is None and running["completeTime"] is None
    assert running["progress"] == "0.48"
    assert running["errorCode"] is None and running["errorMessage"] == ""
    assert json.loads(running["paramJson"]) == body
    assert isinstance(running["createTime"], int)

    clock.advance(5.2)
    done = _record_4o(client, h, task_id)
    assert done["successFlag"] == 1 and done["status"] == "SUCCESS" and done["progress"] == "1.00"
    assert done["completeTime"] - done["createTime"] == 10_000
    urls = done["response"]["resultUrls"]
    assert urls == done["response"]["result_urls"] and len(urls) == 2
    for url in urls:
        response = h.fetch(client, url)
        assert response.headers["content-type"] == "image/png"
        assert int(response.headers["content-length"]) == len(response.content)
        image = h.open_image(response.content)
        assert (image.format, image.size) == ("PNG", (1536, 1024))


@pytest.mark.parametrize(("size", "dimensions"), [("1:1", (1024, 1024)), ("2:3", (1024, 1536))])
def test_4o_sizes(client, clock, h, size, dimensions):
    task_id = _create_4o(client, h, size=size)
    clock.advance(10)
    [url] = _record_4o(client, h, task_id)["response"]["resultUrls"]
    assert h.open_image(h.fetch(client, url).content).size == dimensions


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"size": None}, "size"),
        ({"size": "16:9"}, "size"),
        ({"prompt": None}, "prompt"),
        ({"filesUrl": ["https://example.com/a.png"] * 6}, "filesUrl"),
        ({"filesUrl": "https://example.com/a.png"}, "filesUrl"),
        ({"nVariants": 3}, "nVariants"),
        ({"prompt": 42}, "prompt"),
    ],
)
def test_4o_validation(client, h, change, field):
    body = {"prompt": "x", "size": "1:1"}
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    failure = h.error(client.post("/api/v1/gpt4o-image/generate", json=body), 422)
    assert field in failure["msg"]
    assert failure["data"] is None


def test_4o_edit_without_prompt_draws_on_the_input(client, clock, h):
    source = h.upload(client, h.image_bytes((300, 300), (10, 200, 10)))
    task_id = h.ok(
        client.post("/api/v1/gpt4o-image/generate", json={"filesUrl": [source], "size": "1:1"})
    )["taskId"]
    clock.advance(10)
    [url] = _record_4o(client, h, task_id)["response"]["resultUrls"]
    image = h.open_image(h.fetch(client, url).content).convert("RGB")
    r, g, b = image.getpixel((image.width // 2, image.height // 4))
    assert g > 150 and r < 80 and b < 80  # the green input shows through


def test_flux_text_to_image_defaults(client, clock, h):
    body = {
        "prompt": "a lighthouse",
        "enableTranslation": True,
        "promptUpsampling": False,
        "uploadCn": False,
        "watermark": "",
        "callBackUrl": "https://example.com/cb",
    }
    task_id = h.ok(client.post("/api/v1/flux/kontext/generate", json=body))["taskId"]
    record = h.ok(client.get("/api/v1/flux/kontext/record-info", params={"taskId": task_id}))
    assert record["successFlag"] == 0 and record["response"] is None
    assert record["completeTime"] is None and json.loads(record["paramJson"]) == body
    clock.advance(10)
    record = h.ok(client.get("/api/v1/flux/kontext/record-info", params={"taskId": task_id}))
    assert record["successFlag"] == 1 and record["errorCode"] is None
    assert set(record) >= {
        "taskId",
        "paramJson",
        "completeTime",
        "response",
        "successFlag",
        "errorCode",
        "errorMessage",
        "createTime",
    }
    result = record["response"]["resultImageUrl"]
    assert record["response"]["originImageUrl"].split("?")[0] == result
    response = h.fetch(client, result)
    assert response.headers["content-type"] == "image/jpeg"
    image = h.open_image(response.content)
    assert (image.format, image.size) == ("JPEG", (1392, 752))
    # the origin link carries a query the file route ignores
    assert h.fetch(client, record["response"]["originImageUrl"]).content == response.content


@pytest.mark.parametrize(
    ("ratio", "size"),
    [("21:9", (1568, 672)), ("4:3", (1184, 880)), ("1:1", (1024, 1024)), ("9:16", (752, 1392))],
)
def test_flux_ratios_are_about_a_megapixel(client, clock, h, ratio, size):
    body = {"prompt": "p", "aspectRatio": ratio, "outputFormat": "png", "model": "flux-kontext-max"}
    task_id = h.ok(client.post("/api/v1/flux/kontext/generate", json=body))["taskId"]
    clock.advance(10)
    record = h.ok(client.get("/api/v1/flux/kontext/record-info", params={"taskId": task_id}))
    image = h.open_image(h.fetch(client, record["response"]["resultImageUrl"]).content)
    assert (image.format, image.size) == ("PNG", size)
    assert size[0] % 16 == 0 and size[1] % 16 == 0


def test_flux_edit_keeps_the_ratio_of_an_own_input(client, clock, h):
    source = h.upload(client, h.image_bytes((400, 200)))
    own = h.ok(
        client.post("/api/v1/flux/kontext/generate", json={"prompt": "night", "inputImage": source})
    )["taskId"]
    foreign = h.ok(
        client.post(
            "/api/v1/flux/kontext/generate",
            json={"prompt": "night", "inputImage": "https://x.test/a.png"},
        )
    )
    clock.advance(10)
    sizes = []
    for task_id in (own, foreign["taskId"]):
        record = h.ok(client.get("/api/v1/flux/kontext/record-info", params={"taskId": task_id}))
        url = record["response"]["resultImageUrl"]
        sizes.append(h.open_image(h.fetch(client, url).content).size)
    width, height = sizes[0]
    assert abs(width / height - 2.0) < 0.05 and width % 16 == 0 and height % 16 == 0
    assert sizes[1] == (1024, 1024)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "prompt"),
        ({"prompt": "  "}, "prompt"),
        ({"prompt": "p", "model": "flux-pro"}, "model"),
        ({"prompt": "p", "aspectRatio": "2:1"}, "aspectRatio"),
        ({"prompt": "p", "outputFormat": "webp"}, "outputFormat"),
        ({"prompt": "p", "safetyTolerance": 7}, "safetyTolerance"),
        (
            {"prompt": "p", "safetyTolerance": 3, "inputImage": "https://x.test/a.png"},
            "safetyTolerance",
        ),
    ],
)
def test_flux_validation(client, h, body, field):
    failure = h.error(client.post("/api/v1/flux/kontext/generate", json=body), 422)
    assert field in failure["msg"]


def _market(client, h, model="ideogram/v3-text-to-image", **inputs):
    body = {
        "model": model,
        "callBackUrl": "https://example.com/cb",
        "input": {"prompt": "SALE 50%", **inputs},
    }
    return client.post("/api/v1/jobs/createTask", json=body)


def _record(client, task_id):
    return client.get("/api/v1/jobs/recordInfo", params={"taskId": task_id})


def test_market_timeline_and_result(client, clock, h):
    response = _market(
        client,
        h,
        image_size="landscape_16_9",
        rendering_speed="TURBO",
        style="DESIGN",
        expand_prompt=True,
        negative_prompt="blur",
        seed=7,
    )
    task_id = h.ok(response)["taskId"]
    states = []
    for step in (0, 1.5, 2, 5):
        clock.advance(step)
        record = h.ok(_record(client, task_id))
        states.append(record["state"])
        assert record["resultJson"] == "" and record["failCode"] == ""
        assert record["costTime"] is None and record["completeTime"] is None
    assert states == ["waiting", "queuing", "generating", "generating"]
    clock.advance(1.5)
    record = h.ok(_record(client, task_id))
    assert record["state"] == "success" and record["model"] == "ideogram/v3-text-to-image"
    param = json.loads(record["param"])
    assert param["model"] == "ideogram/v3-text-to-image" and param["input"]["seed"] == 7
    assert param["callBackUrl"] == "https://example.com/cb"
    assert record["costTime"] == 10_000
    assert record["completeTime"] == record["updateTime"] == record["createTime"] + 10_000
    [url] = json.loads(record["resultJson"])["resultUrls"]
    image = h.open_image(h.fetch(client, url).content)
    assert (image.format, image.size) == ("PNG", (1024, 576))


def test_market_remix_makes_num_images(client, clock, h):
    source = h.upload(client)
    task_id = h.ok(
        _market(
            client,
            h,
            "ideogram/v3-remix",
            image_url=source,
            strength=0.5,
            num_images="2",
            image_size="portrait_4_3",
        )
    )["taskId"]
    clock.advance(10)
    urls = json.loads(h.ok(_record(client, task_id))["resultJson"])["resultUrls"]
    assert len(urls) == 2
    for url in urls:
        assert h.open_image(h.fetch(client, url).content).size == (768, 1024)


@pytest.mark.parametrize(
    ("model", "inputs", "text"),
    [
        ("ideogram/v4", {}, "The page does not exist or is not published"),
        ("ideogram/v3-text-to-image", {"prompt": ""}, "prompt"),
        ("ideogram/v3-text-to-image", {"prompt": "x" * 5001}, "prompt"),
        ("ideogram/v3-text-to-image", {"rendering_speed": "FAST"}, "rendering_speed"),
        ("ideogram/v3-text-to-image", {"style": "ANIME"}, "style"),
        ("ideogram/v3-text-to-image", {"image_size": "huge"}, "image_size"),
        ("ideogram/v3-text-to-image", {"seed": "7"}, "seed"),
        ("ideogram/v3-remix", {}, "image_url"),
        ("ideogram/v3-remix", {"image_url": "https://x.test/a.png", "strength": 2}, "strength"),
        (
            "ideogram/v3-remix",
            {"image_url": "https://x.test/a.png", "num_images": "5"},
            "num_images",
        ),
    ],
)
def test_market_validation(client, h, model, inputs, text):
    assert text in h.error(_market(client, h, model, **inputs), 422)["msg"]


def test_market_missing_input_and_unknown_task(client, h):
    h.error(client.post("/api/v1/jobs/createTask", json={"model": "ideogram/v3-remix"}), 422)
    assert h.error(_record(client, "0" * 32), 404)["msg"] == "Task not found"
    missing = h.error(client.get("/api/v1/jobs/recordInfo"), 400)
    assert missing["msg"] == "taskId parameter is required"


def test_market_record_is_null_during_visibility_delay(make_app, clock, h):
    app = make_app(visibility_delay_seconds=2.0)
    with h.client_for(app) as client:
        task_id = h.ok(_market(client, h))["taskId"]
        failure = h.error(_record(client, task_id), 422)
        assert failure["msg"] == "recordInfo is null" and failure["data"] is None
        clock.advance(2.0)
        assert h.ok(_record(client, task_id))["state"] == "queuing"


def test_tasks_are_scoped_to_their_family(client, h):
    task_id = _create_4o(client, h)
    h.error(client.get("/api/v1/flux/kontext/record-info", params={"taskId": task_id}), 404)
    h.error(_record(client, task_id), 404)
    assert h.ok(client.get("/api/v1/gpt4o-image/record-info", params={"taskId": task_id}))
