"""Charts drawn on the server as SVG: numbers in, shapes out, for a template to write.

No script and no style attribute (the CSP forbids both): each series has a class
(`series-0` ... `series-7`, coloured in studio.css) and shapes carry presentation
attributes only. Each bar has a <title>, which browsers show on hover and screen
readers read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

SERIES_CLASSES = 8  # colours in studio.css; more series share the last one ("others")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str
    day: date
    value: Decimal


@dataclass(frozen=True)
class Tick:
    y: float
    value: Decimal


@dataclass(frozen=True)
class DayLabel:
    x: float
    day: date


@dataclass(frozen=True)
class StackedBars:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    day_labels: list[DayLabel]
    legend: list[tuple[int, str, Decimal]]  # (series class, label, total)

    @property
    def empty(self) -> bool:
        return not self.bars


def stacked_bars(
    days: list[date],
    series: dict[str, list[Decimal]],
    width: int = 720,
    height: int = 240,
) -> StackedBars:
    """One bar per day, stacked by series (largest first); only positive amounts are
    drawn (a day whose refunds outweigh its spending shows nothing)."""
    series = _fold(series)
    left, right, top, bottom = 44, 8, 10, 24
    plot_width, plot_height = width - left - right, height - top - bottom
    totals = [
        sum((max(values[n], Decimal(0)) for values in series.values()), Decimal(0))
        for n in range(len(days))
    ]
    peak = _nice(max(totals, default=Decimal(0)))
    slot = plot_width / max(len(days), 1)
    gap = min(4.0, slot * 0.2)
    bars = []
    for n, day in enumerate(days):
        base = Decimal(0)
        for index, (label, values) in enumerate(series.items()):
            value = values[n]
            if value <= 0 or not peak:
                continue
            y_top = top + plot_height * float(1 - (base + value) / peak)
            y_bottom = top + plot_height * float(1 - base / peak)
            bars.append(
                Bar(
                    x=round(left + n * slot + gap / 2, 2),
                    y=round(y_top, 2),
                    width=round(slot - gap, 2),
                    height=round(max(y_bottom - y_top, 0.5), 2),
                    series=min(index, SERIES_CLASSES - 1),
                    label=label,
                    day=day,
                    value=value,
                )
            )
            base += value
    ticks = [
        Tick(y=round(top + plot_height * (1 - fraction), 2), value=peak * Decimal(str(fraction)))
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]
    every = max(1, round(len(days) / 8))
    day_labels = [
        DayLabel(x=round(left + n * slot + slot / 2, 2), day=day)
        for n, day in enumerate(days)
        if n % every == 0
    ]
    legend = [
        (min(index, SERIES_CLASSES - 1), label, sum(values, Decimal(0)))
        for index, (label, values) in enumerate(series.items())
    ]
    return StackedBars(width, height, left, top + plot_height, bars, ticks, day_labels, legend)


def _fold(series: dict[str, list[Decimal]]) -> dict[str, list[Decimal]]:
    """At most SERIES_CLASSES series: the smallest beyond that are summed as "others"."""
    if len(series) <= SERIES_CLASSES:
        return dict(series)
    items = list(series.items())
    kept = dict(items[: SERIES_CLASSES - 1])
    rest = [values for _, values in items[SERIES_CLASSES - 1 :]]
    kept[_("others")] = [sum(day, Decimal(0)) for day in zip(*rest, strict=True)]
    return kept


def _nice(value: Decimal) -> Decimal:
    """A round top for the axis: 1, 2, 2.5 or 5 times a power of ten, at least value."""
    if value <= 0:
        return Decimal(0)
    magnitude = Decimal(10) ** (value.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude
