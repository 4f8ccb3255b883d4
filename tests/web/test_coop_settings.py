from decimal import Decimal

from sqlalchemy import func, select

from portal.coop.models import CoopSettings
from portal.coop.services import (
    contribution_rate_for,
    coop_settings_for_update,
    get_coop_settings,
)
from tests.helpers import login

VALID = {
    "legal_name": "Coopérative Test",
    "legal_form": "SCOP SARL",
    "address": "1 rue X\n69001 Lyon",
    "siren": "732 829 320",
    "siret": "732 829 320 00074",
    "vat_number": "FR 44 732829320",
    "rcs": "RCS Lyon 732 829 320",
    "share_capital": "15000,50",
    "default_contribution_percent": "11.5",
    "headcount": "25",
    "invoice_number_pattern": "F{year}-{number:05}",
    "credit_note_number_pattern": "A{year}-{number:05}",
    "late_penalty_terms": "Pénalités de retard : taux BCE majoré de 10 points.",
    "early_payment_terms": "Pas d'escompte pour paiement anticipé.",
}


def test_reading_the_settings_before_any_is_saved_writes_nothing(db_session):
    """A GET's or a daily task's read transaction reads the settings: on SQLite it cannot
    write (the worker's reminders failed on a fresh database while another task wrote)."""
    settings = get_coop_settings(db_session)
    assert settings.legal_form == "SCOP SA à capital variable"
    assert settings.invoice_number_pattern == "F{year}-{number:05}"
    assert settings.headcount == 20 and settings.work_accident_rate is None
    assert not db_session.new and not db_session.dirty
    db_session.flush()
    assert db_session.scalar(select(func.count()).select_from(CoopSettings)) == 0
    coop_settings_for_update(db_session).headcount = 12
    db_session.flush()
    assert get_coop_settings(db_session).headcount == 12


def test_admin_saves_the_coop_identity(client, admin, db_session):
    login(client, admin.email)
    response = client.post("/admin/settings", data=VALID)
    assert response.status_code == 303
    settings = db_session.get(CoopSettings, 1)
    assert settings.legal_name == "Coopérative Test"
    assert settings.siren == "732829320"
    assert settings.vat_number == "FR44732829320"
    assert settings.share_capital_cents == 1_500_050
    assert settings.default_contribution_rate == Decimal("0.115")
    assert settings.headcount == 25


def test_invalid_identifiers_are_refused_and_nothing_changes(client, admin, db_session):
    login(client, admin.email)
    before = coop_settings_for_update(db_session).legal_name
    db_session.commit()
    response = client.post(
        "/admin/settings", data={**VALID, "siren": "123456789", "vat_number": "FR00732829320"}
    )
    assert response.status_code == 200
    assert "Un SIREN compte 9 chiffres" in response.text
    assert "Ce numéro de TVA n" in response.text
    db_session.expire_all()
    assert coop_settings_for_update(db_session).legal_name == before


def test_contribution_rate_above_fifty_percent_is_refused(client, admin):
    login(client, admin.email)
    response = client.post("/admin/settings", data={**VALID, "default_contribution_percent": "60"})
    assert response.status_code == 200
    assert "50" in response.text


def test_share_capital_above_ten_million_euros_is_refused(client, admin, db_session):
    login(client, admin.email)
    response = client.post("/admin/settings", data={**VALID, "share_capital": "30 000 000"})
    assert response.status_code == 200
    assert "10000000" in response.text
    assert coop_settings_for_update(db_session).legal_name != VALID["legal_name"]


def test_settings_page_is_for_admins_only(client, staff):
    login(client, staff.email)
    assert client.get("/admin/settings").status_code == 403


def test_member_contribution_rate_defaults_to_the_coop_rate(db_session, entrepreneur):
    settings = coop_settings_for_update(db_session)
    assert contribution_rate_for(entrepreneur, settings) == Decimal("0.10")
    entrepreneur.contribution_rate = Decimal("0.08")
    assert contribution_rate_for(entrepreneur, settings) == Decimal("0.08")


def test_admin_sets_the_payroll_rates_in_percent(client, admin, db_session):
    login(client, admin.email)
    response = client.post(
        "/admin/settings",
        data={**VALID, "work_accident_percent": "1,45", "mobility_levy_percent": "2,95"},
    )
    assert response.status_code == 303
    settings = db_session.get(CoopSettings, 1)
    assert settings.work_accident_rate == Decimal("0.0145")
    assert settings.mobility_levy_rate == Decimal("0.0295")
    page = client.get("/admin/settings").text
    assert 'value="1,45"' in page and 'value="2,95"' in page


def test_empty_payroll_rates_mean_the_national_average_and_no_levy(client, admin, db_session):
    login(client, admin.email)
    assert client.post("/admin/settings", data=VALID).status_code == 303
    settings = db_session.get(CoopSettings, 1)
    assert settings.work_accident_rate is None
    assert settings.mobility_levy_rate == 0


def test_work_accident_rate_below_the_legal_floor_is_refused(client, admin, db_session):
    login(client, admin.email)
    response = client.post("/admin/settings", data={**VALID, "work_accident_percent": "0,1"})
    assert response.status_code == 200
    assert "Le taux accidents du travail doit être compris entre 0,5" in response.text
    db_session.expire_all()
    assert coop_settings_for_update(db_session).work_accident_rate is None
