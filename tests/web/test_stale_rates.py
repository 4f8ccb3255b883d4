"""Past the period of the latest payroll rates, the portal says so: the home page, the API's
projection and `portal simulate-salary`. Each test uses a rates folder of its own whose
periods end long before or long after any day the suite runs on, so no calendar day turns
it red (tests/conftest.py `rates_folder`)."""

import json

from portal.salary.commands import simulate_salary
from tests.helpers import login


def run(app, *args):
    return app.test_cli_runner().invoke(simulate_salary, ["--gross", "2500", *args])


def test_simulate_salary_past_the_rates_exits_2_with_a_clear_message(app, rates_folder):
    result = run(app, "--date", "2027-01-15")
    assert result.exit_code == 2
    assert "2027-01-15" in result.output and "2026-12-31" in result.output
    assert "--assume-latest-rates" in result.output


def test_simulate_salary_assumes_the_latest_rates_when_asked(app, rates_folder):
    result = run(app, "--date", "2027-01-15", "--assume-latest-rates")
    assert result.exit_code == 0, result.output
    assert "2026-06-01" in result.output and "2026-12-31" in result.output
    data = json.loads(run(app, "--date", "2027-01-15", "--assume-latest-rates", "--json").output)
    assert data["rates"] == {"valid_from": "2026-06-01", "valid_until": "2026-12-31", "stale": True}


def test_simulate_salary_within_the_rates_needs_no_flag(app, rates_folder):
    result = run(app, "--date", "2026-12-31", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rates"]["stale"] is False


def test_the_home_page_says_which_rates_estimated_the_salary(client, entrepreneur, rates_ended):
    login(client, entrepreneur.email)
    page = client.get("/").text
    assert "Estimé avec les taux du 1 janv. 2026" in page
    client.post("/language", data={"locale": "en"})
    page = client.get("/").text
    assert "Estimated with the rates of Jan 1, 2026" in page


def test_the_home_page_says_nothing_while_the_rates_are_current(
    client, entrepreneur, rates_current
):
    login(client, entrepreneur.email)
    page = client.get("/").text
    assert "taux du" not in page and "rates of" not in page


def test_the_salary_simulator_says_which_rates_estimated_it(client, entrepreneur, rates_ended):
    login(client, entrepreneur.email)
    page = client.get("/simulator?amount=2500").text
    assert "Estimé avec les taux du 1 janv. 2026" in page


def test_the_salary_simulator_says_nothing_while_the_rates_are_current(
    client, entrepreneur, rates_current
):
    login(client, entrepreneur.email)
    assert "Estimé avec les taux du" not in client.get("/simulator?amount=2500").text
