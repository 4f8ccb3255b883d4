"""The salary the projection shows, on the cases issue #25 found wrong: the salary an activity
sustains, every unpaid month counted, legal fundable salaries, hours and the runway. The
figures are worked out by hand or by the payroll engine here, never copied from the code."""

from datetime import date
from decimal import ROUND_DOWN
from decimal import Decimal as D

from portal.payroll import compute_payslip, max_gross_for_budget, minimum_monthly_wage
from portal.projection.compute import project
from portal.projection.figures import Contract, Inputs, MonthFlows, Opening, Runway, WhatIf
from portal.projection.months import add_months
from portal.projection.pay import equivalent_hours
from portal.projection.terms import Band, Provisions, Scheme

FLAT_10 = Scheme(bands=(Band(D(0), D("0.10")),))
NOVEMBER = date(2026, 11, 1)
# Full-time minimum wage from June 2026: 12.31 × 35 × 52 / 12 = 1 867.0166… → 1 867.02.
FULL_TIME_SMIC = D("1867.02")
AT_SMIC_35H = Contract(hours_per_week=D(35), hourly_rate=D("12.31"))


def inputs(**fields) -> Inputs:
    fields.setdefault("today", date(2026, 11, 3))
    fields.setdefault("start", date(2025, 11, 1))
    fields.setdefault("contract", Contract(salaried=False))
    fields.setdefault("scheme", FLAT_10)
    return Inputs(**fields)


def a_year_of(amount: str) -> tuple[MonthFlows, ...]:
    """The same revenue invoiced and collected each month, November 2025 to October 2026."""
    return tuple(
        MonthFlows(
            month=add_months(date(2025, 11, 1), back), invoiced=D(amount), collected=D(amount)
        )
        for back in range(12)
    )


def hours_for(gross: D) -> D:
    """The équivalent-heure by hand: 35 h × gross / full-time SMIC, rounded down."""
    return (35 * gross / FULL_TIME_SMIC).quantize(D("0.01"), ROUND_DOWN)


def legal_fundable(budget: D, on: date = NOVEMBER):
    """The largest payslip the budget funds, at full time, else at the hours it stands for."""
    payslip = max_gross_for_budget(budget, 35, on)
    while payslip.below_minimum_wage:
        payslip = max_gross_for_budget(budget, hours_for(payslip.gross), on)
    return payslip


# --- 1. The salary an activity sustains ---------------------------------------------------


def test_supported_entrepreneur_sees_the_salary_the_activity_sustains_not_the_whole_margin():
    # 24 000 € invoiced over a year, 10 % contribution: 21 600 € of margin, 1 800 a month.
    projection = project(inputs(flows=a_year_of("2000")))
    assert projection.margin == D(21600)
    # The bug: the whole margin spent on one month's salary, 11 992.54 € net.
    assert max_gross_for_budget(D(21600), 35, NOVEMBER).net_before_tax == D("11992.54")
    sustainable = projection.sustainable
    assert (sustainable.first, sustainable.months) == (date(2025, 11, 1), 12)
    assert sustainable.average == D(1800) and sustainable.reserve == 0
    payslip = projection.salary.payslip
    assert projection.salary.source == "fundable"
    assert payslip == legal_fundable(D(1800))
    assert D(1337) <= payslip.net_before_tax < D(1338)  # "about 1 337 net"
    assert not payslip.below_minimum_wage
    assert payslip.employer_cost <= D(1800)


def test_the_coops_reserve_comes_off_the_sustainable_salary():
    # A fixed reserve is a sum kept once in the margin; only the percentage comes off each
    # month's margin before the salary it sustains.
    provisions = Provisions(reserve_rate=D("0.10"), reserve_amount=D(30))
    projection = project(inputs(flows=a_year_of("2000"), provisions=provisions))
    # 10 % of 1 800 = 180: 1 620 a month for the salary.
    assert projection.sustainable.reserve == D(180)
    assert projection.sustainable.budget == D(1620)
    assert projection.salary.payslip == legal_fundable(D(1620))


def test_the_sustainable_salary_leaves_room_for_its_provisions():
    provisions = Provisions(paid_leave_rate=D("0.10"), meal_vouchers=D(50))
    projection = project(inputs(flows=a_year_of("2000"), provisions=provisions))
    payslip = projection.salary.payslip
    # (1 800 − 50) ÷ 1.10 = 1 590.90: the employer cost, its 10 % and the vouchers fit.
    assert payslip == legal_fundable(D("1590.90"))
    assert payslip.employer_cost + provisions.salary_extras(payslip.employer_cost) <= D(1800)


