"""Each payroll rule, by name. Expected figures are derived by hand from the rule texts and
the worked examples of domain-rules.md (§1, §2), not read back from the engine."""

import ast
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.payroll import (
    EmployerSettings,
    UnsupportedDateError,
    compute_payslip,
    effective_dates,
    minimum_monthly_wage,
    rates_on,
)
from portal.payroll.rates import RATES_DIR, load_rates_file

JUNE = date(2026, 6, 15)
PACKAGE = Path(__file__).parents[3] / "portal" / "payroll"


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def line(payslip, code):
    matches = [item for item in payslip.lines if item.code == code]
    assert len(matches) <= 1
    return matches[0] if matches else None


# --- Parameters by date ----------------------------------------------------------------


def test_minimum_wage_rises_to_12_31_per_hour_on_1_june_2026():
    # 12.02 × 35 × 52 / 12 = 1823.033…; 12.31 × 35 × 52 / 12 = 1867.016…
    assert minimum_monthly_wage(35, date(2026, 5, 31)) == Decimal("1823.03")
    assert minimum_monthly_wage(35, date(2026, 6, 1)) == Decimal("1867.02")
    assert rates_on(date(2026, 5, 31)).minimum_wage_hourly == Decimal("12.02")
    assert rates_on(date(2026, 6, 1)).minimum_wage_hourly == Decimal("12.31")


def test_rates_apply_from_the_date_in_their_file_name(rates_folder):
    assert effective_dates() == (date(2026, 1, 1), date(2026, 6, 1))
    assert rates_on(date(2026, 1, 1)).effective_from == date(2026, 1, 1)
    assert rates_on(date(2031, 1, 1)).effective_from == date(2026, 6, 1)


def test_date_before_the_first_rates_file_is_unsupported():
    with pytest.raises(UnsupportedDateError) as error:
        compute_payslip("2000", 35, date(2025, 12, 31))
    assert str(error.value) == "Payroll rules are available from 2026-01-01 only."
    assert error.value.field == "on"


def test_every_rates_file_is_complete_and_ends_the_neutral_scale_unbounded():
    for path in sorted(RATES_DIR.glob("*.toml")):
        rates = load_rates_file(path)
        assert rates.neutral_withholding[-1].below is None
        assert {rule.payer for rule in rates.contributions} == {"employee", "employer"}


# --- Minimum wage ----------------------------------------------------------------------


def test_gross_below_the_minimum_wage_for_part_time_hours_is_flagged():
    # 24 h a week from June 2026: 12.31 × 24 × 52 / 12 = 1280.24 € exactly.
    assert minimum_monthly_wage(24, JUNE) == Decimal("1280.24")
    assert compute_payslip("1280.23", 24, JUNE).below_minimum_wage
    assert not compute_payslip("1280.24", 24, JUNE).below_minimum_wage
    assert compute_payslip("1280.24", 35, JUNE).below_minimum_wage


def test_minimum_wage_counts_overtime_hours_with_their_premium():
    # 39 h: 35 + 4 × 1.25 = 40 paid hours; 48 h: 35 + 8 × 1.25 + 5 × 1.5 = 52.5 paid hours.
    assert minimum_monthly_wage(39, JUNE) == cents(Decimal("12.31") * 40 * 52 / 12)
    assert minimum_monthly_wage(48, JUNE) == cents(Decimal("12.31") * Decimal("52.5") * 52 / 12)


# --- General reduction (RGDU) -----------------------------------------------------------


def test_general_reduction_is_maximal_at_the_minimum_wage():
    # Coefficient Tmin + Tdelta = 0.02 + 0.3781; domain-rules §2.6 gives 743.26 € at 1867.02 €.
    payslip = compute_payslip("1867.02", 35, JUNE)
    assert line(payslip, "rgdu").rate == Decimal("0.3981")
    assert payslip.general_reduction == Decimal("743.26")


def test_general_reduction_coefficient_is_capped_below_the_minimum_wage():
    payslip = compute_payslip("1500", 35, JUNE)
    assert payslip.general_reduction == cents(Decimal("1500") * Decimal("0.3981"))


def test_general_reduction_vanishes_at_three_times_minimum_wage_pro_rated():
    # 24 h from June 2026: 3 × 1280.24 = 3840.72 €. "Non applicable si assiette >= 3 × SMIC".
    assert compute_payslip("3840.72", 24, JUNE).general_reduction == 0
    assert line(compute_payslip("3840.72", 24, JUNE), "rgdu") is None
    assert compute_payslip("5000", 24, JUNE).general_reduction == 0
    # One cent below, the coefficient is Tmin = 0.02 (the power term is ~1e-9).
    assert compute_payslip("3840.71", 24, JUNE).general_reduction == cents(
        Decimal("3840.71") * Decimal("0.02")
    )


