"""Small factories: tasks in any state without going through kie.ai."""

from decimal import Decimal

from django.core.files.base import ContentFile

from generator import catalog
from generator.media import image_thumbnail
from generator.models import Asset, GenerationTask, State
from tests.helpers import png_bytes


def make_task(
    user, state=State.QUEUED, model="flux-kontext-pro", prompt="a phone on a desk", **fields
) -> GenerationTask:
    if "params" not in fields:
        _, fields["params"] = catalog.validate(catalog.get(model), None, {"prompt": prompt})
    task = GenerationTask.objects.create(
        created_by=user,
        model_key=model,
        operation="text-to-image",
        kind="image",
        prompt_text=prompt,
        state=state,
        credits_estimated=Decimal("5"),
        **fields,
    )
    task.events.create(to_state=state, message="made by a test factory")
    return task


def make_asset(task, index=0) -> Asset:
    data = png_bytes(160, 90)
    asset = Asset(
        task=task,
        index=index,
        kind="image",
        content_type="image/png",
        bytes=len(data),
        sha256="0" * 64,
        width=160,
        height=90,
        source_url="http://127.0.0.1:8001/files/x.png",
    )
    asset.file.save(f"t{task.pk}-{index}.png", ContentFile(data), save=False)
    asset.thumbnail.save(f"t{task.pk}-{index}.webp", image_thumbnail(ContentFile(data)), save=False)
    asset.save()
    return asset
