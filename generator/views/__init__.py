"""Pages: one module per page group (generate, gallery, tasks, files, review, library,
credits, analytics, compare, kie callbacks)."""

from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from generator.views.analytics import analytics_csv, analytics_page, ledger_csv
from generator.views.callbacks import kie_callback
from generator.views.compare import compare, comparison, comparison_winner
from generator.views.credits import approve as task_approve
from generator.views.credits import balance, reconciliation_page
from generator.views.credits import overview as credits_overview
from generator.views.credits import reject as task_reject
from generator.views.files import (
    asset_file,
    asset_poster,
    asset_thumbnail,
    asset_waveform,
    task_input_file,
)
from generator.views.gallery import gallery, gallery_live
from generator.views.generate import estimate, generate
from generator.views.language import set_language
from generator.views.library import asset_provenance, library_page, library_zip
from generator.views.music import asset_soundtrack, asset_timed_lyrics
from generator.views.review import (
    asset_comment,
    asset_decide,
    asset_page,
    asset_submit,
    asset_withdraw,
    gallery_submit,
    my_submissions,
    review_queue,
)
from generator.views.tasks import task_cancel, task_check_now, task_detail, task_rerun

__all__ = [
    "asset_comment",
    "asset_decide",
    "analytics_csv",
    "analytics_page",
    "asset_file",
    "asset_page",
    "asset_soundtrack",
    "asset_timed_lyrics",
    "asset_provenance",
    "asset_submit",
    "asset_poster",
    "asset_thumbnail",
    "asset_waveform",
    "asset_withdraw",
    "balance",
    "compare",
    "comparison",
    "comparison_winner",
    "credits_overview",
    "estimate",
    "gallery",
    "gallery_live",
    "gallery_submit",
    "generate",
    "home",
    "kie_callback",
    "ledger_csv",
    "library_page",
    "library_zip",
    "my_submissions",
    "reconciliation_page",
    "review_queue",
    "set_language",
    "task_approve",
    "task_cancel",
    "task_check_now",
    "task_detail",
    "task_input_file",
    "task_reject",
    "task_rerun",
]


@require_GET
def home(request):
    return redirect("generator:gallery")
