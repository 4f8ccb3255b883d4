from datetime import date
from decimal import Decimal as D

from portal.projection.chart import BOTTOM, HEIGHT, TOP, build_chart
from portal.projection.figures import Month


def month(number, invoiced, margin_end, expenses=0, salary_cost=0) -> Month:
    zero = D(0)
    return Month(
        month=date(2026, number, 1),
        invoiced=D(invoiced),
        collected=zero,
        contribution=zero,
        expenses=D(expenses),
        fees=zero,
        salary_cost=D(salary_cost),
        margin_end=D(margin_end),
    )


def test_bars_share_one_scale_and_negative_values_hang_below_zero():
    chart = build_chart((month(1, 1000, 500, expenses=250), month(2, 0, -1000)))
    plot = HEIGHT - TOP - BOTTOM
    # From +1 000 down to −1 000: zero sits halfway.
    assert chart.baseline == TOP + plot / 2
    revenue, expenses = chart.bars[0], chart.bars[1]
    assert revenue.height == plot / 2 and revenue.y == TOP
    assert expenses.height == plot / 8
    assert chart.margin_points.split()[1].endswith(f",{float(TOP + plot)}")


def test_a_flat_history_draws_without_dividing_by_zero():
    chart = build_chart((month(1, 0, 0),))
    assert all(bar.height == 0 for bar in chart.bars)
