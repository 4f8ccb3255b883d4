"""Members through the API: read by id or email, create or update with PUT, idempotently."""

import json

import pytest
from sqlalchemy import func, select

from portal.accounts.services import deactivate_member, reactivate_member
from portal.errors import DomainError
from portal.members.models import Member, MemberStatus, StatusChange
from portal.members.services import put_entrepreneur
from portal.outbox.models import OutboxMessage
from portal.sync.models import Change
from tests.helpers import write_headers


def test_member_by_id_and_by_email_with_money_as_strings(client, bearer, entrepreneur):
    by_id = client.get(f"/api/v1/members/{entrepreneur.id}", headers=bearer)
    by_email = client.get("/api/v1/members/CAMILLE@example.org", headers=bearer)
    assert by_id.status_code == by_email.status_code == 200
    assert by_id.json == by_email.json
    member = by_id.json
    assert member["status"] == "salarie"
    assert member["contract"] == {
        "hours_per_week": "24.00",
        "hourly_rate": "14.50",
        "contribution_rate": None,
        "effective_contribution_rate": "0.10",
    }
    assert member["activities"] == ["Cours d'anglais", "Traduction"]


@pytest.mark.parametrize("ref", ["999999", "nobody@example.org", "abc", "1" * 30])
def test_unknown_member_is_a_404_problem(client, bearer, ref):
    response = client.get(f"/api/v1/members/{ref}", headers=bearer)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_put_creates_an_entrepreneur_by_email(client, bearer, db_session):
    body = {
        "name": "Inès Roy",
        "status": "salarie",
        "hours_per_week": "17.5",
        "hourly_rate": "15.20",
        "contribution_rate": "0.08",
        "activities": ["Menuiserie"],
    }
    response = client.put(
        "/api/v1/members/ines@example.org", json=body, headers=write_headers(bearer)
    )
    assert response.status_code == 201, response.json
    assert response.headers["Location"] == f"/api/v1/members/{response.json['id']}"
    member = db_session.scalar(select(Member).where(Member.email == "ines@example.org"))
    assert member.status is MemberStatus.EMPLOYEE
    assert member.hourly_gross_rate_cents == 1520
    assert str(member.contribution_rate) in ("0.0800", "0.08")
    assert response.json["contract"]["hours_per_week"] == "17.50"


