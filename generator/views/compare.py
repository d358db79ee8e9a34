"""Compare models: one prompt to 2-4 models of the same kind, side by side with each
result's cost and time, and the winner the marketer picks."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from generator import catalog, comparisons, prices
from generator.forms import new_submission_token
from generator.ids import database_id
from generator.models import Comparison, GenerationTask
from generator.roles import GENERATE, VIEW_STUDIO
from generator.views.access import requires
from generator.views.gallery import LIVE_INTERVAL

_TOKEN = re.compile(r"[0-9a-f]{32}")


@requires(GENERATE)
@require_http_methods(["GET", "POST"])
def compare(request):
    errors: dict[str, str] = {}
    chosen = request.POST.getlist("models") if request.method == "POST" else []
    prompt = request.POST.get("prompt", "") if request.method == "POST" else ""
    if request.method == "POST":
        token = request.POST.get("submission_token", "")
        if not _TOKEN.fullmatch(token):
            errors["form"] = _("That form was out of date; nothing was sent. Try again.")
        else:
            try:
                comparison = comparisons.start_comparison(request.user, chosen, prompt, token)
            except catalog.CatalogError as exc:
                errors = exc.errors
            else:
                return redirect(comparison)
    context = {
        "kinds": [
            (catalog.KIND_LABELS[kind], [(model, _cheapest(model)) for model in models])
            for kind, models in comparisons.comparable_models().items()
        ],
        "chosen": chosen,
        "prompt": prompt,
        "errors": errors,
        "submission_token": new_submission_token(),
        "recent": Comparison.objects.select_related("winner").prefetch_related("entries__task")[
            :10
        ],
    }
    return render(request, "generator/compare.html", context, status=400 if errors else 200)


def _cheapest(model: catalog.CatalogModel):
    """The model's lowest unit price (kie.ai's published or an admin's where set)."""
    overrides = prices.overrides_for(model.key)
    return min(overrides.get(key, price) for key, price in model.pricing.price_keys())


@requires(VIEW_STUDIO)
@require_http_methods(["GET"])
@vary_on_headers("HX-Request")
def comparison(request, pk: int):
    found = get_object_or_404(
        Comparison.objects.select_related("created_by", "winner", "decided_by"), pk=pk
    )
    tasks = [
        entry.task
        for entry in found.entries.select_related("task").prefetch_related("task__assets")
    ]
    context = {
        "comparison": found,
        "tasks": tasks,
        "active": any(task.is_active for task in tasks),
        "interval": LIVE_INTERVAL,
    }
    if request.htmx and request.htmx.target == "comparison-body":
        response = render(request, "generator/comparison.html#body", context)
        if not context["active"]:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "generator/comparison.html", context)


@requires(GENERATE)
@require_POST
def comparison_winner(request, pk: int):
    found = get_object_or_404(Comparison, pk=pk)
    task_id = database_id(request.POST.get("task"))
    task = GenerationTask.objects.filter(pk=task_id).first() if task_id else None
    if task is None:
        raise Http404("No such task")
    if comparisons.choose_winner(found, task, request.user):
        messages.success(
            request, _("%(model)s wins this comparison.") % {"model": task.model_label}
        )
    else:
        messages.error(request, _("Only a finished result of this comparison can win it."))
    return redirect(found)