def test_an_employee_without_contract_figures_sees_the_same_sustainable_salary():
    supported = project(inputs(flows=a_year_of("2000")))
    employee = project(inputs(flows=a_year_of("2000"), contract=Contract(salaried=True)))
    assert employee.salary.source == "fundable"
    assert employee.salary.payslip == supported.salary.payslip


def test_sustainable_salary_averages_only_the_months_since_the_start():
    # In the coop since September: September and October are the complete months.
    flows = (
        MonthFlows(month=date(2026, 9, 1), invoiced=D(3000), collected=D(3000)),
        MonthFlows(month=date(2026, 11, 1), invoiced=D(9000), collected=D(9000)),
    )
    projection = project(inputs(flows=flows, start=date(2026, 9, 10)))
    assert projection.sustainable.months == 2
    assert projection.sustainable.average == D(1350)  # (2 700 + 0) / 2; November not complete
    # Started this month: this month alone.
    projection = project(inputs(flows=flows[1:], start=date(2026, 11, 2)))
    assert projection.sustainable.months == 1
    assert projection.sustainable.average == D(8100)


def test_an_activity_without_margin_sustains_no_salary():
    flows = (MonthFlows(month=date(2026, 10, 1), expenses=D(300)),)
    projection = project(inputs(flows=flows, start=date(2026, 10, 1)))
    assert projection.sustainable.average < 0
    assert projection.salary.payslip is None and projection.salary.source == "none"


# --- 2. Every month due since the last payslip --------------------------------------------


def test_every_unpaid_month_since_the_last_payslip_is_counted():
    # The case: last payslip in September, today 3 November, 35 h at the SMIC.
    opening = Opening(on=date(2026, 10, 31), amount=D("33825.37"))
    projection = project(
        inputs(opening=opening, contract=AT_SMIC_35H, last_paid_period=date(2026, 9, 1))
    )
    october = compute_payslip(FULL_TIME_SMIC, 35, date(2026, 10, 1))
    november = compute_payslip(FULL_TIME_SMIC, 35, NOVEMBER)
    assert october.employer_cost == november.employer_cost == D("1954.63")
    salary = projection.salary
    assert salary.period == date(2026, 10, 1)
    assert salary.due == (october, november)
    # Shown before: 33 825.37 − 1 954.63 = 31 870.74; true: − 2 × 1 954.63 = 29 916.11.
    assert projection.remaining == D("29916.11")
    assert projection.fundable
    assert projection.runway == Runway(17)  # 33 825.37 / 1 954.63 = 17.3


def test_without_any_payslip_only_this_months_salary_is_due():
    opening = Opening(on=date(2026, 10, 31), amount=D(5000))
    projection = project(inputs(opening=opening, contract=AT_SMIC_35H))
    assert [payslip.on for payslip in projection.salary.due] == [NOVEMBER]
    assert projection.remaining == D(5000) - D("1954.63")


def test_no_salary_is_due_before_the_entrepreneurs_start():
    opening = Opening(on=date(2026, 10, 31), amount=D(9000))
    projection = project(
        inputs(
            opening=opening,
            contract=AT_SMIC_35H,
            start=date(2026, 10, 15),
            last_paid_period=date(2025, 2, 1),
        )
    )
    assert [payslip.on for payslip in projection.salary.due] == [date(2026, 10, 1), NOVEMBER]


def test_margin_short_of_the_months_due_shares_itself_between_them():
    opening = Opening(on=date(2026, 10, 31), amount=D(3000))
    projection = project(
        inputs(opening=opening, contract=AT_SMIC_35H, last_paid_period=date(2026, 9, 1))
    )
    assert not projection.fundable  # 3 000 < 2 × 1 954.63
    assert projection.largest_fundable == legal_fundable(D(1500), date(2026, 10, 1))


# --- 3. The largest fundable salary is a legal one -----------------------------------------


