"""The projection's arithmetic, on figures worked out by hand (domain-rules §2.3, §2.8)."""

from datetime import date
from decimal import Decimal as D

from portal.payroll import compute_payslip, max_gross_for_budget, minimum_monthly_wage
from portal.projection.compute import project
from portal.projection.figures import Contract, Inputs, MonthFlows, Opening, Runway, WhatIf
from portal.projection.pay import equivalent_hours
from portal.projection.terms import Band, Basis, Scheme

FLAT_10 = Scheme(bands=(Band(D(0), D("0.10")),))
CONTRACT = Contract(hours_per_week=D(24), hourly_rate=D("14.50"))
NO_SALARY = Contract(salaried=True)


def inputs(**fields) -> Inputs:
    fields.setdefault("today", date(2026, 3, 15))
    fields.setdefault("start", date(2026, 1, 1))
    fields.setdefault("contract", NO_SALARY)
    fields.setdefault("scheme", FLAT_10)
    return Inputs(**fields)


def month(year, number, **amounts) -> MonthFlows:
    return MonthFlows(month=date(year, number, 1), **{k: D(v) for k, v in amounts.items()})


QUARTER = (
    month(2026, 1, invoiced="1000", collected="600", expenses="100"),
    month(2026, 2, invoiced="2000", collected="1400", salary_cost="500"),
)


def test_margin_counts_cash_minus_contribution_expenses_fees_and_salaries():
    # Contribution 10 % of 3 000 invoiced = 300; fees 3 months × 20 = 60.
    # 600 + 1 400 − 300 − 100 − 60 − 500 = 1 040.
    scheme = Scheme(bands=FLAT_10.bands, fixed_monthly_fees=D(20))
    projection = project(inputs(flows=QUARTER, scheme=scheme, outstanding=D(1000)))
    assert projection.margin == D("1040")
    assert [m.contribution for m in projection.months] == [D(100), D(200), D(0)]
    assert [m.margin_end for m in projection.months] == [D(380), D(1060), D(1040)]
    # Outstanding invoices: the contribution on them is already charged on an invoiced basis.
    assert projection.margin_if_paid == D("2040")


def test_contribution_on_collected_revenue_falls_due_when_paid():
    scheme = Scheme(bands=FLAT_10.bands, basis=Basis.COLLECTED, fixed_monthly_fees=D(20))
    projection = project(inputs(flows=QUARTER, scheme=scheme, outstanding=D(1000)))
    # 2 000 collected − 200 − 100 − 60 − 500 = 1 140; if paid: + 1 000 − 100 = 2 040.
    assert projection.margin == D("1140")
    assert projection.margin_if_paid == D("2040")
    steps = {step.code: step.amount for step in projection.steps}
    assert steps["outstanding_contribution"] == D("-100")


def test_banded_contribution_is_marginal_on_the_years_cumulative_revenue():
    scheme = Scheme(
        bands=(Band(D(0), D("0.11")), Band(D(40000), D("0.10")), Band(D(80000), D("0.09")))
    )
    # 40 000 × 11 % + 40 000 × 10 % + 20 000 × 9 % = 4 400 + 4 000 + 1 800.
    assert scheme.contribution(D(100000)) == D("10200")
    assert scheme.contribution(D(30000)) == D("3300")
    assert scheme.contribution(D(-500)) == D(0)


def test_banded_contribution_restarts_each_calendar_year():
    scheme = Scheme(bands=(Band(D(0), D("0.10")), Band(D(1000), D("0.05"))))
    flows = (
        month(2025, 12, invoiced="2000", collected="2000"),
        month(2026, 1, invoiced="2000", collected="2000"),
    )
    projection = project(inputs(flows=flows, scheme=scheme, start=date(2025, 12, 1)))
    # Each year: 1 000 × 10 % + 1 000 × 5 % = 150.
    assert [m.contribution for m in projection.months[:2]] == [D(150), D(150)]


def test_yearly_minimum_accrues_a_twelfth_per_month_in_the_coop():
    scheme = Scheme(bands=FLAT_10.bands, yearly_minimum=D(2160))
    flows = (month(2026, 1, invoiced="1000", collected="1000"),)
    projection = project(inputs(flows=flows, scheme=scheme))
    # 10 % of 1 000 = 100 is below the accrued 180 a month: 180 each month to March.
    assert [m.contribution for m in projection.months] == [D(180), D(180), D(180)]
    assert projection.margin == D(1000 - 540)