def test_put_updates_and_records_a_change(client, bearer, entrepreneur, db_session):
    before = db_session.scalar(select(func.count()).select_from(Change))
    response = client.put(
        f"/api/v1/members/{entrepreneur.id}",
        json={"hours_per_week": 30, "activities": ["Traduction", "Interprétariat"]},
        headers=write_headers(bearer),
    )
    assert response.status_code == 200, response.json
    assert response.json["contract"]["hours_per_week"] == "30.00"
    assert response.json["activities"] == ["Interprétariat", "Traduction"]
    assert response.json["name"] == "Camille Durand"  # left out: kept
    assert db_session.scalar(select(func.count()).select_from(Change)) == before + 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"hourly_rate": 14.5}, "hourly_rate"),
        ({"hourly_rate": "14.505"}, "hourly_rate"),
        ({"hours_per_week": "60"}, "hours_per_week"),
        ({"hours_per_week": True}, "hours_per_week"),
        ({"contribution_rate": "1.5"}, "contribution_rate"),
        ({"status": "boss"}, "status"),
        ({"name": ""}, "name"),
        ({"activities": "Traduction"}, "activities"),
        ({"email": "not an email"}, "email"),
        ({"password": "x"}, "password"),
    ],
)
def test_put_refuses_bad_fields_with_422_naming_them(client, bearer, entrepreneur, body, field):
    response = client.put(
        f"/api/v1/members/{entrepreneur.id}", json=body, headers=write_headers(bearer)
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == field


def test_put_refuses_non_json_and_non_objects(client, bearer, entrepreneur):
    url = f"/api/v1/members/{entrepreneur.id}"
    response = client.put(url, data="name=x", headers=write_headers(bearer))
    assert response.status_code == 415
    response = client.put(
        url, data="{", content_type="application/json", headers=write_headers(bearer)
    )
    assert response.status_code == 400
    response = client.put(url, json=[1], headers=write_headers(bearer))
    assert response.status_code == 422
    response = client.put(url, json={"name": "a\x00b"}, headers=write_headers(bearer))
    assert response.status_code == 400


def test_put_on_a_staff_account_is_refused(client, bearer, staff):
    response = client.put(
        f"/api/v1/members/{staff.id}", json={"name": "X"}, headers=write_headers(bearer)
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "rule_broken"


def test_put_by_unknown_id_is_404(client, bearer):
    response = client.put("/api/v1/members/424242", json={}, headers=write_headers(bearer))
    assert response.status_code == 404


def test_put_with_a_stale_if_match_is_412(client, bearer, entrepreneur):
    url = f"/api/v1/members/{entrepreneur.id}"
    etag = client.get(url, headers=bearer).headers["ETag"]
    fresh = client.put(
        url, json={"name": "Camille D."}, headers={**write_headers(bearer), "If-Match": etag}
    )
    assert fresh.status_code == 200
    stale = client.put(
        url, json={"name": "Other"}, headers={**write_headers(bearer), "If-Match": etag}
    )
    assert stale.status_code == 412


def test_member_read_answers_304_when_unchanged(client, bearer, entrepreneur):
    url = f"/api/v1/members/{entrepreneur.id}"
    etag = client.get(url, headers=bearer).headers["ETag"]
    assert client.get(url, headers={**bearer, "If-None-Match": etag}).status_code == 304


def test_api_messages_follow_accept_language(client, bearer, staff):
    response = client.put(
        f"/api/v1/members/{staff.id}",
        json={"name": "X"},
        headers={**write_headers(bearer), "Accept-Language": "fr"},
    )
    assert "équipe" in response.json["error"]["message"]
    english = client.put(
        f"/api/v1/members/{staff.id}", json={"name": "X"}, headers=write_headers(bearer)
    )
    assert "support team" in english.json["error"]["message"]


def test_body_is_json_with_problem_type(client, bearer):
    response = client.get("/api/v1/members/0", headers=bearer)
    body = json.loads(response.data)
    assert {"type", "title", "status", "detail", "error"} <= set(body)
    assert body["status"] == 404


def test_a_deactivated_member_says_so_in_the_api_and_the_feed(
    client, bearer, db_session, entrepreneur, admin
):
    deactivate_member(db_session, entrepreneur, admin)
    db_session.commit()
    assert client.get(f"/api/v1/members/{entrepreneur.id}", headers=bearer).json["active"] is False
    feed = client.get("/api/v1/changes?limit=1000", headers=bearer).json["items"]
    last = [item for item in feed if item["entity"] == "member"][-1]
    assert last["id"] == str(entrepreneur.id) and last["data"]["active"] is False
    reactivate_member(db_session, entrepreneur, admin)
    db_session.commit()
    assert client.get(f"/api/v1/members/{entrepreneur.id}", headers=bearer).json["active"] is True


def test_an_hourly_rate_above_the_contract_limit_is_refused(
    client, bearer, entrepreneur, db_session
):
    response = client.put(
        f"/api/v1/members/{entrepreneur.id}",
        json={"hourly_rate": "1000.01"},
        headers=write_headers(bearer),
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == "hourly_rate"
    db_session.expire_all()
    assert entrepreneur.hourly_gross_rate_cents == 1450


def test_a_refused_contract_leaves_the_email_and_its_mail_untouched(db_session, entrepreneur):
    """The service refuses before it changes anything, whoever calls it."""
    with pytest.raises(DomainError, match="rate"):
        put_entrepreneur(
            db_session, entrepreneur, "new@example.org", hourly_gross_rate_cents=100_001
        )
    assert entrepreneur.email == "camille@example.org"
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_status_changed_by_the_back_office_joins_the_dated_history(
    client, bearer, entrepreneur, db_session
):
    response = client.put(
        f"/api/v1/members/{entrepreneur.id}",
        json={"status": "associe"},
        headers=write_headers(bearer),
    )
    assert response.status_code == 200
    steps = db_session.scalars(
        select(StatusChange).where(StatusChange.member_id == entrepreneur.id).order_by(
            StatusChange.id)
    ).all()  # fmt: skip
    assert [(s.from_status, s.to_status) for s in steps][-1] == (
        MemberStatus.EMPLOYEE,
        MemberStatus.ASSOCIATE,
    )
    assert steps[-1].note.startswith("API ")
