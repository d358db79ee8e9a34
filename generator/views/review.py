"""Review pages: an asset's page (its review, thread and lineage), the approvers' queue,
a marketer's submissions, and the moves (submit, withdraw, decide, comment, bulk submit).

Each move is one call to `generator.review`, which checks who may make it. An htmx post
gets the part of the page it changed back; a plain post is sent back to the page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from generator import followups, lineage, review
from generator.ids import database_id
from generator.models import Asset, AssetReview, ReviewState, State
from generator.roles import COMMENT, GENERATE, REVIEW, SUBMIT, VIEW_STUDIO
from generator.views.access import requires

QUEUE_PAGE_SIZE = 20
SUBMISSIONS_PAGE_SIZE = 24
MOST_IN_ONE_SUBMISSION = 100


def _assets():
    return Asset.objects.select_related(
        "task__created_by", "task__lineage", "review__submitted_by", "review__decided_by"
    )


@requires(VIEW_STUDIO)
@require_GET
def asset_page(request, pk: int):
    asset = get_object_or_404(_assets(), pk=pk)
    context = asset_context(request, asset)
    finished = asset.task.state == State.SUCCEEDED
    context["followups"] = followups.actions_for(asset) if finished else []
    context["used_in"] = lineage.used_in(asset)
    return render(request, "generator/asset.html", context)


def asset_context(request, asset: Asset, error: str = "") -> dict:
    user = request.user
    state = review.state_of(asset)
    approval = getattr(asset, "review", None)
    in_review = state == ReviewState.IN_REVIEW
    own_work = user.pk in (asset.task.created_by_id, approval and approval.submitted_by_id)
    return {
        "asset": asset,
        "task": asset.task,
        "state": state,
        "state_label": ReviewState(state).label,
        "approval": approval,
        "history": review.history(asset),
        "versions": review.versions(asset),
        "may_submit": user.has_perm(SUBMIT)
        and state in (ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED),
        "may_withdraw": user.has_perm(SUBMIT) and in_review and approval.submitted_by_id == user.pk,
        "may_decide": review.may_decide(asset, user),
        "waits_for_another_approver": in_review and own_work and user.has_perm(REVIEW),
        "may_comment": user.has_perm(COMMENT),
        "may_make_version": user.has_perm(GENERATE)
        and state in (ReviewState.CHANGES_REQUESTED, ReviewState.REJECTED),
        "edit_operation": asset.task.edit_operation() if asset.kind == "image" else None,
        "error": error,
    }


def _act(request, pk: int, move) -> object:
    """Make one review move on an asset and answer with what changed."""
    asset = get_object_or_404(_assets(), pk=pk)
    error = ""
    try:
        move(asset)
    except review.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    except review.ReviewError as exc:
        error = str(exc)
    asset = get_object_or_404(_assets(), pk=pk)  # as it is now
    if request.htmx and request.POST.get("from") == "queue":
        context = {"asset": asset, "item_error": error, "decided": not error}
        context["awaiting_count"] = _awaiting(request.user).count()
        return render(request, "generator/review_queue.html#queue-item-answer", context)
    if request.htmx:
        return render(
            request, "generator/asset.html#review-panel", asset_context(request, asset, error)
        )
    if error:
        messages.error(request, error)
    return HttpResponseRedirect(_next_page(request) or reverse("generator:asset", args=[asset.pk]))


@requires(SUBMIT)
@require_POST
def asset_submit(request, pk: int):
    return _act(request, pk, lambda asset: review.submit(asset, request.user, _text(request)))


@requires(SUBMIT)
@require_POST
def asset_withdraw(request, pk: int):
    return _act(request, pk, lambda asset: review.withdraw(asset, request.user))


@requires(REVIEW)
@require_POST
def asset_decide(request, pk: int):
    decision = request.POST.get("decision", "")
    return _act(
        request,
        pk,
        lambda asset: review.decide(asset, request.user, decision, request.POST.get("reason", "")),
    )


@requires(COMMENT)
@require_POST
def asset_comment(request, pk: int):
    return _act(request, pk, lambda asset: review.comment(asset, request.user, _text(request)))


@requires(SUBMIT)
@require_POST
def gallery_submit(request):
    """Bulk submission from the gallery: every draft asset of the ticked tasks."""
    ids = [i for i in map(database_id, request.POST.getlist("task")) if i]
    assets = list(
        Asset.objects.filter(task_id__in=ids[:MOST_IN_ONE_SUBMISSION], task__state=State.SUCCEEDED)
        .filter(Q(review__isnull=True) | Q(review__state=ReviewState.DRAFT))
        .select_related("task")
        .order_by("task_id", "index")
    )
    back = _next_page(request) or reverse("generator:gallery")
    if not assets:
        messages.error(request, _("Tick the finished images to submit (drafts only)."))
        return HttpResponseRedirect(back)
    try:
        done, refused = review.submit_many(assets, request.user, _text(request))
    except review.ReviewError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(back)
    if done:
        messages.success(
            request,
            ngettext(
                "%(count)d asset was submitted for review.",
                "%(count)d assets were submitted for review.",
                len(done),
            )
            % {"count": len(done)},
        )
    for asset, why in refused:
        messages.error(request, _("Asset #%(asset)s: %(why)s") % {"asset": asset.pk, "why": why})
    return HttpResponseRedirect(back)


def _awaiting(user):
    return AssetReview.objects.awaiting(user)


@requires(REVIEW)
@require_GET
def review_queue(request):
    """What awaits my decision, oldest submission first, each large enough to judge."""
    reviews = _awaiting(request.user).select_related(
        "asset__task__created_by", "asset__task__lineage__made_from__review", "submitted_by"
    )
    page = Paginator(reviews.order_by("submitted_at", "id"), QUEUE_PAGE_SIZE).get_page(
        database_id(request.GET.get("page"))
    )
    mine = (
        AssetReview.objects.in_review()
        .filter(Q(submitted_by=request.user) | Q(asset__task__created_by=request.user))
        .count()
    )
    context = {"page": page, "assets": [r.asset for r in page.object_list], "mine_waiting": mine}
    return render(request, "generator/review_queue.html", context)


@requires(SUBMIT)
@require_GET
def my_submissions(request):
    """What I submitted, where each stands, and the reasons given."""
    state = request.GET.get("state", "")
    reviews = (
        AssetReview.objects.filter(submitted_by=request.user)
        .exclude(state=ReviewState.DRAFT)
        .select_related("asset__task", "decided_by")
        .order_by("-updated_at", "-id")
    )
    if state in ReviewState.values:
        reviews = reviews.filter(state=state)
    else:
        state = ""
    page = Paginator(reviews, SUBMISSIONS_PAGE_SIZE).get_page(database_id(request.GET.get("page")))
    states = [(s.value, s.label) for s in ReviewState if s != ReviewState.DRAFT]
    context = {"page": page, "reviews": page.object_list, "state": state, "states": states}
    return render(request, "generator/my_submissions.html", context)


def _text(request) -> str:
    return request.POST.get("note", request.POST.get("text", ""))


def _next_page(request) -> str:
    """A path of this site to go back to: never elsewhere, never anything but a path."""
    target = request.POST.get("next", "")
    if not (0 < len(target) <= 2000 and target.startswith("/") and target.isprintable()):
        return ""
    if " " in target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return iri_to_uri(target)
