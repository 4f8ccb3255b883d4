"""Everyone's own profile: details, IBAN for reimbursements (checked mod 97, shown masked),
language, password change with the current one, devices signed in and "sign out everywhere
else". Nothing in it names another member: it is always the current member's."""

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import LoginFailure, LoginSession
from tests.helpers import PASSWORD, login

IBAN = "FR76 3000 6000 0112 3456 7890 189"


def test_everyone_reaches_their_profile_from_the_header(logged_in, app, staff):
    assert 'href="/profile"' in logged_in.get("/").text
    staff_client = app.test_client()
    login(staff_client, staff.email)
    page = staff_client.get("/profile").text
    assert "Mon profil" in page and staff.full_name in page


def test_the_profile_needs_a_login(client):
    assert client.get("/profile").status_code == 302
    assert client.post("/profile/iban", data={"iban": IBAN}).status_code == 302


def test_details_are_saved(logged_in, db_session, entrepreneur):
    response = logged_in.post(
        "/profile",
        data={"full_name": "  Camille   Durand-Petit ", "phone": "06 12 34 56 78",
              "address": "3 rue des Lilas\n69003 Lyon"},
    )  # fmt: skip
    assert response.status_code == 303
    db_session.expire_all()
    assert entrepreneur.full_name == "Camille Durand-Petit"
    assert entrepreneur.phone == "06 12 34 56 78"
    assert entrepreneur.address == "3 rue des Lilas\n69003 Lyon"


def test_the_iban_is_stored_compact_and_shown_masked(logged_in, db_session, entrepreneur):
    assert logged_in.post("/profile/iban", data={"iban": IBAN.lower()}).status_code == 303
    db_session.expire_all()
    assert entrepreneur.iban == "FR7630006000011234567890189"
    page = logged_in.get("/profile").text
    assert "0189" in page and "30006" not in page and "1234567890" not in page
    (event,) = db_session.scalars(select(AuditEvent).where(AuditEvent.event == "iban_changed"))
    assert "30006" not in event.detail


def test_an_invalid_iban_is_refused_and_the_old_one_kept(logged_in, db_session, entrepreneur):
    logged_in.post("/profile/iban", data={"iban": IBAN})
    response = logged_in.post("/profile/iban", data={"iban": "FR76 3000 6000 0112 3456 7890 188"})
    assert response.status_code == 200
    assert "Cet IBAN n" in response.text and "pas valide" in response.text
    db_session.expire_all()
    assert entrepreneur.iban == "FR7630006000011234567890189"


def test_the_language_sets_the_interface_and_is_kept_on_the_account(
    app, logged_in, db_session, entrepreneur
):
    assert logged_in.post("/profile/language", data={"locale": "en"}).status_code == 303
    assert "My profile" in logged_in.get("/profile").text
    db_session.expire_all()
    assert entrepreneur.locale == "en"
    other_device = app.test_client()
    login(other_device, entrepreneur.email)
    assert "My profile" in other_device.get("/profile").text


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failure(
    app, logged_in, db_session, entrepreneur
):
    response = logged_in.post(
        "/profile/password",
        data={"current_password": "not my password", "password": "a brand new passphrase",
              "confirm": "a brand new passphrase"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Le mot de passe actuel est erroné." in response.text
    assert db_session.scalar(select(func.count()).select_from(LoginFailure)) == 1
    assert login(app.test_client(), entrepreneur.email, PASSWORD).status_code == 303


def test_a_password_change_signs_out_the_other_devices_only(app, logged_in, entrepreneur):
    other_device = app.test_client()
    login(other_device, entrepreneur.email)
    new = "a brand new passphrase"
    response = logged_in.post(
        "/profile/password", data={"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 303
    assert logged_in.get("/profile").status_code == 200
    assert other_device.get("/profile").status_code == 302
    assert login(app.test_client(), entrepreneur.email, PASSWORD).status_code == 200
    assert login(app.test_client(), entrepreneur.email, new).status_code == 303


ANDROID = (
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 "
    "Mobile Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def test_devices_are_listed_and_signed_out_everywhere_else(app, client, db_session, entrepreneur):
    phone = app.test_client()
    credentials = {"email": entrepreneur.email, "password": PASSWORD}
    phone.post("/login", data=credentials, headers={"User-Agent": ANDROID})
    client.post("/login", data=credentials, headers={"User-Agent": FIREFOX})
    page = client.get("/profile").text
    assert "Chrome, Android" in page and "Firefox, Linux" in page and "Cet appareil" in page
    response = client.post("/profile/devices/sign-out-others", follow_redirects=True)
    assert "1 autre appareil déconnecté." in response.text
    assert phone.get("/").status_code == 302
    assert client.get("/").status_code == 200
    assert db_session.scalar(select(func.count()).select_from(LoginSession)) == 1
    (event,) = db_session.scalars(select(AuditEvent).where(AuditEvent.event == "sessions_ended"))
    assert event.actor_id == entrepreneur.id


def test_the_profile_shows_only_the_current_members_data(app, logged_in, make_member):
    other = make_member(full_name="Autre Personne", email="autre@example.org")
    other.phone = "07 00 00 00 00"
    page = logged_in.get(f"/profile?member={other.id}").text
    assert "Autre Personne" not in page and "autre@example.org" not in page
    assert logged_in.get(f"/profile/{other.id}").status_code == 404


def test_the_profile_links_to_the_notification_settings_once_they_exist(app, logged_in):
    has_page = "notifications.settings" in app.view_functions
    assert ('href="/notifications/settings"' in logged_in.get("/profile").text) is has_page
