"""Ideogram V3 edit and reframe in the sandbox's Market (kie-api.md 9.3)."""

import pytest

from generator.kie import InputError
from tests.kie.helpers import sandbox_client

IMAGE = "https://example.com/a.png"


@pytest.mark.parametrize(
    ("model", "fields", "word"),
    [
        ("ideogram/v3-edit", {"prompt": "x", "image_url": IMAGE}, "mask_url"),
        ("ideogram/v3-edit", {"image_url": IMAGE, "mask_url": IMAGE}, "prompt"),
        ("ideogram/v3-reframe", {"image_url": IMAGE}, "image_size"),
        ("ideogram/v3-reframe", {"image_url": IMAGE, "image_size": "huge"}, "image_size"),
        ("ideogram/v3-reframe", {"image_size": "square"}, "image_url"),
    ],
)
def test_edit_and_reframe_refuse_what_kie_refuses(model, fields, word):
    client, _ = sandbox_client()
    with pytest.raises(InputError, match=word):
        client.market.create(model, fields)


def test_reframe_makes_as_many_images_as_asked_at_the_new_size():
    client, app = sandbox_client(duration_seconds=0)
    task_id = client.market.create(
        "ideogram/v3-reframe",
        {"image_url": IMAGE, "image_size": "portrait_16_9", "num_images": "2"},
    )
    status = client.market.get_status(task_id)
    assert len(status.result_urls) == 2
    assert app.state.tasks[task_id].sizes == [(576, 1024), (576, 1024)]
