"""Pages: one module per page group (generate, gallery, tasks, files, kie callbacks)."""

from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from generator.views.callbacks import kie_callback
from generator.views.files import asset_file, asset_thumbnail, task_input_file
from generator.views.gallery import gallery, gallery_live
from generator.views.generate import estimate, generate
from generator.views.tasks import task_cancel, task_detail, task_rerun

__all__ = [
    "asset_file",
    "asset_thumbnail",
    "estimate",
    "gallery",
    "gallery_live",
    "generate",
    "home",
    "kie_callback",
    "task_cancel",
    "task_detail",
    "task_input_file",
    "task_rerun",
]


@require_GET
def home(request):
    return redirect("generator:gallery")
