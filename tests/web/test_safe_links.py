"""Links in mail lead only to the portal's public address; reset links are single-use and
throttled; small login hardenings (next=, CSRF token renewal); a changed email is told."""

import re

import pytest
from sqlalchemy import func, select

from portal.auth.models import PasswordResetToken
from portal.outbox.models import OutboxMessage
from tests.helpers import PASSWORD, login


def _mails(db_session) -> list[OutboxMessage]:
    return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _links(db_session) -> list[str]:
    return [
        word
        for message in _mails(db_session)
        for word in message.body.split()
        if "/password/reset/" in word
    ]


def _path(link: str) -> str:
    return link.removeprefix("http://localhost")


def _answer(response) -> tuple[int, str]:
    """The answer a person sees, without its CSRF token (signed with the time)."""
    return response.status_code, re.sub(r"I[\w-]+\.[\w-]+\.[\w-]+", "TOKEN", response.text)


def _new_password(client, link: str, password: str = "a brand new passphrase"):
    return client.post(_path(link), data={"password": password, "confirm": password})


def test_a_reset_link_names_the_public_address_not_the_request_host(
    app, client, db_session, entrepreneur, monkeypatch
):
    # The attacker's host is trusted here, to show that the link ignores it anyway.
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["localhost", "evil.example"])
    response = client.post(
        "/password/forgot",
        data={"email": entrepreneur.email},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 303
    (link,) = _links(db_session)
    assert link.startswith("http://localhost/password/reset/")
    assert "evil" not in _mails(db_session)[0].body


def test_a_request_for_another_host_is_refused_and_mails_nothing(client, db_session, entrepreneur):
    response = client.post(
        "/password/forgot", data={"email": entrepreneur.email}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 400
    assert _mails(db_session) == []


def test_every_mail_link_uses_the_public_address(app, db_session, entrepreneur):
    """A mail queued outside any request (a command) still links to the portal."""
    from portal.links import public_url

    with app.app_context():
        app.config["PUBLIC_URL"], old = "https://portal.coop.example/base", app.config["PUBLIC_URL"]
        try:
            assert public_url("auth.login") == "https://portal.coop.example/base/login"
        finally:
            app.config["PUBLIC_URL"] = old


def test_a_new_link_voids_the_earlier_ones(client, db_session, entrepreneur):
    client.post("/password/forgot", data={"email": entrepreneur.email})
    client.post("/password/forgot", data={"email": entrepreneur.email})
    first, second = _links(db_session)
    refused = _new_password(client, first)
    assert refused.status_code == 302
    assert refused.location.endswith("/password/forgot")
    assert login(client, entrepreneur.email).status_code == 303
    client.post("/logout")
    assert _new_password(client, second).status_code == 303


def test_a_used_link_voids_the_others(client, db_session, entrepreneur):
    client.post("/password/forgot", data={"email": entrepreneur.email})
    (link,) = _links(db_session)
    # Another link made meanwhile (as by a second request in a race), still unused.
    client.post("/password/forgot", data={"email": entrepreneur.email})
    other = _links(db_session)[1]
    db_session.expire_all()
    assert _new_password(client, other).status_code == 303
    assert db_session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
    assert _new_password(client, link, "yet another passphrase").status_code == 302
    assert login(client, entrepreneur.email, "a brand new passphrase").status_code == 303


def test_reset_requests_are_throttled_per_account_with_the_same_answer(
    client, db_session, entrepreneur
):
    answers = [
        client.post("/password/forgot", data={"email": entrepreneur.email}, follow_redirects=True)
        for _ in range(4)
    ]
    assert len(_links(db_session)) == 3
    assert len({_answer(answer) for answer in answers}) == 1


def test_reset_requests_are_throttled_per_address_known_emails_or_not(
    client, db_session, make_member
):
    people = [make_member() for _ in range(11)]
    answers = [
        client.post("/password/forgot", data={"email": person.email}, follow_redirects=True)
        for person in people
    ]
    assert len(_links(db_session)) == 10
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert len({_answer(answer) for answer in [*answers, unknown]}) == 1


def test_another_address_may_still_ask_for_its_own_reset(app, db_session, make_member):
    people = [make_member() for _ in range(11)]
    for person in people[:10]:
        app.test_client().post(
            "/password/forgot",
            data={"email": person.email},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    app.test_client().post(
        "/password/forgot",
        data={"email": people[10].email},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert len(_links(db_session)) == 11


@pytest.mark.parametrize("next_url", ["/\r\nSet-Cookie:x=1", "/sales\n", "/\x01", "/\x7f", "/a\tb"])
def test_next_with_control_characters_goes_home_after_login(client, entrepreneur, next_url):
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": entrepreneur.email, "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.location == "/"


def test_the_csrf_token_is_renewed_at_login(app, client, entrepreneur, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    def token(page: str) -> str:
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    before = token(client.get("/login").text)
    with client.session_transaction() as session:
        secret_before = session["csrf_token"]
    response = client.post(
        "/login", data={"email": entrepreneur.email, "password": PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 303
    client.get("/")
    with client.session_transaction() as session:
        assert session["csrf_token"] != secret_before
    # The token seen before login no longer passes.
    refused = client.post("/logout", data={"csrf_token": before})
    assert refused.status_code == 400
