"""Credits pages: the balance in the header; the credits page (balance, forecast,
budgets and their alerts, tasks awaiting approval); approving or rejecting a task; the
reconciliation of kie.ai's balance with the ledger."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from generator import credits
from generator.models import Budget, GenerationTask, Reconciliation, State
from generator.models.credits import in_sandbox_mode
from generator.roles import VIEW_STUDIO
from generator.templatetags.studio import credit_amount
from generator.views.access import requires


@requires(VIEW_STUDIO)
@require_GET
def balance(request):
    """The header's balance, refreshed by studio.js: read from the latest snapshot,
    never from kie.ai."""
    return render(
        request, "generator/_balance.html", {"credit_balance": credits.balance_in_sight()}
    )


@requires(VIEW_STUDIO)
@require_GET
def overview(request):
    latest = credits.latest_balance()
    budgets = Budget.objects.select_related("user").filter(Q(is_team=True) | Q(user=request.user))
    if credits.may_approve(request.user):
        budgets = Budget.objects.select_related("user")
    waiting = GenerationTask.objects.filter(state=State.AWAITING_APPROVAL).select_related(
        "created_by"
    )
    context = {
        "latest": latest,
        "forecast": credits.forecast(latest.balance) if latest else None,
        "uses": [credits.use_of(budget) for budget in budgets],
        "alerts": credits.current_alerts(),
        "waiting": waiting.order_by("created_at"),
        "may_approve": credits.may_approve(request.user),
        "threshold": credits.approval_threshold(),
        "month_spent": credits.committed(),
        "my_month_spent": credits.committed(request.user),
    }
    return render(request, "generator/credits.html", context)


def _approver(request):
    if not credits.may_approve(request.user):
        raise PermissionDenied(_("Only an admin may approve or reject spending."))


@requires(VIEW_STUDIO)
@require_POST
def approve(request, pk: int):
    _approver(request)
    task = get_object_or_404(GenerationTask, pk=pk)
    if credits.approve(task, request.user):
        messages.success(
            request,
            _("Task #%(number)s approved: it is on its way to kie.ai.") % {"number": task.pk},
        )
    else:
        messages.error(
            request, _("Task #%(number)s no longer awaits approval.") % {"number": task.pk}
        )
    return _back(request, task)


@requires(VIEW_STUDIO)
@require_POST
def reject(request, pk: int):
    _approver(request)
    task = get_object_or_404(GenerationTask, pk=pk)
    if credits.reject(task, request.user, request.POST.get("reason", "")):
        messages.success(
            request,
            _("Task #%(number)s was not approved: nothing was spent.") % {"number": task.pk},
        )
    else:
        messages.error(
            request, _("Task #%(number)s no longer awaits approval.") % {"number": task.pk}
        )
    return _back(request, task)


def _back(request, task):
    """Back where the button was: the credits page, or the task's page."""
    return redirect("generator:credits" if request.POST.get("next") == "credits" else task)


@requires(VIEW_STUDIO)
@require_http_methods(["GET", "POST"])
def reconciliation_page(request):
    """Every reconciliation, newest first, with its flags; admins reconcile now."""
    from generator import reconciliation

    if request.method == "POST":
        _approver(request)
        try:
            done = reconciliation.reconcile()
        except reconciliation.ReconcileError:
            messages.error(request, _("kie.ai did not give the balance; try again later."))
        else:
            if done.unexplained:
                messages.error(
                    request,
                    _("%(amount)s are not explained by the ledger: see below.")
                    % {"amount": credit_amount(done.unexplained)},
                )
            else:
                messages.success(request, _("Everything matches: the ledger explains every move."))
        return redirect("generator:reconciliation")
    done = Reconciliation.objects.filter(sandbox=in_sandbox_mode())
    page = Paginator(done, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "flagged": done.filter(unexplained__gt=0).count(),
        "may_reconcile": credits.may_approve(request.user),
    }
    return render(request, "generator/reconciliation.html", context)
