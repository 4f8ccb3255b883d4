"""`portal simulate-salary`: the engine's figures on the command line, bad input exits with 2."""

import json
from datetime import date
from decimal import Decimal

import pytest

from portal import create_app
from portal.coop.services import coop_settings_for_update
from portal.payroll import EmployerSettings, compute_payslip, max_gross_for_budget
from portal.salary.commands import simulate_salary

JULY = date(2026, 7, 1)
KEYS = {
    "gross",
    "net_before_tax",
    "taxable_net",
    "employer_cost",
    "employee_contributions",
    "employer_contributions",
    "hours_per_week",
    "below_minimum_wage",
    "lines",
}


def run(app, *args):
    return app.test_cli_runner().invoke(simulate_salary, list(args))


def as_json(app, *args) -> dict:
    result = run(app, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_has_the_engines_figures_as_two_place_decimal_strings(app):
    data = as_json(app, "--gross", "2500", "--hours-per-week", "35", "--date", "2026-07-01")
    payslip = compute_payslip(Decimal(2500), Decimal(35), JULY, EmployerSettings(20))
    assert set(data) >= KEYS
    assert data["gross"] == "2500.00"
    assert data["net_before_tax"] == f"{payslip.net_before_tax:.2f}" == "1957.05"
    assert data["employer_cost"] == f"{payslip.employer_cost:.2f}" == "3145.50"
    assert data["taxable_net"] == f"{payslip.taxable_net:.2f}"
    assert data["employee_contributions"] == f"{payslip.employee_contributions:.2f}"
    assert data["employer_contributions"] == f"{payslip.employer_contributions:.2f}"
    assert data["hours_per_week"] == "35"
    assert data["below_minimum_wage"] is False
    assert [line["code"] for line in data["lines"]] == [line.code for line in payslip.lines]
    first, engine_first = data["lines"][0], payslip.lines[0]
    assert set(first) == {"code", "label", "payer", "base", "rate", "amount"}
    assert first["amount"] == f"{engine_first.amount:.2f}"
    assert Decimal(first["rate"]) == engine_first.rate
    assert data["lines"][-1]["code"] == "rgdu" and data["lines"][-1]["amount"].startswith("-")


def test_budget_gives_the_inverse(app):
    data = as_json(app, "--budget", "3000", "--hours-per-week", "35", "--date", "2026-07-01")
    payslip = max_gross_for_budget(Decimal(3000), Decimal(35), JULY, EmployerSettings(20))
    assert data["gross"] == f"{payslip.gross:.2f}"
    assert Decimal(data["employer_cost"]) <= 3000
    assert data["budget"] == "3000.00"


def test_french_amounts_are_accepted(app):
    data = as_json(app, "--gross", "2 500,50", "--hours-per-week", "24,5", "--date", "2026-07-01")
    assert data["gross"] == "2500.50" and data["hours_per_week"] == "24.5"


def test_headcount_option_changes_the_rates(app):
    small = as_json(app, "--gross", "2500", "--date", "2026-07-01", "--headcount", "5")
    large = as_json(app, "--gross", "2500", "--date", "2026-07-01", "--headcount", "60")
    assert Decimal(large["employer_cost"]) > Decimal(small["employer_cost"])
    assert large["headcount"] == 60


def test_headcount_and_rates_default_to_the_coop_settings(app, db_session):
    settings = coop_settings_for_update(db_session)
    settings.headcount = 60
    settings.work_accident_rate = Decimal("0.03")
    db_session.commit()
    data = as_json(app, "--gross", "2500", "--date", "2026-07-01")
    expected = compute_payslip(
        Decimal(2500), Decimal(35), JULY, EmployerSettings(60, work_accident_rate=Decimal("0.03"))
    )
    assert data["headcount"] == 60
    assert data["employer_cost"] == f"{expected.employer_cost:.2f}"


def test_without_a_database_the_headcount_is_20_and_no_file_is_created(tmp_path):
    missing = tmp_path / "none.sqlite3"
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{missing}",
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "x",
        }
    )
    data = as_json(app, "--gross", "2500", "--date", "2026-07-01")
    assert data["headcount"] == 20
    assert not missing.exists()


def test_date_defaults_to_today_in_paris(app):
    from portal.dates import paris_today

    assert as_json(app, "--gross", "2500")["date"] == paris_today().isoformat()


def test_minimum_wage_flag(app):
    data = as_json(app, "--gross", "1000", "--hours-per-week", "35", "--date", "2026-07-01")
    assert data["below_minimum_wage"] is True and data["minimum_wage"] == "1867.02"


def test_human_output_is_a_french_table(app):
    result = run(app, "--gross", "2500", "--date", "2026-07-01")
    assert result.exit_code == 0
    assert "Salaire net avant impôt" in result.output
    assert "1\u202f957,05 €" in result.output or "1 957,05 €" in result.output
    assert "Cotisations patronales" in result.output
    assert "Réduction générale dégressive unique" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gross", "-5"], "Le salaire brut ne peut pas être négatif."),
        (["--gross", "2000000"], "Le salaire brut ne peut pas dépasser"),
        (["--gross", "lots"], "--gross doit être un nombre"),
        (["--budget", "-1"], "Le budget ne peut pas être négatif."),
        (["--budget", "2 000 000"], "Le budget ne peut pas dépasser"),
        (["--budget", "abc"], "--budget doit être un nombre"),
        (["--budget", "10"], "Le budget ne couvre pas le plus petit salaire"),
        (["--gross", "2500", "--hours-per-week", "60"], "entre 1 et 48"),
        (["--gross", "2500", "--hours-per-week", "0,5"], "entre 1 et 48"),
        (["--gross", "2500", "--hours-per-week", "x"], "--hours-per-week doit être un nombre"),
        (["--gross", "2500", "--date", "2025-12-31"], "à partir du 1 janvier 2026"),
        (["--gross", "2500", "--date", "31/12/2026"], "AAAA-MM-JJ"),
        (["--gross", "2500", "--budget", "3000"], "un seul des deux"),
        ([], "un seul des deux"),
        (["--gross", "2500", "--headcount", "0"], "--headcount"),
        (["--gross", "2500", "--headcount", "many"], "--headcount"),
    ],
)
def test_bad_input_exits_with_2_and_a_clear_message(app, args, message):
    result = run(app, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a traceback
