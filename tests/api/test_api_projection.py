"""Payslips, balances and projections through the API: the back office pushes what payroll
and accounting know, and reads back the figures of the entrepreneur's home page."""

import json
import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from babel.numbers import format_currency
from sqlalchemy import func, select

from portal.dates import paris_today
from portal.members.models import MemberStatus
from portal.payroll import compute_payslip
from portal.projection.models import BalanceSnapshot, Payslip
from portal.projection.months import add_months, first_of_month
from portal.projection.pay import largest_fundable
from portal.projection.services import coop_terms, projection_for
from portal.sync.models import Change
from tests.helpers import earn, joined, login, write_headers

PORTAL = Path(__file__).parents[2] / "portal"
TODAY = paris_today()
YESTERDAY = TODAY - timedelta(days=1)
PAYSLIP = {
    "member": "camille@example.org",
    "period": "2026-10",
    "gross": "1508.00",
    "net": "1176.24",
    "employer_cost": "1850.00",
}


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def changes(db_session, entity: str) -> int:
    return db_session.scalar(select(func.count()).where(Change.entity == entity))


def post_payslip(client, bearer, key=None, **fields):
    return client.post(
        "/api/v1/payslips", json={**PAYSLIP, **fields}, headers=write_headers(bearer, key)
    )


def put_balance(client, bearer, member, on, amount, key=None):
    return client.put(
        f"/api/v1/members/{member.id}/balance",
        json={"date": on.isoformat(), "amount": amount},
        headers=write_headers(bearer, key),
    )


def projection(client, bearer, member) -> dict:
    response = client.get(f"/api/v1/members/{member.id}/projection", headers=bearer)
    assert response.status_code == 200, response.json
    return response.json


def test_every_entity_the_code_records_has_a_feed_serializer():
    """An entity recorded without a serializer would reach the back office with `data`
    null, as if it had been deleted."""
    from portal.api.serializers import BATCH_SERIALIZERS, SERIALIZERS

    sources = "".join(path.read_text() for path in PORTAL.rglob("*.py"))
    recorded = set(re.findall(r'record_change\(\s*\w+,\s*"(\w+)"', sources))
    assert {"payslip", "balance", "member", "invoice"} <= recorded
    assert recorded <= set(SERIALIZERS) | set(BATCH_SERIALIZERS)


# --- POST /payslips ------------------------------------------------------------------------


def test_payslip_recorded_with_money_as_strings_paid_on_the_periods_last_day(
    client, bearer, entrepreneur, db_session
):
    response = post_payslip(client, bearer)
    assert response.status_code == 201, response.json
    assert response.json | {"id": 0, "recorded_at": ""} == {
        "id": 0,
        "member_id": entrepreneur.id,
        "member": "camille@example.org",
        "period": "2026-10",
        "gross": "1508.00",
        "net": "1176.24",
        "employer_cost": "1850.00",
        "paid_on": "2026-10-31",
        "recorded_at": "",
    }
    payslip = db_session.scalar(select(Payslip))
    assert (payslip.gross_cents, payslip.employer_cost_cents) == (150800, 185000)


def test_payslip_paid_on_is_kept_when_given_and_member_named_by_id(client, bearer, entrepreneur):
    response = post_payslip(
        client, bearer, member=str(entrepreneur.id), period="2026-02", paid_on="2026-03-05"
    )
    assert response.status_code == 201
    assert response.json["paid_on"] == "2026-03-05"


def test_second_payslip_for_the_month_replaces_the_first_with_200(
    client, bearer, entrepreneur, db_session
):
    first = post_payslip(client, bearer)
    correction = post_payslip(client, bearer, gross="1600.00", employer_cost="1960.00")
    assert (first.status_code, correction.status_code) == (201, 200)
    assert correction.json["id"] == first.json["id"]
    assert correction.json["gross"] == "1600.00"
    assert count(db_session, Payslip) == 1
    assert changes(db_session, "payslip") == 2


