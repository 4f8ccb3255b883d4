"""OAuth2 client credentials: tokens, secrets stored hashed, scopes, revocation, expiry."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.api.models import ApiClient, ApiToken
from portal.api.services import count_request, create_client, digest, revoke_client
from portal.db import db, utcnow
from portal.transaction import write_transaction
from tests.helpers import basic, committed_app, get_token


def test_token_by_http_basic_lives_at_most_an_hour_without_refresh_token(client, make_api_client):
    api_client, secret = make_api_client()
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(api_client.client_id, secret),
    )
    assert response.status_code == 200
    token = response.json
    assert token["token_type"] == "Bearer"
    assert 0 < token["expires_in"] <= 3600
    assert "refresh_token" not in token
    assert token["scope"] == "sync:read sync:write"
    assert response.headers["Cache-Control"] == "no-store"


def test_token_by_client_secret_post(client, make_api_client):
    api_client, secret = make_api_client()
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": secret,
        },
    )
    assert response.status_code == 200
    assert response.json["access_token"]


def test_stored_token_expires_within_an_hour_of_issue(client, make_api_client, db_session):
    api_client, secret = make_api_client()
    get_token(client, api_client.client_id, secret)
    stored = db_session.scalar(select(ApiToken).where(ApiToken.client_id == api_client.id))
    assert stored.expires_at - stored.issued_at <= timedelta(hours=1)


def test_wrong_secret_is_a_401_json_error(client, make_api_client):
    api_client, _secret = make_api_client()
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(api_client.client_id, "not-the-secret"),
    )
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_unknown_client_and_missing_credentials_are_refused(client):
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic("cae_x", "y")
    )
    assert response.status_code == 401
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert response.status_code in (400, 401)
    assert response.is_json


def test_token_endpoint_answers_json_for_a_get_and_a_bad_grant(client, make_api_client):
    response = client.get("/oauth/token")
    assert response.status_code == 405 and response.is_json
    api_client, secret = make_api_client()
    response = client.post(
        "/oauth/token", data={"grant_type": "password"}, headers=basic(api_client.client_id, secret)
    )
    assert response.status_code == 400
    assert response.json["error"] == "unsupported_grant_type"


def test_secrets_and_tokens_are_stored_only_as_hashes(client, make_api_client, db_session):
    api_client, secret = make_api_client()
    token = get_token(client, api_client.client_id, secret)["access_token"]
    stored_client = db_session.get(ApiClient, api_client.id)
    assert secret not in stored_client.secret_hash
    assert stored_client.secret_hash == digest(secret)
    stored_token = db_session.scalar(select(ApiToken).where(ApiToken.client_id == api_client.id))
    assert stored_token.token_hash == digest(token)


def test_a_client_gets_only_its_own_scopes(client, make_api_client):
    api_client, secret = make_api_client(scopes="sync:read")
    assert get_token(client, api_client.client_id, secret)["scope"] == "sync:read"
    narrowed = get_token(client, api_client.client_id, secret, scope="sync:read sync:write")
    assert narrowed["scope"] == "sync:read"
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "sync:write"},
        headers=basic(api_client.client_id, secret),
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


def test_missing_token_is_a_401_problem_with_www_authenticate(client):
    response = client.get("/api/v1/changes")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["error"]["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_and_malformed_tokens_are_401(client):
    for header in ("Bearer nope", "Bearer", "Basic abc", "Bearer " + "x" * 5000):
        response = client.get("/api/v1/changes", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"]["code"] == "invalid_token"


def test_read_only_token_gets_403_on_a_write(client, token_for, entrepreneur):
    headers = {**token_for("sync:read"), "Idempotency-Key": "k1"}
    response = client.put(f"/api/v1/members/{entrepreneur.id}", json={}, headers=headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "insufficient_scope"


def test_write_only_token_gets_403_on_a_read(client, token_for):
    response = client.get("/api/v1/changes", headers=token_for("sync:write"))
    assert response.status_code == 403


def test_token_of_a_revoked_client_is_refused(client, make_api_client, db_session):
    api_client, secret = make_api_client()
    token = get_token(client, api_client.client_id, secret)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/changes", headers=headers).status_code == 200
    revoke_client(db_session, api_client.client_id, utcnow())
    db_session.commit()
    assert client.get("/api/v1/changes", headers=headers).status_code == 401
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(api_client.client_id, secret),
    )
    assert response.status_code == 401
    tokens = db_session.scalars(select(ApiToken).where(ApiToken.client_id == api_client.id))
    assert all(t.revoked_at is not None for t in tokens)


def test_expired_token_is_refused(client, make_api_client, db_session):
    api_client, secret = make_api_client()
    token = get_token(client, api_client.client_id, secret)["access_token"]
    stored = db_session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    response = client.get("/api/v1/changes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_session_cookie_does_not_authenticate_the_api(logged_in):
    assert logged_in.get("/api/v1/changes").status_code == 401


def test_rate_limit_answers_429_with_retry_after(client, bearer, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 3)
    statuses = [client.get("/api/v1/changes", headers=bearer).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    response = client.get("/api/v1/changes", headers=bearer)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.json["error"]["code"] == "rate_limited"


@pytest.mark.postgres
def test_the_rate_limit_count_commits_without_waiting_for_the_disk(committed_database, tmp_path):
    """On PostgreSQL every API request's count is a write: its transaction alone skips the
    wait for the disk (a count lost in a crash only lets a client in a few more requests)."""
    app = committed_app(committed_database("postgresql"), tmp_path / "data")
    with app.app_context():
        session = db.session
        client = create_client(session, "Back office", "sync:read")[0]
        session.commit()
        show = text("SHOW synchronous_commit")
        with write_transaction(session):
            assert count_request(session, client.id, utcnow(), 10) is None
            assert session.scalar(show) == "off"
        assert session.scalar(show) == "on"  # the next transaction waits again
        session.rollback()
    app.extensions["database"].engine.dispose()