def test_largest_fundable_salary_below_the_minimum_wage_stands_for_fewer_hours():
    # The budget that pays 1 022.26 € gross at 35 h: the bug showed that gross as is.
    budget = compute_payslip(D("1022.26"), 35, NOVEMBER).employer_cost
    at_35 = max_gross_for_budget(budget, 35, NOVEMBER)
    assert at_35.gross == D("1022.26") and at_35.below_minimum_wage
    opening = Opening(on=date(2026, 11, 2), amount=budget)
    projection = project(
        inputs(opening=opening, contract=AT_SMIC_35H, last_paid_period=date(2026, 10, 1))
    )
    assert not projection.fundable
    largest = projection.largest_fundable
    # 35 × 1 022.26 / 1 867.02 = 19.16 h, and the gross those hours fund.
    assert largest.hours_per_week <= D("19.16")
    assert largest == legal_fundable(budget)
    assert not largest.below_minimum_wage
    assert projection.contract_must_change


# --- 4. Hours, overtime, runway ------------------------------------------------------------


def test_equivalent_hours_are_rounded_down_so_the_pay_is_not_below_their_minimum_wage():
    # 35 × 1 000 / 1 867.02 = 18.746…: 18.75 h rounded up would need 1 000.19 €.
    assert equivalent_hours(D(1000), NOVEMBER) == D("18.74")
    projection = project(inputs(contract=Contract(fixed_gross=D(1000))))
    payslip = projection.salary.payslip
    # 12.31 × 18.74 × 52 / 12 = 999.654… → 999.65.
    assert payslip.minimum_wage == D("999.65")
    assert not payslip.below_minimum_wage


def test_hours_above_35_are_paid_with_the_overtime_premium():
    # 40 h at 15 €: (35 + 5 × 1.25) × 15 × 52 / 12 = 2 681.25.
    forty = project(inputs(contract=Contract(hours_per_week=D(40), hourly_rate=D(15))))
    assert forty.salary.payslip.gross == D("2681.25")
    # 45 h: 35 + 8 × 1.25 + 2 × 1.5 = 48 paid hours; 48 × 15 × 52 / 12 = 3 120.
    forty_five = project(inputs(contract=Contract(hours_per_week=D(45), hourly_rate=D(15))))
    assert forty_five.salary.payslip.gross == D("3120.00")
    # A what-if of 40 h without an hourly rate is paid at the SMIC for them, premium included.
    at_smic = project(inputs(what_if=WhatIf(hours_per_week=D(40))))
    assert at_smic.salary.payslip.gross == minimum_monthly_wage(40, NOVEMBER)
    assert not at_smic.salary.payslip.below_minimum_wage


def test_runway_charges_the_minimum_contribution_and_the_fees_of_months_to_come():
    scheme = Scheme(bands=FLAT_10.bands, yearly_minimum=D(6000), fixed_monthly_fees=D(20))
    flows = (MonthFlows(month=date(2026, 1, 1), invoiced=D(20000), collected=D(20000)),)
    contract = Contract(hours_per_week=D(24), hourly_rate=D("14.50"))
    projection = project(
        inputs(flows=flows, scheme=scheme, contract=contract, start=date(2026, 1, 1))
    )
    # Contribution to November: max(2 000, 11 × 500) = 5 500; fees 11 × 20.
    assert projection.margin == D(20000 - 5500 - 220)
    cost = compute_payslip(D("1508.00"), 24, NOVEMBER).employer_cost
    # November's fees and minimum are charged; every later month adds 20 + 500 (December's
    # twelfth of 2026's minimum, then 2027's a twelfth a month).
    balance, months = projection.margin - cost, 1
    while balance >= cost + 520:
        balance -= cost + 520
        months += 1
    assert projection.runway == Runway(months)
    assert months < int(projection.margin / (cost + 20))  # what was shown before


def test_runway_counts_up_to_24_months_then_says_more():
    contract = Contract(hours_per_week=D(24), hourly_rate=D("14.50"))
    cost = compute_payslip(D("1508.00"), 24, NOVEMBER).employer_cost

    def runway(amount: D) -> Runway:
        opening = Opening(on=date(2026, 11, 2), amount=amount)
        return project(
            inputs(opening=opening, contract=contract, last_paid_period=date(2026, 10, 1))
        ).runway

    assert runway(24 * cost) == Runway(24)
    assert runway(25 * cost) == Runway(24, beyond=True)
    assert runway(4101 * cost) == Runway(24, beyond=True)
