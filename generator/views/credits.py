"""Credits pages: the balance in the header."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from generator import credits
from generator.views.access import staff_required


@staff_required
@require_GET
def balance(request):
    """The header's balance, refreshed by htmx: read from the latest snapshot, never
    from kie.ai."""
    return render(
        request, "generator/_balance.html", {"credit_balance": credits.balance_in_sight()}
    )