def test_general_reduction_vanishes_at_three_times_minimum_wage_full_time():
    # 3 × 12.31 × 35 × 52 / 12 = 5601.05 € exactly.
    assert compute_payslip("5601.05", 35, JUNE).general_reduction == 0
    assert compute_payslip("5601.04", 35, JUNE).general_reduction == Decimal("112.02")


def test_general_reduction_follows_the_degressive_formula_between_the_bounds():
    # 2500 € full time, June: 0.02 + 0.3781 × (0.5 × (5601.05 / 2500 − 1)) ** 1.75 = 0.18386…
    expected = Decimal("0.02") + Decimal("0.3781") * (
        Decimal("0.5") * (Decimal("5601.05") / Decimal("2500") - 1)
    ) ** Decimal("1.75")
    coefficient = expected.quantize(Decimal("0.0001"), ROUND_HALF_UP)
    payslip = compute_payslip("2500", 35, JUNE)
    assert line(payslip, "rgdu").rate == coefficient == Decimal("0.1839")
    assert payslip.general_reduction == Decimal("459.75")


# --- Headcount bands --------------------------------------------------------------------


def test_fifty_employees_raise_fnal_and_tdelta_and_add_peec():
    small = compute_payslip("1867.02", 35, JUNE, EmployerSettings(headcount=49))
    large = compute_payslip("1867.02", 35, JUNE, EmployerSettings(headcount=50))
    assert line(small, "fnal").rate == Decimal("0.001")
    assert line(large, "fnal").rate == Decimal("0.005")
    assert line(small, "rgdu").rate == Decimal("0.3981")  # Tmin + Tdelta 0.3781
    assert line(large, "rgdu").rate == Decimal("0.4021")  # Tmin + Tdelta 0.3821
    assert line(small, "peec") is None
    assert line(large, "peec").rate == Decimal("0.0045")


def test_fnal_is_capped_at_the_ceiling_below_fifty_employees_only():
    small = compute_payslip("5000", 35, JUNE, EmployerSettings(headcount=20))
    large = compute_payslip("5000", 35, JUNE, EmployerSettings(headcount=60))
    assert line(small, "fnal").base == Decimal("4005.00")
    assert line(large, "fnal").base == Decimal("5000.00")


def test_eleven_employees_raise_vocational_training_and_add_forfait_social_and_mobility():
    employer = {"mobility_levy_rate": Decimal("0.0295")}
    ten = compute_payslip("2500", 35, JUNE, EmployerSettings(headcount=10, **employer))
    eleven = compute_payslip("2500", 35, JUNE, EmployerSettings(headcount=11, **employer))
    assert line(ten, "formation_professionnelle").rate == Decimal("0.0055")
    assert line(eleven, "formation_professionnelle").rate == Decimal("0.01")
    assert line(ten, "forfait_social") is None
    assert line(eleven, "forfait_social").amount == Decimal("1.60")  # 8 % of the 20 € share
    assert line(ten, "versement_mobilite") is None
    assert line(eleven, "versement_mobilite").amount == Decimal("73.75")  # 2.95 % of 2500


def test_two_hundred_fifty_employees_add_the_supplementary_apprenticeship_contribution():
    payslip = compute_payslip("2500", 35, JUNE, EmployerSettings(headcount=250))
    assert line(payslip, "contribution_supplementaire_apprentissage").rate == Decimal("0.004")
    small = compute_payslip("2500", 35, JUNE, EmployerSettings(headcount=249))
    assert line(small, "contribution_supplementaire_apprentissage") is None


def test_sixty_employees_pay_about_5_14_percent_at_the_minimum_wage():
    # domain-rules §2.6: "With 60 employees … 5.14 % at SMIC, 34.07 % at 3 000 €".
    for gross, rate in (("1867.02", "5.14"), ("3000", "34.07")):
        payslip = compute_payslip(gross, 35, date(2026, 7, 1), EmployerSettings(headcount=60))
        ratio = payslip.employer_contributions / payslip.gross * 100
        assert ratio.quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal(rate)


# --- Employer settings ------------------------------------------------------------------


def test_work_accident_rate_defaults_to_the_2026_average_and_can_be_set():
    assert line(compute_payslip("2000", 35, JUNE), "accidents_du_travail").rate == Decimal("0.0208")
    own = EmployerSettings(work_accident_rate=Decimal("0.0064"))
    assert line(compute_payslip("2000", 35, JUNE, own), "accidents_du_travail").amount == Decimal(
        "12.80"
    )


