"""Payslips, balances and member refs on real databases, PostgreSQL included: numbers beyond
its INTEGER columns are refused as input (404, 422), never a database error (500), and
concurrent pushes of one payslip leave one row."""

import threading
import uuid

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.api.services import create_client
from portal.members.models import Role
from portal.members.services import create_member, member_by_ref
from portal.projection.models import Payslip
from tests.api.test_api_projection import PAYSLIP
from tests.helpers import PASSWORD, get_token, login

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
BEYOND_INTEGER = "2147483648"  # 2**31: PostgreSQL's INTEGER stops one below


@pytest.fixture
def live_app(committed_database, tmp_path):
    """`live_app(kind)` -> (app, bearer headers); an entrepreneur and a staff member exist."""
    apps = []

    def make(kind: str):
        app = create_app(
            {
                "DATABASE_URL": committed_database(kind),
                "PUBLIC_URL": "http://localhost",
                "SECRET_KEY": "x",
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "DATA_DIR": str(tmp_path),
            }
        )
        apps.append(app)
        with app.app_context():
            from portal.db import db

            api_client, secret = create_client(db.session, "Back office", "sync:read sync:write")
            create_member(
                db.session,
                email="camille@example.org",
                full_name="Camille Durand",
                role=Role.ENTREPRENEUR,
                password=PASSWORD,
            )
            create_member(
                db.session,
                email="equipe@example.org",
                full_name="Nadia Benali",
                role=Role.STAFF,
                password=PASSWORD,
            )
            db.session.commit()
            db.session.remove()
        token = get_token(app.test_client(), api_client.client_id, secret)["access_token"]
        return app, {"Authorization": f"Bearer {token}"}

    yield make
    for app in apps:
        app.extensions["database"].engine.dispose()


def write(bearer: dict) -> dict:
    return {**bearer, "Idempotency-Key": str(uuid.uuid4())}


@pytest.mark.parametrize("kind", DATABASES)
def test_member_refs_beyond_integer_ids_are_not_found(live_app, kind):
    app, bearer = live_app(kind)
    with app.app_context():
        from portal.db import db

        assert member_by_ref(db.session, BEYOND_INTEGER) is None
        assert member_by_ref(db.session, "9" * 18) is None
        db.session.remove()
    http = app.test_client()
    balance = {"date": "2026-10-31", "amount": "10.00"}
    responses = [
        http.get(f"/api/v1/members/{BEYOND_INTEGER}", headers=bearer),
        http.put(f"/api/v1/members/{BEYOND_INTEGER}", json={}, headers=write(bearer)),
        http.get(f"/api/v1/members/{BEYOND_INTEGER}/projection", headers=bearer),
        http.put(f"/api/v1/members/{BEYOND_INTEGER}/balance", json=balance, headers=write(bearer)),
        http.post(
            "/api/v1/payslips", json={**PAYSLIP, "member": BEYOND_INTEGER}, headers=write(bearer)
        ),
    ]
    assert [response.status_code for response in responses] == [404] * 5
    login(http, "equipe@example.org")
    assert http.get(f"/staff/entrepreneurs/{BEYOND_INTEGER}").status_code == 404


@pytest.mark.parametrize("kind", DATABASES)
def test_amounts_up_to_10_million_are_stored_and_beyond_are_422(live_app, kind):
    app, bearer = live_app(kind)
    http = app.test_client()
    largest = {**PAYSLIP, "gross": "10000000.00", "net": "10000000.00"}
    largest["employer_cost"] = "10000000.00"
    assert http.post("/api/v1/payslips", json=largest, headers=write(bearer)).status_code == 201
    too_large = {**largest, "period": "2026-11", "employer_cost": "10000000.01"}
    response = http.post("/api/v1/payslips", json=too_large, headers=write(bearer))
    assert response.status_code == 422
    assert response.json["error"]["field"] == "employer_cost"
    url = "/api/v1/members/camille@example.org/balance"
    owed = {"date": "2026-10-31", "amount": "-10000000.00"}
    assert http.put(url, json=owed, headers=write(bearer)).status_code == 200
    owed["amount"] = "-99999999999.99"
    assert http.put(url, json=owed, headers=write(bearer)).status_code == 422
    projection = http.get("/api/v1/members/camille@example.org/projection", headers=bearer)
    assert projection.status_code == 200


@pytest.mark.parametrize("kind", DATABASES)
def test_concurrent_pushes_of_one_months_payslip_leave_one_row(live_app, kind):
    app, bearer = live_app(kind)
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    statuses = []

    def push(number: int) -> None:
        http = app.test_client()
        body = {**PAYSLIP, "gross": f"{1500 + number}.00"}
        barrier.wait()
        statuses.append(http.post("/api/v1/payslips", json=body, headers=write(bearer)).status_code)

    threads = [threading.Thread(target=push, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        from portal.db import db

        payslips = db.session.scalar(select(func.count()).select_from(Payslip))
        db.session.remove()
    assert payslips == 1
    assert sorted(statuses) and set(statuses) <= {200, 201} and 201 in statuses