def test_credit_note_gives_back_its_contribution():
    flows = (
        month(2026, 1, invoiced="1000", collected="1000"),
        month(2026, 2, invoiced="-400", collected="-400"),
    )
    projection = project(inputs(flows=flows))
    assert [m.contribution for m in projection.months[:2]] == [D(100), D(-40)]
    assert projection.margin == D(540)


def test_opening_balance_adds_only_later_movements():
    opening = Opening(on=date(2026, 2, 10), amount=D(5000))
    flows = (
        MonthFlows(
            month=date(2026, 2, 1), after_opening=False, invoiced=D(1000), collected=D(1000)
        ),
        MonthFlows(month=date(2026, 2, 1), after_opening=True, invoiced=D(500), collected=D(500)),
        month(2026, 3, expenses="200"),
    )
    projection = project(inputs(flows=flows, opening=opening))
    # 5 000 + 500 − 50 − 200 = 5 250.
    assert projection.margin == D(5250)
    # History before the snapshot is worked out backwards: January ends at 5 000 − 900.
    assert [m.margin_end for m in projection.months] == [D(4100), D(5450), D(5250)]


def test_opening_balance_keeps_the_years_bands_before_it():
    scheme = Scheme(bands=(Band(D(0), D("0.10")), Band(D(1000), D("0.05"))))
    opening = Opening(on=date(2026, 3, 31), amount=D(2000))
    flows = (
        MonthFlows(month=date(2026, 1, 1), after_opening=False, invoiced=D(1000)),
        month(2026, 4, invoiced="1000", collected="1000"),
    )
    projection = project(
        inputs(flows=flows, opening=opening, scheme=scheme, today=date(2026, 4, 20))
    )
    # April's revenue is in the 5 % band: 2 000 + 1 000 − 50.
    assert projection.margin == D(2950)


def test_vat_is_kept_out_of_the_margin():
    flows = (
        month(2026, 1, invoiced="1000", collected="1000", vat_invoiced="200", vat_recoverable="30"),
    )
    projection = project(inputs(flows=flows))
    assert projection.margin == D(900)
    assert projection.vat_invoiced_this_year == D(200)
    assert projection.vat_recoverable_this_year == D(30)


def test_next_salary_from_hours_and_rate_through_the_payroll_engine():
    flows = (month(2026, 1, invoiced="20000", collected="20000"),)
    projection = project(inputs(flows=flows, contract=CONTRACT))
    # 24 h × 14,50 € × 52 / 12 = 1 508,00 € gross.
    expected = compute_payslip(D("1508.00"), 24, date(2026, 3, 1))
    assert projection.salary.payslip == expected
    assert projection.fundable
    assert projection.remaining == D(18000) - expected.employer_cost
    assert projection.runway == Runway(int(D(18000) / expected.employer_cost))


def test_fixed_gross_contract_without_hours_uses_equivalent_hours():
    contract = Contract(fixed_gross=D(1000))
    projection = project(inputs(flows=QUARTER, contract=contract))
    # 35 h × 1 000 / 1 823,03 (full-time SMIC, March 2026) = 19,198… h, rounded down.
    assert projection.salary.hours_per_week == D("19.19")
    assert projection.salary.payslip.gross == D(1000)
    assert equivalent_hours(D(2500), date(2026, 3, 1)) == 35


def test_unfundable_salary_warns_and_gives_the_largest_fundable():
    flows = (month(2026, 1, invoiced="1800", collected="1800"),)
    projection = project(inputs(flows=flows, contract=CONTRACT))
    assert projection.margin == D(1620)
    assert not projection.fundable
    assert projection.salary.payslip.gross == D("1508.00")  # not silently lowered
    largest = max_gross_for_budget(D(1620), 24, date(2026, 3, 1))
    # Above the minimum wage for 24 h (12.02 × 24 × 52 / 12 = 1 250.08): legal as it is.
    assert largest.gross > D("1250.08")
    assert projection.largest_fundable == largest
    assert not projection.contract_must_change
    assert projection.remaining < 0
    assert projection.runway == Runway(0)


def test_no_fundable_salary_when_the_margin_is_negative():
    flows = (month(2026, 1, expenses="300"),)
    projection = project(inputs(flows=flows, contract=CONTRACT))
    assert projection.margin == D(-300)
    assert projection.largest_fundable is None