def test_payslip_and_balance_are_in_the_feed_with_their_data(client, bearer, entrepreneur):
    post_payslip(client, bearer)
    put_balance(client, bearer, entrepreneur, YESTERDAY, "980.00")
    items = client.get("/api/v1/changes?limit=1000", headers=bearer).json["items"]
    by_entity = {item["entity"]: item["data"] for item in items}
    assert by_entity["payslip"]["employer_cost"] == "1850.00"
    assert by_entity["balance"] | {"id": 0, "recorded_at": ""} == {
        "id": 0,
        "member_id": entrepreneur.id,
        "member": "camille@example.org",
        "date": YESTERDAY.isoformat(),
        "amount": "980.00",
        "year_to_date_base": None,
        "in_effect": True,
        "recorded_at": "",
    }


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "26-01"}, "period"),
        ({"period": "1999-12"}, "period"),
        ({"period": 202601}, "period"),
        ({"period": None}, "period"),
        ({"gross": 1508.0}, "gross"),
        ({"gross": "1 508,00"}, "gross"),
        ({"gross": "-1.00"}, "gross"),
        ({"gross": None}, "gross"),
        ({"net": "1600.00"}, "net"),  # more than the gross
        ({"employer_cost": "1000.00"}, "employer_cost"),  # less than the gross
        ({"employer_cost": "20000000.00"}, "employer_cost"),  # beyond 10 M€
        ({"paid_on": "2026-02-30"}, "paid_on"),
        ({"paid_on": "1850-01-31"}, "paid_on"),
        ({"paid_on": "31/10/2026"}, "paid_on"),
        ({"member": ""}, "member"),
        ({"bonus": "10.00"}, "bonus"),
    ],
)
def test_bad_payslip_is_a_422_naming_the_field_and_changes_nothing(
    client, bearer, entrepreneur, db_session, fields, field
):
    response = post_payslip(client, bearer, **fields)
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert response.json["error"]["field"] == field
    assert response.json["detail"]
    assert count(db_session, Payslip) == 0


@pytest.mark.parametrize("member", ["nobody@example.org", "424242", "2147483648", "9" * 30])
def test_payslip_for_an_unknown_member_is_a_404(client, bearer, entrepreneur, member):
    response = post_payslip(client, bearer, member=member)
    assert response.status_code == 404
    assert response.json["error"] == {
        "code": "not_found",
        "message": "No entrepreneur has this id or email.",
        "field": "member",
    }


def test_payslip_for_a_support_team_account_is_a_404(client, bearer, staff, db_session):
    response = post_payslip(client, bearer, member=staff.email)
    assert response.status_code == 404
    assert count(db_session, Payslip) == 0


# --- PUT /members/{ref}/balance ------------------------------------------------------------


def test_balance_recorded_and_the_same_date_again_replaces_it(
    client, bearer, entrepreneur, db_session
):
    first = put_balance(client, bearer, entrepreneur, YESTERDAY, "1000.00")
    again = put_balance(client, bearer, entrepreneur, YESTERDAY, "-250.50")
    assert first.status_code == again.status_code == 200
    assert again.json["amount"] == "-250.50" and again.json["in_effect"] is True
    assert count(db_session, BalanceSnapshot) == 1


