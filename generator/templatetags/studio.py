"""Small display helpers for the studio's templates."""

from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

USD_PER_CREDIT = Decimal("0.005")  # kie.ai: 1 credit = $0.005


@register.filter
def usd(credits) -> str:
    try:
        return f"{Decimal(credits) * USD_PER_CREDIT:.2f}"
    except (TypeError, ArithmeticError, ValueError):
        return "-"


@register.filter
def seconds(value) -> str:
    """12.3 -> '12 s', 95 -> '1 min 35 s'."""
    try:
        total = float(value)
    except (TypeError, ValueError):
        return "-"
    if total < 60:
        return f"{total:.1f} s" if total < 10 else f"{total:.0f} s"
    minutes, rest = divmod(int(total), 60)
    return f"{minutes} min {rest} s"


@register.filter
def filesize(value) -> str:
    try:
        size = float(value)
    except (TypeError, ValueError):
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return "-"


@register.filter
def ago(moment) -> str:
    """'just now' under a minute, else Django's '3 minutes ago'."""
    if not moment:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment).split(',')[0]} ago"


@register.filter
def credits(value) -> str:
    """5 -> '5', 3.50 -> '3.5', 12.25 -> '12.25'."""
    try:
        number = Decimal(value).quantize(Decimal("0.01"))
    except (TypeError, ArithmeticError, ValueError):
        return "-"
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
