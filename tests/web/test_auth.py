from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import (
    LoginFailure,
    LoginSession,
    PasswordResetRequest,
    PasswordResetToken,
)
from portal.auth.services import LockoutPolicy, LoginLocked, Purged, authenticate, purge_expired
from portal.db import utcnow
from portal.errors import DomainError
from portal.outbox.models import OutboxMessage
from tests.helpers import PASSWORD, login


def test_login_with_right_password_opens_the_home_page(client, entrepreneur):
    response = login(client, entrepreneur.email)
    assert response.status_code == 303
    assert response.location == "/"
    home = client.get("/")
    assert "Camille" in home.text


def test_login_email_is_case_and_space_insensitive(client, entrepreneur):
    assert login(client, "  CAMILLE@Example.org ").status_code == 303


def test_unknown_email_and_wrong_password_get_the_same_message(client, entrepreneur):
    unknown = login(client, "nobody@example.org")
    wrong = login(client, entrepreneur.email, "not the password")
    assert unknown.status_code == wrong.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in unknown.text
    assert "Adresse e-mail ou mot de passe incorrect." in wrong.text


def test_empty_login_form_says_what_is_missing(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 200
    assert "Ce champ est requis." in response.text


def test_inactive_member_cannot_log_in(client, entrepreneur, db_session):
    entrepreneur.active = False
    db_session.commit()
    assert login(client, entrepreneur.email).status_code == 200


def test_password_is_stored_as_argon2id_with_owasp_parameters(entrepreneur):
    assert entrepreneur.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_ten_failures_for_an_account_slow_that_address_even_with_the_right_password(
    client, entrepreneur
):
    for _ in range(10):
        login(
            client,
            entrepreneur.email,
            "wrong password",
        )
    response = login(client, entrepreneur.email)
    assert response.status_code == 200
    assert "connexion est bloquée" in response.text
    assert "15 minutes" in response.text


def test_nine_failures_do_not_lock(client, entrepreneur):
    for _ in range(9):
        login(client, entrepreneur.email, "wrong password")
    assert login(client, entrepreneur.email).status_code == 303


def test_many_failures_from_one_address_slow_it_for_every_account(db_session, make_member):
    target = make_member(email="target@example.org")
    now = utcnow()
    for number in range(5):
        db_session.add(LoginFailure(email=f"guess{number}@example.org", ip="10.0.0.1", at=now))
    db_session.flush()
    policy = LockoutPolicy(max_failures_per_address=5)
    with pytest.raises(LoginLocked):
        authenticate(db_session, target.email, PASSWORD, "10.0.0.1", now, policy)
    assert authenticate(db_session, target.email, PASSWORD, "10.0.0.2", now, policy) == target


def test_the_owner_logs_in_from_another_address_while_the_attackers_is_slowed(
    db_session, entrepreneur
):
    now = utcnow()
    policy = LockoutPolicy()
    for _ in range(policy.max_failures):
        with pytest.raises(DomainError):
            authenticate(db_session, entrepreneur.email, "wrong guess", "203.0.113.9", now, policy)
    with pytest.raises(LoginLocked):
        authenticate(db_session, entrepreneur.email, PASSWORD, "203.0.113.9", now, policy)
    owner = authenticate(db_session, entrepreneur.email, PASSWORD, "198.51.100.7", now, policy)
    assert owner == entrepreneur
    # The owner's success does not free the attacker's address.
    with pytest.raises(LoginLocked):
        authenticate(db_session, entrepreneur.email, PASSWORD, "203.0.113.9", now, policy)


def test_unknown_emails_are_locked_too_so_lockout_reveals_nothing(client):
    for _ in range(10):
        login(client, "nobody@example.org", "wrong password")
    assert "connexion est bloquée" in login(client, "nobody@example.org").text


def test_lock_ends_fifteen_minutes_after_the_tenth_failure(db_session, entrepreneur):
    now = utcnow()
    # Ten failures spread over the last 20 minutes: the tenth, 5 minutes ago, locks until +10.
    for minutes_ago in (20, 18, 16, 14, 12, 10, 9, 8, 6, 5):
        db_session.add(
            LoginFailure(
                email=entrepreneur.email, ip="10.0.0.1", at=now - timedelta(minutes=minutes_ago)
            )
        )
    db_session.flush()
    policy = LockoutPolicy()
    try:
        authenticate(db_session, entrepreneur.email, PASSWORD, "10.0.0.1", now, policy)
    except DomainError as error:
        assert error.until == now - timedelta(minutes=5) + timedelta(minutes=15)
    else:
        raise AssertionError("login should be locked")
    later = now + timedelta(minutes=10, seconds=1)
    assert authenticate(db_session, entrepreneur.email, PASSWORD, "10.0.0.1", later, policy)


def test_failures_are_counted_in_the_database_shared_by_processes(client, db_session, entrepreneur):
    login(client, entrepreneur.email, "wrong password")
    count = db_session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == entrepreneur.email)
    )
    assert count == 1


def test_success_clears_the_account_failure_count_from_that_address(
    client, db_session, entrepreneur
):
    for _ in range(3):
        login(client, entrepreneur.email, "wrong password")
    login(client, entrepreneur.email)
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.email == entrepreneur.email)
        )
        == 0
    )