def test_next_salary_is_next_month_once_this_months_payslip_is_recorded():
    projection = project(
        inputs(flows=QUARTER, contract=CONTRACT, last_paid_period=date(2026, 3, 1))
    )
    assert projection.salary.period == date(2026, 4, 1)
    assert projection.salary.payslip.on == date(2026, 4, 1)


def test_supported_entrepreneur_sees_what_the_activity_could_pay():
    flows = (month(2026, 1, invoiced="5000", collected="5000"),)
    contract = Contract(salaried=False)
    projection = project(inputs(flows=flows, contract=contract))
    salary = projection.salary
    assert salary.source == "fundable"
    # January and February are complete: (5 000 − 500 + 0) / 2 = 2 250 a month.
    assert projection.sustainable.average == D(2250)
    assert salary.payslip.employer_cost <= D(2250)
    assert max_gross_for_budget(D(2250), salary.hours_per_week, date(2026, 3, 1)) == salary.payslip
    assert projection.fundable
    # No salary decided: nothing "after the salary", no runway.
    assert projection.remaining is None and projection.runway is None


def test_what_if_gross_and_hours_replace_the_contract():
    flows = (month(2026, 1, invoiced="20000", collected="20000"),)
    by_gross = project(inputs(flows=flows, contract=CONTRACT, what_if=WhatIf(gross=D(2000))))
    assert by_gross.salary.payslip == compute_payslip(D(2000), 24, date(2026, 3, 1))
    by_hours = project(inputs(flows=flows, contract=CONTRACT, what_if=WhatIf(hours_per_week=D(35))))
    assert by_hours.salary.payslip.gross == D("2199.17")  # 35 × 14,50 × 52 / 12
    # Without an hourly rate, hours are paid at the SMIC.
    at_smic = project(inputs(flows=flows, what_if=WhatIf(hours_per_week=D(35))))
    assert at_smic.salary.payslip.gross == minimum_monthly_wage(35, date(2026, 3, 1))


def test_what_if_extra_revenue_adds_it_net_of_contribution():
    base = project(inputs(flows=QUARTER))
    more = project(inputs(flows=QUARTER, what_if=WhatIf(extra_revenue=D(1000))))
    assert more.margin - base.margin == D(900)


def test_empty_history_is_flagged_not_shown_as_zero():
    projection = project(inputs(contract=CONTRACT))
    assert not projection.has_data
    assert projection.margin == 0


def test_chart_keeps_the_last_twelve_months():
    flows = tuple(month(2025, m, invoiced="100", collected="100") for m in range(1, 13))
    projection = project(inputs(flows=flows, start=date(2025, 1, 1)))
    assert len(projection.months) == 12
    assert projection.months[0].month == date(2025, 4, 1)
    assert projection.months[-1].month == date(2026, 3, 1)


def test_every_step_adds_up_to_the_margin():
    opening = Opening(on=date(2026, 1, 31), amount=D(700))
    scheme = Scheme(bands=FLAT_10.bands, fixed_monthly_fees=D(15))
    projection = project(inputs(flows=QUARTER, opening=opening, scheme=scheme, contract=CONTRACT))
    steps = {step.code: step.amount for step in projection.steps}
    parts = ("opening", "collected", "contribution", "expenses", "fees", "salaries")
    assert sum(steps[code] for code in parts) == steps["margin"] == projection.margin
    assert steps["margin"] + steps["employer_cost"] == steps["remaining"]


def test_steps_count_every_salary_due():
    opening = Opening(on=date(2026, 1, 31), amount=D(7000))
    projection = project(
        inputs(opening=opening, contract=CONTRACT, last_paid_period=date(2026, 1, 1))
    )
    steps = {step.code: step.amount for step in projection.steps}
    assert steps["margin"] + steps["employer_cost"] + steps["other_due"] == steps["remaining"]


def test_movements_dated_ahead_count_but_owe_no_fees_for_future_months():
    scheme = Scheme(bands=FLAT_10.bands, fixed_monthly_fees=D(20))
    flows = (month(2026, 5, invoiced="1000", collected="1000"),)
    projection = project(inputs(flows=flows, scheme=scheme))
    # Fees for January to March only; May's cash counts, net of its contribution.
    assert projection.margin == D(1000 - 100 - 60)
    assert projection.months[-1].month == date(2026, 3, 1)
