"""Small display helpers for the studio's templates, in the page's language and formats
("1,234.5 credits" in English, "1 234,5 crédits" in French)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (TypeError, ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def usd(credits) -> str:
    """Dollars for a credit amount at CREDIT_PRICE_USD, two decimals: '0.03' ('0,03' in
    French)."""
    number = _decimal(credits)
    if number is None:
        return "-"
    dollars = (number * settings.CREDIT_PRICE_USD).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return number_format(dollars, 2, force_grouping=True)


@register.filter
def seconds(value) -> str:
    """12.3 -> '12.3 s', 95 -> '1 min 35 s'."""
    number = _decimal(value)
    if number is None:
        return "-"
    total = float(number)
    if total < 60:
        shown = number_format(round(total, 1), 1) if total < 10 else f"{total:.0f}"
        return _("%(seconds)s s") % {"seconds": shown}
    minutes, rest = divmod(int(total), 60)
    return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": rest}


@register.filter
def clock(value) -> str:
    """A media duration as a player shows it: 7.4 -> '0:07', 3725 -> '1:02:05'."""
    number = _decimal(value)
    if number is None:
        return ""
    minutes, secs = divmod(int(float(number) + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def elapsed(task):
    """long_jobs.elapsed(task): its running time against the model's usual time."""
    from generator import long_jobs  # models import this module: no import at the top

    return long_jobs.elapsed(task)


@register.filter
def timesince_seconds(start, end) -> float | None:
    """Seconds from `start` to `end` (two datetimes), for the `seconds` filter."""
    if not start or not end:
        return None
    return (end - start).total_seconds()


@register.filter
def filesize(value) -> str:
    """Django's own, in the page's language: '1.5 MB', '1,5 Mo'."""
    return "-" if _decimal(value) is None else filesizeformat(value)


@register.filter
def ago(moment) -> str:
    """'just now' under a minute, else '3 minutes ago' (its largest unit only)."""
    if not moment:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, depth=1)}


@register.filter
def credits(value) -> str:
    """5 -> '5', 3.50 -> '3.5', 1234.5 -> '1,234.5' (French: '1 234,5')."""
    number = _decimal(value)
    if number is None:
        return "-"
    try:
        number = number.quantize(Decimal("0.01"))
    except InvalidOperation:  # too many digits for two decimals
        return "-"
    places = max(0, -number.normalize().as_tuple().exponent)
    return number_format(number, places, force_grouping=True)


@register.filter
def credit_amount(value) -> str:
    """'1 credit', '3.5 credits' ('1 crédit', '3,5 crédits')."""
    shown = credits(value)
    if shown == "-":
        return shown
    return ngettext("%(amount)s credit", "%(amount)s credits", plural_count(value)) % {
        "amount": shown
    }


def plural_count(value) -> int:
    """The whole number that picks the right plural form for an amount of credits.

    gettext's rules count whole numbers. A whole amount is itself; for a fraction both
    our languages agree with what 0 gives below 2 ("0.5 credits", "1,5 crédit") and with
    the amount above it (plural in both).
    """
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return int(number)
    return 0 if number < 2 else int(number)


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or an empty list when it has no such key."""
    return mapping.get(key, []) if mapping else []