def test_an_older_balance_is_kept_but_not_in_effect(client, bearer, entrepreneur):
    put_balance(client, bearer, entrepreneur, YESTERDAY, "1000.00")
    older = put_balance(client, bearer, entrepreneur, YESTERDAY - timedelta(days=30), "50.00")
    assert older.json["in_effect"] is False
    assert projection(client, bearer, entrepreneur)["balance"] == {
        "date": YESTERDAY.isoformat(),
        "amount": "1000.00",
    }


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount": "10.00"}, "date"),
        ({"date": "2026-02-30", "amount": "10.00"}, "date"),
        ({"date": "1999-12-31", "amount": "10.00"}, "date"),
        ({"date": "2026-01-31"}, "amount"),
        ({"date": "2026-01-31", "amount": 10.5}, "amount"),
        ({"date": "2026-01-31", "amount": "1e5"}, "amount"),
        ({"date": "2026-01-31", "amount": "-20000000.00"}, "amount"),
        ({"date": "2026-01-31", "amount": "10.00", "note": "x"}, "note"),
    ],
)
def test_bad_balance_is_a_422_naming_the_field_and_changes_nothing(
    client, bearer, entrepreneur, db_session, body, field
):
    response = client.put(
        f"/api/v1/members/{entrepreneur.id}/balance", json=body, headers=write_headers(bearer)
    )
    assert response.status_code == 422, response.json
    assert response.json["error"]["field"] == field
    assert count(db_session, BalanceSnapshot) == 0


def test_balance_dated_after_today_is_a_422_and_changes_nothing(
    client, bearer, entrepreneur, db_session
):
    response = put_balance(client, bearer, entrepreneur, TODAY + timedelta(days=1), "10.00")
    assert response.status_code == 422, response.json
    assert response.json["error"]["field"] == "date"
    assert "future" in response.json["detail"]
    assert count(db_session, BalanceSnapshot) == 0


def test_balance_at_the_end_of_today_is_accepted(client, bearer, entrepreneur):
    assert put_balance(client, bearer, entrepreneur, TODAY, "10.00").status_code == 200


@pytest.mark.parametrize("ref", ["nobody@example.org", "424242", "2147483648", "abc"])
def test_balance_and_projection_of_an_unknown_member_are_404(client, bearer, ref):
    body = {"date": "2026-01-31", "amount": "10.00"}
    put = client.put(f"/api/v1/members/{ref}/balance", json=body, headers=write_headers(bearer))
    get = client.get(f"/api/v1/members/{ref}/projection", headers=bearer)
    assert put.status_code == get.status_code == 404
    assert get.json["error"]["code"] == "not_found"


def test_support_team_accounts_have_no_balance_nor_projection(client, bearer, staff, db_session):
    assert put_balance(client, bearer, staff, YESTERDAY, "10.00").status_code == 404
    get = client.get(f"/api/v1/members/{staff.id}/projection", headers=bearer)
    assert get.status_code == 404
    assert count(db_session, BalanceSnapshot) == 0


# --- The balance's rule, seen through the projection and the home page ---------------------


def test_movement_on_the_balance_date_is_in_it_and_a_later_one_is_added(
    client, bearer, entrepreneur, issued_invoice
):
    put_balance(client, bearer, entrepreneur, YESTERDAY, "5000.00")
    start = Decimal(projection(client, bearer, entrepreneur)["margin"])

    # Paid on the balance's own date: the balance already holds it.
    on_the_date = post_payslip(client, bearer, period="2025-01", paid_on=YESTERDAY.isoformat())
    assert on_the_date.status_code == 201
    payment = {"invoice_number": issued_invoice.number, "amount": "120.00", "method": "transfer"}
    response = client.post(
        "/api/v1/payments",
        json={**payment, "date": YESTERDAY.isoformat()},
        headers=write_headers(bearer),
    )
    assert response.status_code == 201, response.json
    assert Decimal(projection(client, bearer, entrepreneur)["margin"]) == start

    # Dated after it: added.
    post_payslip(client, bearer, period="2025-02", paid_on=TODAY.isoformat())
    after_payslip = Decimal(projection(client, bearer, entrepreneur)["margin"])
    assert after_payslip == start - Decimal("1850.00")
    client.post(
        "/api/v1/payments",
        json={**payment, "date": TODAY.isoformat()},
        headers=write_headers(bearer),
    )
    ht, ttc = issued_invoice.total_excl_vat_cents, issued_invoice.total_incl_vat_cents
    share = (Decimal(12000 * ht) / ttc).quantize(Decimal(1), ROUND_HALF_UP) / 100
    figures = projection(client, bearer, entrepreneur)
    assert Decimal(figures["margin"]) == after_payslip + share

    # The entrepreneur's home page shows the same margin.
    login(client, entrepreneur.email)
    page = client.get("/").text
    margin_card = page.split('id="margin-title"')[1][:600]
    assert format_currency(Decimal(figures["margin"]), "EUR", locale="fr_FR") in margin_card


