"""The security baseline: headers, cookies, CSRF, friendly errors, access to every route."""

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from portal import create_app
from portal.db import MAX_ID
from tests.helpers import PASSWORD, login

# Routes anyone may open without logging in, on purpose.
PUBLIC_ENDPOINTS = {
    "static",
    "auth.login",
    "auth.forgot_password",
    "auth.reset_password",
    "home.set_language",
    "web.health",
    "web.ready",  # a load balancer asks, with no session
    "web.metrics",  # by address or token (portal/web/monitoring.py), never by session
    "web.favicon",
    "offline.service_worker",  # the browser installs it before anyone logs in
    "offline.page",  # the same for everyone: no personal data
    "offline.session",  # 401 in JSON without a session, for the queue of kept receipts
    "calendar.feed",  # authenticated by the secret token in its URL
    # The customer's answer to a quote: no account, the secret token in its URL (a wrong
    # one is a 404: tests/web/quotes/).
    "quotes.answer",
    "quotes.answer_pdf",
    "quotes.accept",
    "quotes.refuse",
    "oauth.token",
}


def _example_url(rule: Rule, number: int = 1) -> str:
    values = {
        name: number if isinstance(rule._converters.get(name), NumberConverter) else "x"
        for name in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]


def _takes_a_number(rule: Rule) -> bool:
    return any(isinstance(c, NumberConverter) for c in rule._converters.values())


# The sync API authenticates with bearer tokens, never the session: tests/api checks that
# each of its routes answers 401 in JSON without one.
TOKEN_BLUEPRINTS = ("api.",)


def test_every_route_requires_login_unless_deliberately_public(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith(TOKEN_BLUEPRINTS):
            continue
        url = _example_url(rule)
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.location.startswith("/login"), (method, url)
            checked += 1
    assert checked >= 3


# Ids are INTEGER columns: PostgreSQL fails on a larger number where SQLite finds nothing,
# so these tests mean most on the PostgreSQL run.
TOO_LARGE_IDS = (str(MAX_ID + 1), "99999999999999999999")


def test_no_route_fails_on_the_largest_id_or_any_larger_number(app, client, admin):
    login(client, admin.email)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not _takes_a_number(rule) or rule.endpoint.startswith(TOKEN_BLUEPRINTS):
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            largest = client.open(_example_url(rule, MAX_ID), method=method)
            assert largest.status_code == 404, (method, rule.rule, largest.status_code)
            for number in TOO_LARGE_IDS:
                url = _example_url(rule, int(number))
                response = client.open(url, method=method)
                assert response.status_code in (404, 405), (method, url, response.status_code)
            checked += 1
    assert checked >= 30


# Every query-string key and form field that names a row, on every page that reads one.
ID_ARGUMENTS = ("member", "category", "customer_id", "page", "year", "month", "activity")


@pytest.mark.parametrize("number", [*TOO_LARGE_IDS, "-1", "²", "٣"])
def test_no_page_fails_on_a_number_no_row_can_have_in_its_query(app, client, admin, number):
    login(client, admin.email)
    query = "&".join(f"{name}={number}" for name in ID_ARGUMENTS)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith(TOKEN_BLUEPRINTS):
            continue
        if rule.arguments or rule.endpoint in {"static", "auth.logout"}:
            continue
        with client.get(f"{rule.rule}?{query}") as response:
            response.get_data()  # a streamed export runs its queries only now
            assert response.status_code < 500, (rule.rule, response.status_code)


@pytest.mark.parametrize("number", [*TOO_LARGE_IDS, "²"])
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/staff/invoices/validate", "ids"),
        ("/invoices/new", "customer_id"),
        ("/receipts/categories", "category_id"),
    ],
)
def test_no_form_fails_on_a_number_no_row_can_have(client, admin, url, field, number):
    login(client, admin.email)
    response = client.post(url, data={field: number})
    assert response.status_code < 500, response.status_code


def test_public_endpoints_all_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC_ENDPOINTS