def test_mobility_levy_is_absent_by_default():
    assert line(compute_payslip("2000", 35, JUNE), "versement_mobilite") is None


# --- Ceilings ---------------------------------------------------------------------------


def test_tranche_2_and_cet_apply_only_above_the_pro_rated_ceiling():
    # 24 h: the ceiling is 4005 × 24 / 35 = 2746.2857… €.
    below = compute_payslip("2746.28", 24, JUNE)
    above = compute_payslip("2800", 24, JUNE)
    assert line(below, "cet_salarie") is None
    assert line(below, "retraite_complementaire_t2_salarie") is None
    assert line(above, "cet_salarie").base == Decimal("2800.00")
    assert line(above, "retraite_complementaire_t1_salarie").base == Decimal("2746.29")
    assert line(above, "retraite_complementaire_t2_salarie").base == Decimal("53.71")


def test_csg_base_is_98_25_percent_of_gross_plus_the_employer_health_share():
    payslip = compute_payslip("2500", 35, JUNE)
    # 2500 × 0.9825 + 20 = 2476.25 €
    assert line(payslip, "csg_deductible").base == Decimal("2476.25")
    assert line(payslip, "csg_deductible").amount == Decimal("168.39")


# --- Totals ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    gross=st.decimals(min_value=0, max_value=20000, places=2),
    hours=st.sampled_from(["8", "12", "17.5", "24", "28", "35", "39", "48"]),
    headcount=st.sampled_from([1, 10, 11, 49, 50, 250, 2000]),
    on=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
)
def test_lines_are_rounded_to_the_cent_and_add_up_to_the_totals(gross, hours, headcount, on):
    payslip = compute_payslip(gross, hours, on, EmployerSettings(headcount=headcount))
    for item in payslip.lines:
        sign = -1 if item.code == "rgdu" else 1
        assert item.amount == sign * cents(item.base * item.rate)
    employee = sum(i.amount for i in payslip.lines if i.payer == "employee")
    employer = sum(i.amount for i in payslip.lines if i.payer == "employer")
    assert payslip.employee_contributions == employee
    assert payslip.employer_contributions == employer
    assert payslip.net_before_tax == payslip.gross - employee
    assert payslip.employer_cost == payslip.gross + employer
    assert payslip.general_reduction == -sum(i.amount for i in payslip.lines if i.code == "rgdu")


def test_taxable_net_adds_back_non_deductible_csg_crds_and_employer_health_share():
    payslip = compute_payslip("2500", 35, JUNE)
    added = sum(
        line(payslip, code).amount
        for code in ("csg_non_deductible", "crds", "complementaire_sante_employeur")
    )
    assert payslip.taxable_net == payslip.net_before_tax + added


def test_result_does_not_depend_on_the_callers_decimal_context():
    expected = compute_payslip("2345.67", "17.5", JUNE)
    with localcontext() as context:
        context.prec = 6
        assert compute_payslip("2345.67", "17.5", JUNE) == expected


# --- Withholding ----------------------------------------------------------------------


def test_neutral_withholding_rate_changes_at_the_band_bound():
    rates = rates_on(JUNE)
    assert rates.neutral_withholding_rate(Decimal("1634.99")) == 0
    assert rates.neutral_withholding_rate(Decimal("1635")) == Decimal("0.005")
    assert rates.neutral_withholding_rate(Decimal("55557.99")) == Decimal("0.38")
    assert rates.neutral_withholding_rate(Decimal("55558")) == Decimal("0.43")


def test_neutral_withholding_applies_the_band_rate_to_the_whole_taxable_net():
    payslip = compute_payslip("2500", 35, JUNE, neutral_withholding=True)
    # A taxable net of about 2 049 € is in the band [1 928 €, 2 060 €): 2.9 %.
    assert Decimal("1928") <= payslip.taxable_net < Decimal("2060")
    assert payslip.withholding_rate == Decimal("0.029")
    assert payslip.income_tax == cents(payslip.taxable_net * Decimal("0.029"))
    assert payslip.net_after_tax == payslip.net_before_tax - payslip.income_tax


def test_personal_withholding_rate_applies_to_the_taxable_net():
    payslip = compute_payslip("2500", 35, JUNE, withholding_rate="0.075")
    assert payslip.income_tax == cents(payslip.taxable_net * Decimal("0.075"))
    assert compute_payslip("2500", 35, JUNE).income_tax is None


# --- Purity ---------------------------------------------------------------------------


def test_payroll_package_imports_only_the_standard_library():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in sys.stdlib_module_names, (path.name, name)
