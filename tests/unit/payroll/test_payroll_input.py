"""Bad input: floats are a programming error; user mistakes get a short translatable message."""

from datetime import date
from decimal import Decimal

import pytest

from portal.payroll import (
    EmployerSettings,
    InvalidInputError,
    PayrollError,
    compute_payslip,
    max_gross_for_budget,
)

ON = date(2026, 9, 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: compute_payslip(2500.0, 35, ON),
        lambda: compute_payslip("2500", 35.0, ON),
        lambda: max_gross_for_budget(3000.0, 35, ON),
        lambda: compute_payslip("2500", 35, ON, withholding_rate=0.1),
        lambda: EmployerSettings(mobility_levy_rate=0.02),
        lambda: compute_payslip(True, 35, ON),
        lambda: compute_payslip("2500", 35, "2026-09-01"),
    ],
)
def test_float_and_other_inexact_types_are_rejected_with_type_error(call):
    with pytest.raises(TypeError):
        call()


def test_amounts_may_be_decimal_int_or_str_and_are_rounded_to_the_cent():
    by_decimal = compute_payslip(Decimal("2500"), Decimal("35"), ON)
    assert compute_payslip(2500, 35, ON) == by_decimal
    assert compute_payslip(" 2500.00 ", "35", ON) == by_decimal
    assert compute_payslip("2499.995", 35, ON).gross == Decimal("2500.00")


@pytest.mark.parametrize(
    ("gross", "hours", "field", "message"),
    [
        ("-1", 35, "gross", "The gross salary cannot be negative."),
        ("1000000.01", 35, "gross", "The gross salary cannot exceed 1000000 €."),
        ("deux mille", 35, "gross", "The gross salary must be a number."),
        ("NaN", 35, "gross", "The gross salary must be a number."),
        ("2500", "0.5", "hours_per_week", "Hours per week must be between 1 and 48."),
        ("2500", 49, "hours_per_week", "Hours per week must be between 1 and 48."),
        ("2500", "trente", "hours_per_week", "Hours per week must be a number."),
    ],
)
def test_bad_input_gets_a_plain_message_naming_its_field(gross, hours, field, message):
    with pytest.raises(InvalidInputError) as error:
        compute_payslip(gross, hours, ON)
    assert isinstance(error.value, PayrollError)
    assert isinstance(error.value, ValueError)
    assert str(error.value) == message
    assert error.value.field == field


def test_message_keeps_the_untranslated_msgid_and_its_parameters_apart():
    with pytest.raises(InvalidInputError) as error:
        compute_payslip("2500", 60, ON)
    assert error.value.message == "Hours per week must be between %(minimum)s and %(maximum)s."
    assert error.value.params == {"minimum": Decimal(1), "maximum": Decimal(48)}


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("-5", "The budget cannot be negative."),
        ("2000000", "The budget cannot exceed 1000000 €."),
        ("beaucoup", "The budget must be a number."),
    ],
)
def test_bad_budget_gets_a_plain_message(budget, message):
    with pytest.raises(InvalidInputError) as error:
        max_gross_for_budget(budget, 35, ON)
    assert str(error.value) == message
    assert error.value.field == "budget"


def test_withholding_rate_must_be_a_fraction_between_zero_and_one():
    with pytest.raises(InvalidInputError) as error:
        compute_payslip("2500", 35, ON, withholding_rate="7.5")
    assert str(error.value) == "The withholding rate must be between 0 % and 100 %."


def test_personal_rate_and_neutral_scale_cannot_both_be_asked():
    with pytest.raises(InvalidInputError) as error:
        compute_payslip("2500", 35, ON, withholding_rate="0.05", neutral_withholding=True)
    assert error.value.field == "withholding_rate"


def test_employer_settings_reject_impossible_values():
    with pytest.raises(InvalidInputError):
        EmployerSettings(headcount=0)
    with pytest.raises(InvalidInputError):
        EmployerSettings(mobility_levy_rate=Decimal("1.5"))
    with pytest.raises(InvalidInputError) as error:
        compute_payslip("2500", 35, ON, EmployerSettings(work_accident_rate=Decimal("0.001")))
    assert str(error.value) == "The work-accident rate must be between 0.5 % and 100 %."


def test_health_plan_shares_must_be_amounts_from_zero_and_come_in_pairs():
    with pytest.raises(InvalidInputError, match="between 0 and"):
        EmployerSettings(health_plan_employer=Decimal(-1), health_plan_employee=Decimal(0))
    with pytest.raises(TypeError):
        EmployerSettings(health_plan_employer=Decimal(20))
    settings = EmployerSettings(health_plan_employer="30.005", health_plan_employee=0)
    assert settings.health_plan_shares == {"employer": Decimal("30.01"), "employee": Decimal(0)}
