"""Invoice totals: each line rounded to the cent, VAT per rate on the sum of its lines."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.errors import DomainError
from portal.sales.numbering import check_number_pattern, check_number_patterns, format_number
from portal.sales.totals import MAX_LINES, VAT_RATES, LineInput, check_lines, compute_totals


def line(quantity, price, rate="20", discount="0"):
    return LineInput(
        "x", Decimal(quantity), Decimal(price), Decimal(rate), "C62", Decimal(discount)
    )


def test_each_line_is_rounded_half_up_to_the_cent():
    totals = compute_totals([line("3", "0.335")])
    assert totals.line_nets == [Decimal("1.01")]  # 1.005 rounds up


def test_vat_is_computed_per_rate_on_the_sum_of_its_lines():
    totals = compute_totals([line("1", "0.05"), line("1", "0.05"), line("1", "10", "5.5")])
    # 0.10 at 20 % = 0.02 (per line it would be 0.01 + 0.01); 10.00 at 5.5 % = 0.55.
    assert [(v.rate, v.base, v.vat) for v in totals.vat_breakdown] == [
        (Decimal("20"), Decimal("0.10"), Decimal("0.02")),
        (Decimal("5.5"), Decimal("10.00"), Decimal("0.55")),
    ]
    assert totals.vat == Decimal("0.57")
    assert totals.incl_vat == Decimal("10.67")


def test_discount_reduces_the_line_before_rounding():
    assert compute_totals([line("3", "33.33", discount="10")]).line_nets == [Decimal("89.99")]


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=1000, places=3),
            st.decimals(min_value=0, max_value=10000, places=2),
            st.sampled_from(VAT_RATES),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_totals_reconcile_exactly(specs):
    totals = compute_totals([line(q, p, r) for q, p, r in specs])
    assert totals.excl_vat == sum(totals.line_nets)
    assert totals.vat == sum(v.vat for v in totals.vat_breakdown)
    assert totals.incl_vat == totals.excl_vat + totals.vat
    assert all(n == n.quantize(Decimal("0.01")) for n in totals.line_nets)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([line("-1", "10")], "négatifs"),
        ([line("1", "-10")], "négatifs"),
        ([line("1", "10", rate="19.6")], "taux de TVA"),
        ([line("1", "10000001")], "trop élevé"),
        ([line("10", "1000000")], "trop élevé"),
        ([line("1", "1")] * (MAX_LINES + 1), "200"),
        ([], "au moins une ligne"),
    ],
)
def test_bad_lines_are_refused(lines, message, app_context):
    with pytest.raises(DomainError) as error:
        check_lines(lines)
    assert message in str(error.value)


def test_default_number_pattern_gives_f2026_00001():
    assert format_number("F{year}-{number:05}", 2026, 1) == "F2026-00001"


@pytest.mark.parametrize(
    "pattern",
    [
        "F{year}",
        "F{number:05}",
        "{foo}-{number}-{year}",
        "F {year}{number}",
        "{year}{number:040}",
        "{",
    ],
)
def test_bad_number_patterns_are_refused(pattern, app_context):
    with pytest.raises(DomainError):
        check_number_pattern(pattern)


@pytest.mark.parametrize(
    ("invoices", "credit_notes"),
    [
        ("F{year}-{number:05}", "F{year}-{number:05}"),
        ("F{year}-{number}", "FA{year}-{number}"),  # F2026-… could meet FA… only if F = FA…
        ("{year}-F{number}", "{year}-A{number}"),  # no fixed start to tell them apart
    ],
)
def test_invoice_and_credit_note_patterns_must_start_differently(
    invoices, credit_notes, app_context
):
    with pytest.raises(DomainError) as error:
        check_number_patterns(invoices, credit_notes)
    assert error.value.field == "credit_note_number_pattern"


def test_distinct_patterns_are_accepted(app_context):
    check_number_patterns("F{year}-{number:05}", "AV{year}-{number:05}")
