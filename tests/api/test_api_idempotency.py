"""Idempotency-Key: a retry replays the first response and changes nothing."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.api.models import IdempotencyKey
from portal.members.models import Member
from portal.sync.models import Change
from tests.helpers import write_headers


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_replaying_a_write_50_times_has_one_effect(client, bearer, db_session):
    headers = write_headers(bearer, "create-lea-1")
    body = {"name": "Léa Blanc", "hourly_rate": "13.00"}
    members, changes = _count(db_session, Member), _count(db_session, Change)
    first = client.put("/api/v1/members/lea@example.org", json=body, headers=headers)
    assert first.status_code == 201
    for _ in range(50):
        again = client.put("/api/v1/members/lea@example.org", json=body, headers=headers)
        assert again.status_code == 201
        assert again.data == first.data
        assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(db_session, Member) == members + 1
    assert _count(db_session, Change) == changes + 1


def test_same_key_with_another_body_is_422(client, bearer, entrepreneur):
    headers = write_headers(bearer, "k-1")
    url = f"/api/v1/members/{entrepreneur.id}"
    assert client.put(url, json={"name": "A"}, headers=headers).status_code == 200
    response = client.put(url, json={"name": "B"}, headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"


def test_key_order_in_the_json_does_not_matter(client, bearer, entrepreneur):
    headers = write_headers(bearer, "k-order")
    url = f"/api/v1/members/{entrepreneur.id}"
    first = client.put(
        url,
        data='{"name": "A", "status": "associe"}',
        content_type="application/json",
        headers=headers,
    )
    second = client.put(
        url,
        data='{"status":"associe","name":"A"}',
        content_type="application/json",
        headers=headers,
    )
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.data == first.data


def test_missing_or_malformed_key_is_400(client, bearer, entrepreneur):
    url = f"/api/v1/members/{entrepreneur.id}"
    response = client.put(url, json={"name": "A"}, headers=bearer)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "idempotency_key_missing"
    for key in ("", "a b", "x" * 256, "é"):
        response = client.put(url, json={"name": "A"}, headers={**bearer, "Idempotency-Key": key})
        assert response.status_code == 400, key


def test_a_failed_write_is_not_remembered_and_can_be_retried(client, bearer, entrepreneur):
    headers = write_headers(bearer, "k-retry")
    url = f"/api/v1/members/{entrepreneur.id}"
    assert client.put(url, json={"hours_per_week": "99"}, headers=headers).status_code == 422
    # The client fixes nothing but the server's state changed? No: same request, same answer.
    assert client.put(url, json={"hours_per_week": "99"}, headers=headers).status_code == 422
    assert client.put(url, json={"hours_per_week": "20"}, headers=headers).status_code == 200


def test_keys_belong_to_one_client(client, token_for, entrepreneur):
    url = f"/api/v1/members/{entrepreneur.id}"
    one, other = token_for(), token_for()
    assert client.put(url, json={"name": "A"}, headers=write_headers(one, "k")).status_code == 200
    response = client.put(url, json={"name": "B"}, headers=write_headers(other, "k"))
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response.headers


def test_keys_are_forgotten_after_24_hours(client, bearer, entrepreneur, db_session):
    headers = write_headers(bearer, "k-old")
    url = f"/api/v1/members/{entrepreneur.id}"
    assert client.put(url, json={"name": "A"}, headers=headers).status_code == 200
    stored = db_session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "k-old"))
    stored.created_at -= timedelta(hours=25)
    db_session.commit()
    response = client.put(url, json={"name": "B"}, headers=headers)
    assert response.status_code == 200 and response.json["name"] == "B"


def test_every_api_write_endpoint_is_idempotent(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "idempotent", False), rule.rule