def test_content_security_policy_forbids_inline_and_eval_scripts(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy


def test_pages_have_no_inline_script(logged_in):
    html = logged_in.get("/").text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert re.search(r"<[^>]+\son[a-z]+=", html) is None  # no onclick= and the like


def test_protective_headers_on_every_page(client):
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite_lax(client, entrepreneur):
    response = login(client, entrepreneur.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(client, entrepreneur):
    response = client.post(
        "/login",
        base_url="https://localhost",
        data={"email": entrepreneur.email, "password": PASSWORD},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_personal_pages_are_not_cached(logged_in):
    assert logged_in.get("/").headers["Cache-Control"] == "no-store"


def test_pages_vary_on_htmx_header(logged_in):
    assert "HX-Request" in logged_in.get("/").headers["Vary"]


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_form_without_csrf_token_is_refused_with_a_clear_page(client, entrepreneur, csrf_on):
    response = login(client, entrepreneur.email)
    assert response.status_code == 400
    assert "Votre formulaire a expiré" in response.text


def test_an_error_answering_htmx_is_shown_as_the_whole_page(client, entrepreneur, csrf_on):
    response = client.post("/login", headers={"HX-Request": "true"}, data={"email": "x"})
    assert response.status_code == 400
    assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == ("body", "innerHTML")
    assert "Votre formulaire a expiré" in response.text
    plain = client.get("/no/such/page")
    assert "HX-Retarget" not in plain.headers


def test_htmx_request_with_csrf_header_is_accepted(client, entrepreneur, csrf_on):
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        headers={"X-CSRFToken": token, "HX-Request": "true"},
        data={"email": entrepreneur.email, "password": PASSWORD},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"


class _TenMinutesAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 600


def test_the_answer_to_a_checked_post_carries_the_token_it_was_checked_with(
    app, client, entrepreneur, csrf_on, monkeypatch
):
    """Tokens live as long as the session, so the answer's forms reuse the token the post
    was checked with instead of signing the secret again; with a time limit, a new one."""
    client.get("/login")
    with client.session_transaction() as session:
        secret = session["csrf_token"]
    signed = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=_TenMinutesAgo)
    token = signed.dumps(secret)  # as a page shown ten minutes ago carries it
    wrong = {"csrf_token": token, "email": entrepreneur.email, "password": "not it"}
    tokens = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

    answer = client.post("/login", data=wrong)
    assert "incorrect" in answer.text
    assert set(tokens.findall(answer.text)) == {token}

    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    answer = client.post("/login", data=wrong)
    assert "incorrect" in answer.text
    [fresh] = set(tokens.findall(answer.text))
    assert fresh != token


def test_csrf_header_is_rendered_for_htmx_on_the_body(client, csrf_on):
    page = client.get("/login").text
    assert re.search(r'<body[^>]*hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', page)


def test_unknown_page_is_a_friendly_404_in_french(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page introuvable" in response.text


def test_staff_page_is_403_for_an_entrepreneur(logged_in):
    response = logged_in.get("/admin/settings")
    assert response.status_code == 403
    assert "Accès refusé" in response.text


def test_oversized_request_is_a_friendly_413(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = client.post("/login", data={"email": "x" * 2000, "password": "y"})
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.text


def test_max_content_length_is_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


def test_unexpected_error_is_a_friendly_500_without_details(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "x",
        }
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Un problème est survenu" in response.text
    assert "secret internals" not in response.text


@pytest.mark.parametrize(
    "data",
    [
        {"email": ["a@example.org", "b@example.org"], "password": ""},
        {"email": "é" * 300, "password": "p" * 5000},
        {"remember": "maybe"},
        {},
    ],
)
def test_malformed_login_form_never_causes_a_500(client, entrepreneur, data):
    assert client.post("/login", data=data).status_code == 200


def test_nul_bytes_in_input_are_refused_with_a_clear_page(client):
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "\x00"})
    assert response.status_code == 400
    assert "Requête invalide" in response.text
    assert client.get("/login?next=%00").status_code == 400


def test_the_site_icon_asked_for_beside_a_pdf_is_the_portals(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert re.search(r"/static/icon\.[0-9a-f]{12}\.svg$", response.location)
    with client.get(response.location) as icon:
        assert icon.status_code == 200