def test_projection_has_the_home_pages_figures(client, bearer, entrepreneur, db_session):
    put_balance(client, bearer, entrepreneur, YESTERDAY, "3000.00")
    figures = projection(client, bearer, entrepreneur)
    expected = projection_for(db_session, entrepreneur, TODAY)
    payslip = expected.salary.payslip
    assert figures["date"] == TODAY.isoformat()
    assert figures["margin"] == "3000.00" == f"{expected.margin:.2f}"
    assert figures["next_salary"] == {
        "period": f"{expected.salary.period:%Y-%m}",
        "source": "contract",
        "hours_per_week": "24.00",
        "gross": f"{payslip.gross:.2f}",
        "net_before_tax": f"{payslip.net_before_tax:.2f}",
        "employer_cost": f"{payslip.employer_cost:.2f}",
        "fundable": True,
        "due_periods": [f"{expected.salary.period:%Y-%m}"],
        "due_employer_cost": f"{payslip.employer_cost:.2f}",
    }
    assert figures["sustainable_salary"] is None  # a contract salary
    assert figures["remaining_margin"] == f"{expected.remaining:.2f}"
    assert figures["runway_months"] == expected.runway.months
    assert figures["runway_beyond_horizon"] is False
    # The margin funds more than the contract's salary: the largest gross is above it.
    assert Decimal(figures["max_fundable_gross"]) > payslip.gross
    assert figures["max_fundable_hours_per_week"] == "24.00"
    assert figures["outstanding"] == "0.00"
    assert figures["if_outstanding_paid"] == {
        "margin": "3000.00",
        "remaining_margin": figures["remaining_margin"],
        "runway_months": figures["runway_months"],
        "runway_beyond_horizon": False,
        "max_fundable_gross": figures["max_fundable_gross"],
        "max_fundable_hours_per_week": "24.00",
    }


def test_max_fundable_gross_is_the_home_pages_when_the_margin_falls_short(
    client, bearer, entrepreneur, db_session
):
    put_balance(client, bearer, entrepreneur, YESTERDAY, "900.00")
    figures = projection(client, bearer, entrepreneur)
    expected = projection_for(db_session, entrepreneur, TODAY)
    assert figures["next_salary"]["fundable"] is False
    assert figures["max_fundable_gross"] == f"{expected.largest_fundable.gross:.2f}"
    assert figures["runway_months"] == 0


def test_nothing_fundable_from_a_negative_margin(client, bearer, entrepreneur):
    put_balance(client, bearer, entrepreneur, YESTERDAY, "-100.00")
    figures = projection(client, bearer, entrepreneur)
    assert figures["max_fundable_gross"] == "0.00"
    assert figures["remaining_margin"].startswith("-")


def test_outstanding_invoices_paid_raise_the_margin(client, bearer, entrepreneur, issued_invoice):
    put_balance(client, bearer, entrepreneur, YESTERDAY, "1000.00")
    figures = projection(client, bearer, entrepreneur)
    assert figures["outstanding"] == "1099.99"
    paid = figures["if_outstanding_paid"]
    assert Decimal(paid["margin"]) > Decimal(figures["margin"])
    assert Decimal(paid["max_fundable_gross"]) > Decimal(figures["max_fundable_gross"])


