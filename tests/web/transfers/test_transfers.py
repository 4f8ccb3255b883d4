"""Internal transfers (transfert de charges): the subcontractor issues, the contractor
accepts or refuses, the support team validates; each rule, each person told, and bad input
refused with a message and nothing changed."""

import csv
import io
from datetime import date
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.coop.services import coop_settings_for_update
from portal.dates import paris_today
from portal.db import utcnow
from portal.errors import DomainError
from portal.notifications.models import Notification
from portal.outbox.models import OutboxMessage
from portal.sync.models import Change
from portal.transfers import services
from portal.transfers.models import InternalTransfer, TransferStatus
from tests.helpers import delivered, login

LATER = date(2026, 11, 28)


def kinds_of(db_session, member) -> list[str]:
    return [
        n.kind.value
        for n in db_session.scalars(
            select(Notification)
            .where(Notification.member_id == member.id)
            .order_by(Notification.id)
        )
    ]


def text(response) -> str:
    return unescape(response.text)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))


def transfer_count(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(InternalTransfer.id)))


def new_form(contractor_id, *lines, token="t1") -> dict:
    data = {"contractor_id": str(contractor_id), "form_token": token}
    for n, (description, amount) in enumerate(lines):
        data[f"lines-{n}-work"] = description
        data[f"lines-{n}-amount"] = amount
    return data


# --- issuing --------------------------------------------------------------------------------


def test_issuing_a_transfer_sums_its_lines_without_vat_and_tells_the_contractor(
    logged_in, db_session, contractor
):
    response = logged_in.post(
        "/transfers/new",
        data=new_form(contractor.id, ("Traduction du site", "1 200,50"), ("Relecture", "99,50")),
    )
    assert response.status_code == 303
    transfer = db_session.scalar(select(InternalTransfer))
    assert response.headers["Location"] == f"/transfers/{transfer.id}"
    assert transfer.amount_cents == 130_000
    assert [line.amount_cents for line in transfer.lines] == [120_050, 9_950]
    assert transfer.status is TransferStatus.ISSUED and transfer.number is None
    assert kinds_of(db_session, contractor) == ["transfer_issued"]
    delivered(db_session)
    mail = db_session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == contractor.email)
    )
    assert "Camille Durand" in mail.subject
    page = logged_in.get(f"/transfers/{transfer.id}").text
    assert "Transfert de charges" in page
    assert "Aucune\xa0: une seule entité juridique" in page
    changes = db_session.scalars(select(Change.entity).where(Change.entity == "internal_transfer"))
    assert list(changes) == ["internal_transfer"]


def test_a_double_submit_makes_one_transfer(logged_in, db_session, contractor):
    form = new_form(contractor.id, ("Traduction", "100"))
    assert logged_in.post("/transfers/new", data=form).status_code == 303
    assert logged_in.post("/transfers/new", data=form).status_code == 303
    assert transfer_count(db_session) == 1


def test_the_contractor_list_follows_the_search_and_leaves_out_oneself_and_those_gone(
    logged_in, db_session, make_member, entrepreneur, contractor
):
    gone = make_member(email="gone@example.org", full_name="Parti Ailleurs")
    gone.active = False
    db_session.commit()
    page = logged_in.get("/transfers/new").text
    assert "Louis Petit" in page
    assert "Parti Ailleurs" not in page
    assert f'value="{entrepreneur.id}"' not in page
    searched = logged_in.post("/transfers/new", data={"q": "zzz", "action": "search"}).text
    assert "Louis Petit" not in searched
    by_skill = logged_in.post("/transfers/new", data={"q": "graphisme", "action": "search"})
    assert "Louis Petit, Graphisme" in by_skill.text
    by_name = logged_in.post("/transfers/new", data={"q": "petit", "action": "search"})
    assert "Louis Petit" in by_name.text


def test_a_member_hidden_from_the_directory_is_neither_offered_nor_accepted(
    logged_in, db_session, make_member
):
    hidden = make_member(email="discret@example.org", full_name="Membre Discret")
    assert "Membre Discret" not in logged_in.get("/transfers/new").text
    response = logged_in.post("/transfers/new", data=new_form(hidden.id, ("x", "100")))
    assert response.status_code == 200
    assert "Choisissez l'entrepreneur pour qui vous avez travaillé." in text(response)
    assert "Membre Discret" not in response.text
    assert transfer_count(db_session) == 0


