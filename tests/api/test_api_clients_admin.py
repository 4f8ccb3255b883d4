"""API clients from the command line and from the admin page."""

import json
import re

from sqlalchemy import select

from portal.api.commands import create_api_client, list_api_clients, revoke_api_client
from portal.api.models import ApiClient
from tests.helpers import login


def test_create_api_client_prints_id_and_secret_once_as_json(app, client, db_session):
    result = app.test_cli_runner().invoke(
        create_api_client, ["--name", "Compta", "--scopes", "sync:read sync:write"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    stored = db_session.scalar(select(ApiClient).where(ApiClient.client_id == printed["client_id"]))
    assert stored.name == "Compta" and stored.scopes == "sync:read sync:write"
    assert printed["client_secret"] not in stored.secret_hash
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": printed["client_id"],
            "client_secret": printed["client_secret"],
        },
    )
    assert response.status_code == 200


def test_create_api_client_refuses_unknown_scopes(app):
    result = app.test_cli_runner().invoke(create_api_client, ["--name", "X", "--scopes", "admin"])
    assert result.exit_code == 2


def test_list_and_revoke_api_clients(app, make_api_client, db_session):
    api_client, _secret = make_api_client(name="Paie")
    runner = app.test_cli_runner()
    listing = runner.invoke(list_api_clients)
    assert api_client.client_id in listing.output and "active" in listing.output
    assert "secret" not in listing.output.lower()
    assert runner.invoke(revoke_api_client, [api_client.client_id]).exit_code == 0
    db_session.expire_all()
    assert db_session.get(ApiClient, api_client.id).revoked_at is not None
    assert "revoked" in runner.invoke(list_api_clients).output
    assert runner.invoke(revoke_api_client, ["cae_unknown"]).exit_code == 2


def test_admin_page_needs_login_and_admin(client, logged_in):
    assert logged_in.get("/admin/api-clients").status_code == 403


def test_anonymous_is_sent_to_login(app):
    response = app.test_client().get("/admin/api-clients")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_admin_creates_a_client_and_sees_the_secret_once(client, admin, db_session):
    login(client, admin.email)
    response = client.post(
        "/admin/api-clients", data={"name": "Logiciel de paie", "scopes": ["sync:read"]}
    )
    assert response.status_code == 200
    secret = re.search(r"client_secret</dt><dd><code>([^<]+)</code>", response.text).group(1)
    stored = db_session.scalar(select(ApiClient).where(ApiClient.name == "Logiciel de paie"))
    assert stored.scopes == "sync:read"
    assert secret not in client.get("/admin/api-clients").text
    assert "Logiciel de paie" in client.get("/admin/api-clients").text


def test_admin_form_errors_re_render_in_french(client, admin):
    login(client, admin.email)
    response = client.post("/admin/api-clients", data={"name": "", "scopes": []})
    assert response.status_code == 200
    assert "client_secret" not in response.text


def test_admin_revokes_a_client(client, admin, make_api_client, db_session):
    api_client, _secret = make_api_client(name="Ancien logiciel")
    login(client, admin.email)
    response = client.post(
        f"/admin/api-clients/{api_client.client_id}/revoke",
        data={"confirmed": "1"},
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(ApiClient, api_client.id).revoked_at is not None
    page = client.get("/admin/api-clients").text
    assert "Révoqué" in page