def test_logout_makes_a_copied_session_cookie_useless(app, logged_in):
    cookie = logged_in.get_cookie("portal_session").value
    assert logged_in.post("/logout").status_code == 303
    thief = app.test_client()
    thief.set_cookie("portal_session", cookie)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_logout_ends_only_this_device(app, client, entrepreneur, db_session):
    other_device = app.test_client()
    login(client, entrepreneur.email)
    login(other_device, entrepreneur.email)
    client.post("/logout")
    assert other_device.get("/").status_code == 200


def test_remember_me_keeps_the_cookie_after_the_browser_closes(client, entrepreneur):
    login(client, entrepreneur.email, remember="y")
    cookie = client.get_cookie("portal_session")
    assert cookie.expires is not None


def test_without_remember_me_the_cookie_ends_with_the_browser(client, db_session, entrepreneur):
    login(client, entrepreneur.email)
    assert client.get_cookie("portal_session").expires is None
    login_session = db_session.scalar(select(LoginSession))
    assert login_session.expires_at - login_session.created_at == timedelta(hours=12)


def test_expired_login_session_is_logged_out(client, db_session, entrepreneur):
    login(client, entrepreneur.email)
    login_session = db_session.scalar(select(LoginSession))
    login_session.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    assert client.get("/").status_code == 302


def test_next_parameter_never_leaves_the_site(client, entrepreneur):
    response = client.post(
        "/login?next=//evil.example/", data={"email": entrepreneur.email, "password": PASSWORD}
    )
    assert response.location == "/"


def test_next_parameter_returns_to_the_page_asked_for(client, admin):
    response = client.post(
        "/login?next=/admin/settings", data={"email": admin.email, "password": PASSWORD}
    )
    assert response.location == "/admin/settings"


def _reset_link(db_session) -> str:
    message = db_session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    return next(word for word in message.body.split() if "/password/reset/" in word)


def test_password_reset_by_emailed_single_use_link(client, db_session, entrepreneur):
    response = client.post("/password/forgot", data={"email": entrepreneur.email})
    assert response.status_code == 303
    link = _reset_link(db_session)
    path = link.split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    new_password = "a brand new passphrase"
    response = client.post(path, data={"password": new_password, "confirm": new_password})
    assert response.status_code == 303
    assert login(client, entrepreneur.email, PASSWORD).status_code == 200
    assert login(client, entrepreneur.email, new_password).status_code == 303
    # Spent: the same link no longer works.
    client.post("/logout")
    reused = client.post(
        path, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}
    )
    assert reused.status_code == 302
    assert reused.location.endswith("/password/forgot")


def test_reset_request_for_unknown_email_sends_nothing_and_says_the_same(client, db_session):
    response = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert "un lien de réinitialisation" in response.text
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_expired_reset_link_is_refused(client, db_session, entrepreneur):
    client.post("/password/forgot", data={"email": entrepreneur.email})
    path = _reset_link(db_session).split("localhost", 1)[1]
    token = db_session.scalar(select(PasswordResetToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    response = client.get(path, follow_redirects=True)
    assert "invalide ou a expiré" in response.text


def test_reset_refuses_a_short_password_and_keeps_the_old_one(client, db_session, entrepreneur):
    client.post("/password/forgot", data={"email": entrepreneur.email})
    path = _reset_link(db_session).split("localhost", 1)[1]
    response = client.post(path, data={"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert "12" in response.text
    assert login(client, entrepreneur.email).status_code == 303


def test_reset_ends_every_login_session(app, client, db_session, entrepreneur):
    other_device = app.test_client()
    login(other_device, entrepreneur.email)
    client.post("/password/forgot", data={"email": entrepreneur.email})
    path = _reset_link(db_session).split("localhost", 1)[1]
    client.post(
        path, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    )
    assert other_device.get("/").status_code == 302


def test_the_nightly_purge_keeps_only_what_the_throttles_and_logins_still_need(
    db_session, entrepreneur
):
    now = utcnow()
    window = timedelta(minutes=15)
    days_ago, hours = now - timedelta(days=2), timedelta(hours=1)
    typed = {"email": "x@example.org", "ip": "10.0.0.1"}

    def session_until(key: str, until):
        return LoginSession(token_hash=key * 64, member=entrepreneur, expires_at=until)

    def link_until(key: str, until):
        return PasswordResetToken(token_hash=key * 64, member=entrepreneur, expires_at=until)

    rows = {
        "old failure": LoginFailure(**typed, at=days_ago),
        "recent failure": LoginFailure(**typed, at=now - window),
        "old request": PasswordResetRequest(**typed, at=days_ago),
        "recent request": PasswordResetRequest(**typed, at=now),
        "ended session": session_until("a", now - timedelta(seconds=1)),
        "live session": session_until("b", now + hours),
        "expired link": link_until("c", now - hours),
        "live link": link_until("d", now + hours),
    }
    db_session.add_all(rows.values())
    db_session.flush()
    ids = {name: (type(row), row.id) for name, row in rows.items()}

    assert purge_expired(db_session, now, window) == Purged(1, 1, 1, 1)
    db_session.expire_all()
    left = {name for name, (model, id_) in ids.items() if db_session.get(model, id_)}
    assert left == {"recent failure", "recent request", "live session", "live link"}