def test_a_transfer_to_oneself_is_refused(logged_in, db_session, entrepreneur):
    response = logged_in.post("/transfers/new", data=new_form(entrepreneur.id, ("x", "100")))
    assert response.status_code == 200
    assert "Un transfert va à un autre entrepreneur, pas à vous-même." in text(response)
    assert transfer_count(db_session) == 0


def test_a_transfer_to_a_deactivated_member_is_refused(logged_in, db_session, make_member):
    gone = make_member(email="gone@example.org", full_name="Parti Ailleurs")
    gone.active = False
    db_session.commit()
    response = logged_in.post("/transfers/new", data=new_form(gone.id, ("x", "100")))
    assert response.status_code == 200
    gone_message = (
        "Parti Ailleurs a quitté la coopérative\xa0: aucun transfert ne peut lui être envoyé."
    )
    assert gone_message in text(response)
    assert transfer_count(db_session) == 0


@pytest.mark.parametrize("contractor_id", ["", "999999", "abc"])
def test_a_transfer_without_a_real_contractor_is_refused(logged_in, db_session, contractor_id):
    response = logged_in.post("/transfers/new", data=new_form(contractor_id, ("x", "100")))
    assert response.status_code == 200
    assert "Choisissez l'entrepreneur pour qui vous avez travaillé." in text(response)
    assert transfer_count(db_session) == 0


def test_a_transfer_to_a_staff_member_is_refused(logged_in, db_session, staff):
    response = logged_in.post("/transfers/new", data=new_form(staff.id, ("x", "100")))
    assert "Choisissez l'entrepreneur pour qui vous avez travaillé." in text(response)
    assert transfer_count(db_session) == 0


def test_a_transfer_above_the_coops_limit_is_refused(logged_in, db_session, contractor):
    coop_settings_for_update(db_session).transfer_limit_cents = 500_000
    db_session.commit()
    response = logged_in.post(
        "/transfers/new", data=new_form(contractor.id, ("a", "3000"), ("b", "2000,01"))
    )
    assert response.status_code == 200
    limit = "Un transfert est limité à 5\u202f000,00\xa0€ HT (plafond de la coopérative)"
    assert limit in text(response)
    assert transfer_count(db_session) == 0
    at_limit = new_form(contractor.id, ("a", "3000"), ("b", "2000"))
    assert logged_in.post("/transfers/new", data=at_limit).status_code == 303


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "Un transfert a besoin d'au moins une ligne avec un montant."),
        ([("", "100")], "Dites à quoi correspond chaque ligne."),
        ([("Traduction", "")], "Chaque ligne a besoin d'un montant supérieur à zéro."),
        ([("Traduction", "-5")], "Saisissez un montant entre 0,01 € et 10 M€."),
        ([("Traduction", "1e999")], "Saisissez un montant entre 0,01 € et 10 M€."),
        ([("Traduction", "0,001")], "Saisissez un montant entre 0,01 € et 10 M€."),
    ],
)
def test_lines_without_a_description_or_an_amount_are_refused(
    logged_in, db_session, contractor, lines, message
):
    response = logged_in.post("/transfers/new", data=new_form(contractor.id, *lines))
    assert response.status_code == 200
    assert message in text(response)
    assert transfer_count(db_session) == 0


def test_the_support_team_issues_no_transfer(client, staff, contractor):
    login(client, staff.email)
    assert client.get("/transfers/new").status_code == 404


# --- answering ------------------------------------------------------------------------------


def test_the_contractor_accepts_and_the_subcontractor_and_the_team_are_told(
    client, db_session, make_transfer, entrepreneur, contractor, staff
):
    transfer = make_transfer()
    login(client, contractor.email)
    assert client.post(f"/transfers/{transfer.id}/accept").status_code == 303
    db_session.expire_all()
    assert transfer.status is TransferStatus.ACCEPTED
    assert kinds_of(db_session, entrepreneur) == ["transfer_accepted"]
    assert kinds_of(db_session, staff) == ["transfer_to_validate"]


