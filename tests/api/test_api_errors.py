"""Everything under /api/ answers JSON problems: never HTML, never a 500 for bad input."""

import pytest
from werkzeug.routing import Rule

from portal import create_app
from portal.api.views import PUBLIC_ENDPOINTS


def _example_url(rule: Rule) -> str:
    return rule.build(dict.fromkeys(rule.arguments, "1"), append_unknown=False)[1]


def test_every_api_route_needs_a_bearer_token(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(_example_url(rule), method=method)
            assert response.status_code == 401, (method, rule.rule)
            assert response.mimetype == "application/problem+json"
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    "method, url, status",
    [
        ("GET", "/api/v1/no/such/thing", 404),
        ("GET", "/api/nothing", 404),
        ("DELETE", "/api/v1/changes", 405),
        ("GET", "/api/v1/members/a%00b", 400),
        ("GET", "/api/v1/changes?after=%00", 400),
    ],
)
def test_http_errors_under_api_are_json_problems(client, bearer, method, url, status):
    response = client.open(url, method=method, headers=bearer)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status
    assert response.json["error"]["code"]
    assert "<html" not in response.text


def test_oversized_body_is_a_413_problem(client, bearer, app, monkeypatch, entrepreneur):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    response = client.put(
        f"/api/v1/members/{entrepreneur.id}",
        json={"name": "x" * 500},
        headers={**bearer, "Idempotency-Key": "big"},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_unexpected_error_under_api_is_a_json_500_without_details(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "x",
        }
    )

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "secret internals" not in response.text


def test_html_pages_keep_their_html_errors(client):
    response = client.get("/no/such/page")
    assert response.mimetype == "text/html"


def test_openapi_document_is_public_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.1")


def test_every_api_write_is_free_of_csrf_tokens_with_csrf_on(app, client, bearer, monkeypatch):
    """Bearer tokens, not the session cookie, authenticate the API: its writes, the modules'
    nested blueprints included, need no CSRF token (the HTML forms still do)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            headers = {**bearer, "Idempotency-Key": f"csrf-{checked}"}
            response = client.open(_example_url(rule), method=method, json={}, headers=headers)
            assert response.status_code in (404, 422), (method, rule.rule, response.text)
            assert "CSRF" not in response.text
            checked += 1
    assert checked >= 5
