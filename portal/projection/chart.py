"""Geometry of the 12-month chart, drawn as SVG by the template: no JavaScript, no library.

Per month, three bars (revenue, expenses, salary cost) and a point of the margin line. One
scale for all four, from the lowest value (or zero) to the highest (or zero)."""

from dataclasses import dataclass
from decimal import Decimal

from portal.projection.figures import Month

WIDTH = 360
HEIGHT = 200
TOP = 16
BOTTOM = 24  # room for the month labels
LEFT = 4
SERIES = ("invoiced", "expenses", "salary_cost")


@dataclass(frozen=True)
class Bar:
    series: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    margin_points: str  # "x,y x,y ..." for a <polyline>
    label_positions: tuple[tuple[float, Month], ...]
    maximum: Decimal
    minimum: Decimal


def build_chart(months: tuple[Month, ...]) -> Chart:
    values = [getattr(m, name) for m in months for name in SERIES]
    values += [m.margin_end for m in months]
    highest = max([*values, Decimal(0)])
    lowest = min([*values, Decimal(0)])
    span = (highest - lowest) or Decimal(1)
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(months), 1)
    bar_width = slot * 0.8 / len(SERIES)

    def y(value: Decimal) -> float:
        return round(TOP + float((highest - value) / span) * plot_height, 1)

    baseline = y(Decimal(0))
    bars, points, labels = [], [], []
    for index, month in enumerate(months):
        left = LEFT + index * slot + slot * 0.1
        for position, name in enumerate(SERIES):
            value = getattr(month, name)
            top = min(y(value), baseline)
            bars.append(
                Bar(
                    series=name,
                    x=round(left + position * bar_width, 1),
                    y=top,
                    width=round(bar_width, 1),
                    height=round(abs(y(value) - baseline), 1),
                )
            )
        centre = round(LEFT + index * slot + slot / 2, 1)
        points.append(f"{centre},{y(month.margin_end)}")
        labels.append((centre, month))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        baseline=baseline,
        bars=tuple(bars),
        margin_points=" ".join(points),
        label_positions=tuple(labels),
        maximum=highest,
        minimum=lowest,
    )