def test_without_a_contract_the_next_salary_is_the_one_the_activity_sustains(
    client, bearer, make_member, db_session, coop, staff
):
    leo = make_member(
        email="leo@example.org",
        status=MemberStatus.SUPPORTED,
        contract_hours_per_week=None,
        hourly_gross_rate_cents=None,
        activities=("Jardinage",),
    )
    joined(db_session, leo, 2)
    earn(db_session, staff, leo, "3000", 1)
    put_balance(client, bearer, leo, YESTERDAY, "6000.00")
    figures = projection(client, bearer, leo)
    # Two complete months since joining: (0 + 2 700) / 2 = 1 350 a month.
    this_month = first_of_month(TODAY)
    sustained = largest_fundable(Decimal(1350), None, this_month, coop_terms(db_session).employer)
    assert figures["sustainable_salary"] == {
        "months": 2,
        "since": f"{add_months(this_month, -2):%Y-%m}",
        "average_monthly_margin": "1350.00",
        "reserve": "0.00",
        "budget": "1350.00",
        "hours_per_week": f"{sustained.hours_per_week:.2f}",
        "gross": f"{sustained.gross:.2f}",
        "net_before_tax": f"{sustained.net_before_tax:.2f}",
        "employer_cost": f"{sustained.employer_cost:.2f}",
    }
    assert figures["next_salary"]["source"] == "potential"
    assert figures["next_salary"]["gross"] == f"{sustained.gross:.2f}"
    assert figures["next_salary"]["due_periods"] == []
    # The whole margin could pay more once, not every month.
    assert Decimal(figures["max_fundable_gross"]) > sustained.gross
    # As on the home page: no "after the salary" nor runway for a salary not yet decided.
    assert figures["remaining_margin"] is None and figures["runway_months"] is None
    assert figures["runway_beyond_horizon"] is False


def test_salaries_due_since_the_last_payslip_are_all_counted(
    client, bearer, entrepreneur, db_session
):
    this_month = first_of_month(TODAY)
    two_ago, last_month = add_months(this_month, -2), add_months(this_month, -1)
    joined(db_session, entrepreneur, 3)
    post_payslip(client, bearer, period=f"{two_ago:%Y-%m}", paid_on=YESTERDAY.isoformat())
    put_balance(client, bearer, entrepreneur, YESTERDAY, "20000.00")
    figures = projection(client, bearer, entrepreneur)
    costs = [
        compute_payslip(Decimal("1508.00"), 24, month).employer_cost
        for month in (last_month, this_month)
    ]
    salary = figures["next_salary"]
    assert salary["period"] == f"{last_month:%Y-%m}"
    assert salary["due_periods"] == [f"{last_month:%Y-%m}", f"{this_month:%Y-%m}"]
    assert salary["due_employer_cost"] == f"{sum(costs):.2f}"
    assert figures["remaining_margin"] == f"{Decimal(20000) - sum(costs):.2f}"


def test_projection_read_answers_304_until_something_changes(client, bearer, entrepreneur):
    url = f"/api/v1/members/{entrepreneur.id}/projection"
    etag = client.get(url, headers=bearer).headers["ETag"]
    assert client.get(url, headers={**bearer, "If-None-Match": etag}).status_code == 304
    put_balance(client, bearer, entrepreneur, YESTERDAY, "10.00")
    assert client.get(url, headers={**bearer, "If-None-Match": etag}).status_code == 200


# --- Idempotency, scopes, garbage ----------------------------------------------------------