def test_accepting_twice_says_so_and_changes_nothing(
    client, db_session, make_transfer, contractor, entrepreneur
):
    transfer = make_transfer()
    login(client, contractor.email)
    client.post(f"/transfers/{transfer.id}/accept")
    db_session.expire_all()
    accepted_at = transfer.accepted_at
    assert accepted_at is not None
    response = client.post(f"/transfers/{transfer.id}/accept", follow_redirects=True)
    assert "Ce transfert est déjà accepté." in text(response)
    db_session.expire_all()
    assert transfer.accepted_at == accepted_at
    assert kinds_of(db_session, entrepreneur) == ["transfer_accepted"]


def test_the_subcontractor_cannot_accept_their_own_transfer(logged_in, db_session, make_transfer):
    transfer = make_transfer()
    response = logged_in.post(f"/transfers/{transfer.id}/accept", follow_redirects=True)
    assert "Seul le membre à qui il est adressé répond à ce transfert." in text(response)
    db_session.expire_all()
    assert transfer.status is TransferStatus.ISSUED


def test_refusing_asks_first_needs_a_reason_and_tells_the_subcontractor(
    client, db_session, make_transfer, contractor, entrepreneur
):
    transfer = make_transfer()
    login(client, contractor.email)
    url = f"/transfers/{transfer.id}/refuse"
    no_reason = client.post(url, data={"confirmed": "1"}, follow_redirects=True)
    assert "Dites pourquoi vous refusez ce transfert." in text(no_reason)
    asked = client.post(url, data={"reason": "Pas commandé"})
    assert asked.status_code == 200 and "Refuser ce transfert\u202f?" in text(asked)
    db_session.expire_all()
    assert transfer.status is TransferStatus.ISSUED
    assert client.post(url, data={"reason": "Pas commandé", "confirmed": "1"}).status_code == 303
    db_session.expire_all()
    assert transfer.status is TransferStatus.REFUSED
    assert transfer.refusal_reason == "Pas commandé"
    assert kinds_of(db_session, entrepreneur) == ["transfer_refused"]
    accepted = client.post(f"/transfers/{transfer.id}/accept", follow_redirects=True)
    assert "Ce transfert a déjà été refusé." in text(accepted)


def test_another_members_transfer_is_a_404(client, db_session, make_transfer, make_member):
    transfer = make_transfer()
    make_member(email="other@example.org")
    login(client, "other@example.org")
    for path in ("", "/accept", "/refuse", "/reverse"):
        method = client.get if path == "" else client.post
        assert method(f"/transfers/{transfer.id}{path}").status_code == 404
    assert client.post(f"/transfers/{transfer.id}/validate").status_code == 403
    db_session.expire_all()
    assert transfer.status is TransferStatus.ISSUED


def test_each_member_lists_the_transfers_they_issued_and_received(
    app, client, make_transfer, contractor, make_member
):
    make_transfer("250")
    login(client, contractor.email)
    page = text(client.get("/transfers"))
    assert "De Camille Durand" in page and "250,00\xa0€" in page
    make_member(email="other@example.org")
    other = app.test_client()
    login(other, "other@example.org")
    assert "Aucun transfert interne pour l'instant." in text(other.get("/transfers"))


# --- validating -----------------------------------------------------------------------------


def test_only_an_accepted_transfer_is_validated_by_the_team(
    db_session, make_transfer, staff, contractor
):
    transfer = make_transfer()
    with pytest.raises(DomainError, match="accepted by its contractor"):
        services.validate_transfer(db_session, transfer, staff, date(2026, 11, 26), utcnow())
    services.accept_transfer(db_session, transfer, contractor, utcnow())
    with pytest.raises(DomainError, match="Only the support team"):
        services.validate_transfer(db_session, transfer, contractor, date(2026, 11, 26), utcnow())
    assert transfer.number is None


def test_validation_numbers_in_its_own_yearly_series_and_tells_both(
    client, db_session, accepted_transfer, staff, entrepreneur, contractor, make_transfer
):
    login(client, staff.email)
    url = f"/transfers/{accepted_transfer.id}/validate"
    asked = client.post(url)
    assert "Valider et numéroter ce transfert\u202f?" in text(asked)
    assert client.post(url, data={"confirmed": "1"}).status_code == 303
    db_session.expire_all()
    year = accepted_transfer.validated_on.year
    assert accepted_transfer.status is TransferStatus.VALIDATED
    assert accepted_transfer.number == f"TI{year}-00001"
    assert "transfer_validated" in kinds_of(db_session, entrepreneur)
    assert "transfer_validated" in kinds_of(db_session, contractor)
    again = client.post(url, data={"confirmed": "1"}, follow_redirects=True)
    assert "Ce transfert est déjà validé." in text(again)
    second = make_transfer("10")
    services.accept_transfer(db_session, second, contractor, utcnow())
    services.validate_transfer(db_session, second, staff, accepted_transfer.validated_on, utcnow())
    assert second.number == f"TI{year}-00002"


