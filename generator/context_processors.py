"""Values every page shows: which kie.ai we talk to, and its balance (read only when a
page shows it: the login page never does)."""

from django.utils.functional import SimpleLazyObject

from generator.upstream import mode_label


def studio(request):
    from generator import credits

    return {
        "kie_mode": mode_label(),
        "credit_balance": SimpleLazyObject(credits.balance_in_sight),
    }