WRITES = {
    "payslip": ("post", "/api/v1/payslips", PAYSLIP, {**PAYSLIP, "gross": "1509.00"}),
    "balance": (
        "put",
        "/api/v1/members/camille@example.org/balance",
        {"date": "2026-10-31", "amount": "100.00"},
        {"date": "2026-10-31", "amount": "101.00"},
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_write_replayed_50_times_has_one_effect(client, bearer, entrepreneur, db_session, write):
    method, url, body, _ = WRITES[write]
    model = Payslip if write == "payslip" else BalanceSnapshot
    before = db_session.scalar(select(func.count()).select_from(Change))
    headers = write_headers(bearer, key=f"replay-{write}")
    responses = [getattr(client, method)(url, json=body, headers=headers) for _ in range(50)]
    assert responses[0].status_code in (200, 201)
    assert {r.data for r in responses} == {responses[0].data}
    assert all(r.headers["Idempotent-Replayed"] == "true" for r in responses[1:])
    assert count(db_session, model) == 1
    assert db_session.scalar(select(func.count()).select_from(Change)) == before + 1


@pytest.mark.parametrize("write", WRITES)
def test_same_key_with_another_body_is_422(client, bearer, entrepreneur, db_session, write):
    method, url, body, other = WRITES[write]
    headers = write_headers(bearer, key=f"reuse-{write}")
    assert getattr(client, method)(url, json=body, headers=headers).status_code in (200, 201)
    response = getattr(client, method)(url, json=other, headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("write", WRITES)
def test_a_write_without_idempotency_key_is_400(client, bearer, entrepreneur, db_session, write):
    method, url, body, _ = WRITES[write]
    response = getattr(client, method)(url, json=body, headers=bearer)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "idempotency_key_missing"
    assert count(db_session, Payslip) == count(db_session, BalanceSnapshot) == 0


@pytest.mark.parametrize("write", WRITES)
def test_a_write_with_a_read_only_token_is_403(client, token_for, entrepreneur, db_session, write):
    method, url, body, _ = WRITES[write]
    headers = write_headers(token_for("sync:read"))
    response = getattr(client, method)(url, json=body, headers=headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "insufficient_scope"
    assert count(db_session, Payslip) == count(db_session, BalanceSnapshot) == 0


def test_projection_needs_the_read_scope_and_a_token(client, token_for, entrepreneur):
    url = f"/api/v1/members/{entrepreneur.id}/projection"
    assert client.get(url, headers=token_for("sync:write")).status_code == 403
    assert client.get(url).status_code == 401


@pytest.mark.parametrize(
    "raw, content_type",
    [
        ("", "application/json"),
        ("{", "application/json"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        ('{"member": {"id": 1}}', "application/json"),
        ('{"period": ["2026-01"]}', "application/json"),
        ('{"gross": NaN}', "application/json"),
        ('{"member": "a\\u0000b"}', "application/json"),
        ("[" * 5000, "application/json"),
        ("member=1", "application/x-www-form-urlencoded"),
    ],
)
def test_garbage_is_a_4xx_problem_never_a_500(client, bearer, entrepreneur, raw, content_type):
    for method, url in (
        (client.post, "/api/v1/payslips"),
        (client.put, f"/api/v1/members/{entrepreneur.id}/balance"),
    ):
        response = method(url, data=raw, content_type=content_type, headers=write_headers(bearer))
        assert 400 <= response.status_code < 500, (url, raw, response.status_code)
        assert json.loads(response.data)["status"] == response.status_code


def test_balance_carries_the_year_to_date_base(client, bearer, entrepreneur, db_session):
    response = client.put(
        f"/api/v1/members/{entrepreneur.id}/balance",
        json={"date": YESTERDAY.isoformat(), "amount": "980.00", "year_to_date_base": "20000.00"},
        headers=write_headers(bearer),
    )
    assert response.status_code == 200, response.json
    assert response.json["year_to_date_base"] == "20000.00"
    assert db_session.scalar(select(BalanceSnapshot.year_to_date_base_cents)) == 2_000_000
    items = client.get("/api/v1/changes?limit=1000", headers=bearer).json["items"]
    [balance] = [item["data"] for item in items if item["entity"] == "balance"]
    assert balance["year_to_date_base"] == "20000.00"
    without = put_balance(client, bearer, entrepreneur, YESTERDAY, "980.00")
    assert without.json["year_to_date_base"] is None