def test_the_staff_page_lists_transfers_in_progress_those_to_validate_first(
    client, db_session, make_transfer, accepted_transfer, validated_transfer, staff
):
    waiting = make_transfer("77")
    login(client, staff.email)
    page = client.get("/staff/transfers").text
    assert "1 transfert interne en cours" in page
    assert f"/transfers/{waiting.id}" in page
    assert f'/transfers/{validated_transfer.id}"' not in page
    second = make_transfer("88")
    services.accept_transfer(db_session, second, second.contractor, utcnow())
    db_session.commit()
    page = client.get("/staff/transfers").text
    assert page.index(f"/transfers/{second.id}") < page.index(f"/transfers/{waiting.id}")
    assert f'action="/transfers/{second.id}/validate"' in page


def test_the_team_exports_the_transfers_validated_in_a_year_for_the_books(
    client, db_session, validated_transfer, make_transfer, staff, contractor, entrepreneur
):
    reversal = services.reverse_transfer(db_session, validated_transfer, entrepreneur, LATER)
    services.accept_transfer(db_session, reversal, contractor, utcnow())
    services.validate_transfer(db_session, reversal, staff, LATER, utcnow())
    last_year = make_transfer("50")
    services.accept_transfer(db_session, last_year, contractor, utcnow())
    services.validate_transfer(db_session, last_year, staff, date(2025, 12, 31), utcnow())
    make_transfer("70")  # not validated: not in the books
    db_session.commit()
    login(client, staff.email)
    page = client.get("/staff/transfers").text
    this_year = paris_today().year
    assert f'href="/staff/transfers.csv?year={this_year}"' in page
    assert f'href="/staff/transfers.csv?year={this_year - 1}"' in page
    assert csv_rows(client.get("/staff/transfers.csv?year=2026")) == [
        ["Numéro", "Validé le", "Sous-traitant", "Donneur d'ordre", "Annule le transfert",
         "Montant"],
        ["TI2026-00001", "2026-11-26", "Camille Durand", "Louis Petit", "", "1200,00"],
        ["TI2026-00002", "2026-11-28", "Camille Durand", "Louis Petit", "TI2026-00001",
         "-1200,00"],
    ]  # fmt: skip
    [_header, row] = csv_rows(client.get("/staff/transfers.csv?year=2025"))
    assert row[:2] == ["TI2025-00001", "2025-12-31"] and row[-1] == "50,00"
    # A year that is not one: this year's.
    default = csv_rows(client.get("/staff/transfers.csv?year=abc"))
    assert default == csv_rows(client.get(f"/staff/transfers.csv?year={this_year}"))
    client.post("/logout")
    login(client, entrepreneur.email)
    assert client.get("/staff/transfers.csv?year=2026").status_code == 403


# --- cancelling by a reversing transfer ----------------------------------------------------


def test_a_validated_transfer_is_cancelled_only_by_a_reversing_transfer(
    logged_in, db_session, validated_transfer, contractor, staff
):
    url = f"/transfers/{validated_transfer.id}/reverse"
    asked = logged_in.post(url, data={"form_token": "r1"})
    assert "Annuler ce transfert par un transfert d'annulation\u202f?" in text(asked)
    assert transfer_count(db_session) == 1
    response = logged_in.post(url, data={"form_token": "r1", "confirmed": "1"})
    assert response.status_code == 303
    reversal = db_session.scalar(
        select(InternalTransfer).where(InternalTransfer.reverses_id == validated_transfer.id)
    )
    assert reversal.amount_cents == -validated_transfer.amount_cents
    assert [line.amount_cents for line in reversal.lines] == [-80_000, -40_000]
    assert reversal.status is TransferStatus.ISSUED
    assert kinds_of(db_session, contractor)[-1] == "transfer_issued"
    # the same workflow: accepted, then validated, numbered in the same series
    services.accept_transfer(db_session, reversal, contractor, utcnow())
    services.validate_transfer(db_session, reversal, staff, date(2026, 11, 27), utcnow())
    assert reversal.number == "TI2026-00002"
    again = logged_in.post(url, data={"form_token": "r2", "confirmed": "1"}, follow_redirects=True)
    assert "déjà annulé par un transfert d'annulation" in text(again)
    assert transfer_count(db_session) == 2


