"""What the coop provisions (terms.Provisions): each one moves the figures by exactly its
amount, worked out here from the rule, and has its line in the explanation."""

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

from portal.payroll import EmployerSettings, compute_payslip
from portal.projection.compute import project
from portal.projection.figures import Contract, Inputs, Opening
from portal.projection.terms import Band, Fee, Provisions, Scheme

FLAT_10 = Scheme(bands=(Band(D(0), D("0.10")),))
CONTRACT = Contract(hours_per_week=D(24), hourly_rate=D("14.50"))  # 1 508.00 gross
TODAY = date(2026, 3, 15)
OPENING = Opening(date(2026, 2, 28), D("10000"))
NONE = Provisions()


def project_with(provisions=NONE, contract=CONTRACT, **fields):
    fields.setdefault("scheme", FLAT_10)
    fields.setdefault("opening", OPENING)
    return project(
        Inputs(
            today=TODAY,
            start=date(2026, 1, 1),
            contract=contract,
            provisions=provisions,
            **fields,
        )
    )


def cents(value: D) -> D:
    return value.quantize(D("0.01"), ROUND_HALF_UP)


def step(projection, code):
    return next(s for s in projection.steps if s.code == code)


BASE = project_with()
COST = compute_payslip(D("1508.00"), 24, date(2026, 3, 1)).employer_cost


def test_without_provisions_nothing_is_kept_back():
    assert BASE.reserve == 0 and BASE.salary_provisions == 0
    assert BASE.remaining == BASE.margin - COST
    for code in ("reserve", "paid_leave", "meal_vouchers"):
        assert step(BASE, code).amount == 0


def test_a_reserve_rate_keeps_its_share_of_the_margin_out_of_it():
    projection = project_with(Provisions(reserve_rate=D("0.15")))
    kept = cents(BASE.margin * D("0.15"))
    assert projection.reserve == kept
    assert projection.margin == BASE.margin - kept
    assert projection.remaining == BASE.remaining - kept
    assert step(projection, "reserve").amount == -kept
    assert step(projection, "reserve").params["rate"] == D("0.15")
    # The margin if every invoice is paid keeps 15 % of itself too.
    paid = project_with(Provisions(reserve_rate=D("0.15")), outstanding=D(1000))
    assert paid.margin_if_paid == BASE.margin + 1000 - cents((BASE.margin + 1000) * D("0.15"))


def test_a_fixed_reserve_is_kept_out_whole_but_never_more_than_the_margin():
    projection = project_with(Provisions(reserve_amount=D("2500")))
    assert projection.margin == BASE.margin - 2500
    assert projection.runway.months == int((BASE.margin - 2500) / COST)
    huge = project_with(Provisions(reserve_amount=D("50000")))
    assert huge.margin == 0 and huge.reserve == BASE.margin


def test_paid_leave_is_provisioned_on_the_salarys_employer_cost():
    projection = project_with(Provisions(paid_leave_rate=D("0.10")))
    provision = cents(COST * D("0.10"))
    assert projection.margin == BASE.margin
    assert projection.salary_provisions == provision
    assert projection.remaining == BASE.remaining - provision
    assert step(projection, "paid_leave").amount == -provision
    assert step(projection, "runway").params["monthly_cost"] == COST + provision


def test_meal_vouchers_are_paid_with_each_salary():
    projection = project_with(Provisions(meal_vouchers=D("90")))
    assert projection.remaining == BASE.remaining - 90
    assert step(projection, "meal_vouchers").amount == D(-90)


def test_a_salary_with_its_provisions_must_fit_in_the_margin():
    # The margin covers the employer cost alone, not with 10 % paid leave and 90 € of vouchers.
    opening = Opening(date(2026, 2, 28), COST + 50)
    bare = project_with(opening=opening)
    provisions = Provisions(paid_leave_rate=D("0.10"), meal_vouchers=D("90"))
    short = project_with(provisions, opening=opening)
    assert bare.fundable and not short.fundable
    largest = short.largest_fundable
    extras = cents(largest.employer_cost * D("0.10")) + 90
    assert largest.employer_cost + extras <= short.margin
    one_cent_more = compute_payslip(largest.gross + D("0.01"), 24, date(2026, 3, 1))
    assert one_cent_more.employer_cost + cents(one_cent_more.employer_cost * D("0.10")) + 90 > (
        short.margin
    )


def test_fixed_fees_are_listed_one_by_one():
    fees = (Fee("Assurance RC Pro", D("16.50")), Fee("Logiciel", D("4")))
    scheme = Scheme(bands=FLAT_10.bands, fixed_monthly_fees=D("20.50"), fixed_fees=fees)
    projection = project_with(scheme=scheme)
    # March only: the snapshot of February holds the earlier months.
    assert projection.margin == BASE.margin - D("20.50")
    assert step(projection, "fees").params["items"] == fees


def test_the_yearly_minimum_line_names_the_contract():
    scheme = Scheme(bands=FLAT_10.bands, yearly_minimum=D(1200), minimum_contract="cape")
    line = step(project_with(scheme=scheme), "minimum_contribution")
    assert line.params == {"minimum": D(1200), "contract": "cape"}


def test_the_health_plan_shares_are_the_coops_and_reach_the_salary():
    employer = EmployerSettings(health_plan_employer=D(30), health_plan_employee=D(15))
    projection = project_with(employer=employer)
    standard = compute_payslip(D("1508.00"), 24, date(2026, 3, 1))
    payslip = projection.salary.payslip
    # The standard plan is 20 € + 20 €: the employee keeps 5 € more, the coop pays 10 € more
    # plus the forfait social (8 %, 20 employees) on it, and the CSG/CRDS base grows by 10 €.
    csg_rates = D("0.068") + D("0.024") + D("0.005")
    assert payslip.net_before_tax == standard.net_before_tax + 5 - cents(10 * csg_rates)
    assert step(projection, "health_plan").params == {"employer": D(30), "employee": D(15)}
