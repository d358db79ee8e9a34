"""Values every page shows: which kie.ai we talk to, its balance, and what awaits the
person's review (each read only when a page shows it: the login page never does)."""

from django.utils.functional import SimpleLazyObject

from generator.upstream import mode_label


def studio(request):
    from generator import credits

    return {
        "kie_mode": mode_label(),
        "credit_balance": SimpleLazyObject(credits.balance_in_sight),
    }


def review(request):
    """The navigation's counts, counted only when a page shows them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from generator.models import AssetReview, ReviewState
    from generator.roles import REVIEW, SUBMIT

    def awaiting() -> int:
        return AssetReview.objects.awaiting(user).count() if user.has_perm(REVIEW) else 0

    def to_rework() -> int:
        if not user.has_perm(SUBMIT):
            return 0
        mine = AssetReview.objects.filter(submitted_by=user)
        return mine.filter(state=ReviewState.CHANGES_REQUESTED).count()

    return {
        "awaiting_count": SimpleLazyObject(awaiting),
        "changes_requested_count": SimpleLazyObject(to_rework),
    }