@pytest.mark.parametrize("who", ["contractor", "not validated", "reversal"])
def test_a_reversal_is_refused_when_it_cannot_be(
    db_session, make_transfer, validated_transfer, entrepreneur, contractor, who
):
    if who == "contractor":
        target, by, message = validated_transfer, contractor, "Only the member who issued"
    elif who == "not validated":
        target, by, message = make_transfer(), entrepreneur, "Only a validated transfer"
    else:
        target = services.reverse_transfer(db_session, validated_transfer, entrepreneur, LATER)
        by, message = entrepreneur, "A reversing transfer cannot be cancelled."
    before = transfer_count(db_session)
    with pytest.raises(DomainError, match=message):
        services.reverse_transfer(db_session, target, by, LATER)
    assert transfer_count(db_session) == before


def test_a_refused_reversal_lets_another_be_issued(
    db_session, validated_transfer, entrepreneur, contractor
):
    first = services.reverse_transfer(db_session, validated_transfer, entrepreneur, LATER)
    services.refuse_transfer(db_session, first, contractor, "Erreur", utcnow())
    second = services.reverse_transfer(db_session, validated_transfer, entrepreneur, LATER)
    assert second.reverses_id == validated_transfer.id


# --- the pages in French --------------------------------------------------------------------


def test_the_transfer_page_in_french_and_in_english(client, db_session, make_transfer, contractor):
    transfer = make_transfer("1200")
    login(client, contractor.email)
    page = client.get(f"/transfers/{transfer.id}").text
    assert "<h1>Transfert interne" in page
    assert ">Accepter</button>" in page
    assert "1\u202f200,00\xa0€" in page
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/transfers/{transfer.id}").text
    assert "<h1>Internal transfer" in page and ">Accept</button>" in page
    assert "€1,200.00" in page


def test_the_coops_limit_is_a_setting(client, db_session, admin):
    from tests.web.test_coop_settings import VALID

    login(client, admin.email)
    assert 'name="transfer_limit"' in client.get("/admin/settings").text
    refused = client.post("/admin/settings", data={**VALID, "transfer_limit": "0"})
    assert refused.status_code == 200
    saved = client.post("/admin/settings", data={**VALID, "transfer_limit": "5 000"})
    assert saved.status_code == 303
    db_session.expire_all()
    assert coop_settings_for_update(db_session).transfer_limit_cents == 500_000


def test_the_pdf_carries_the_mention_for_both_members_only(
    app, client, db_session, validated_transfer, contractor, make_member
):
    login(client, contractor.email)
    response = client.get(f"/transfers/{validated_transfer.id}/pdf")
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Transfert de charges" in text
    assert "TI2026-00001" in text and "Louis Petit" in text and "Camille Durand" in text
    assert "1 200,00" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert 'filename="TI2026-00001.pdf"' in response.headers["Content-Disposition"]
    make_member(email="other@example.org")
    other = app.test_client()
    login(other, "other@example.org")
    assert other.get(f"/transfers/{validated_transfer.id}/pdf").status_code == 404


def test_the_team_reaches_the_transfers_from_its_validation_queue(client, staff):
    login(client, staff.email)
    assert 'href="/staff/transfers"' in client.get("/staff/invoices/queue").text
    assert 'href="/staff/transfers"' in client.get("/transfers").text
    assert "Transferts internes en cours" in client.get("/staff/transfers").text


def test_the_network_page_shows_the_transfers_in_progress(
    client, staff, accepted_transfer, make_transfer
):
    waiting = make_transfer("77")
    login(client, staff.email)
    page = client.get("/network/activity").text
    assert "Transferts internes en cours" in page
    # Once: the transfers register their section, nothing else does.
    assert page.count("2 transferts internes en cours") == 1
    assert f'action="/transfers/{accepted_transfer.id}/validate"' in page
    assert f'href="/transfers/{waiting.id}"' in page
