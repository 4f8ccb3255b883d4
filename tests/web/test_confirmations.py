"""Destructive or irreversible actions ask before they act (htmx's hx-confirm on the form,
from the post_button macro), and their forms still carry the CSRF token. The browser side
of the question is in tests/e2e/test_workshop_journey.py."""

import re
from html import unescape

from sqlalchemy import select

from portal.api.services import create_client
from portal.workshops.models import Booking
from tests.helpers import login
from tests.web.sales.conftest import customer, make_invoice  # noqa: F401 (fixtures)
from tests.web.test_workshops import make_workshop  # noqa: F401 (fixture)


def form_posting_to(page: str, action: str) -> str:
    """The opening tag of the form posting to `action`, and the CSRF field that follows."""
    match = re.search(
        rf'<form method="post" action="{re.escape(action)}"[^>]*>\s*'
        r'<input type="hidden" name="csrf_token" value="[^"]+">',
        page,
    )
    assert match, f"no form posting to {action} with a CSRF token"
    return unescape(match.group())


def test_deleting_a_draft_invoice_asks_first(logged_in, make_invoice):  # noqa: F811
    invoice = make_invoice(("1", "100.00", "20"))
    page = logged_in.get(f"/invoices/{invoice.id}").text
    assert 'hx-confirm="Supprimer ce brouillon de facture\u202f?"' in form_posting_to(
        page, f"/invoices/{invoice.id}/delete"
    )
    # Submitting it is no loss: no question.
    assert "hx-confirm" not in form_posting_to(page, f"/invoices/{invoice.id}/submit")


def test_cancelling_a_booking_or_a_workshop_asks_first(
    client,
    db_session,
    entrepreneur,
    staff,
    make_workshop,  # noqa: F811
):
    workshop = make_workshop()
    login(client, entrepreneur.email)
    client.post(f"/workshops/{workshop.id}/book", data={"member_id": entrepreneur.id})
    question = 'hx-confirm="Annuler votre réservation\u202f? Votre place revient'
    assert question in form_posting_to(
        client.get(f"/workshops/{workshop.id}").text, f"/workshops/{workshop.id}/cancel"
    )
    assert question in form_posting_to(
        client.get("/workshops/mine").text, f"/workshops/{workshop.id}/cancel"
    )
    client.post("/logout")
    login(client, staff.email)
    assert 'hx-confirm="Annuler cet atelier\u202f?' in form_posting_to(
        client.get(f"/workshops/{workshop.id}").text, f"/workshops/{workshop.id}/cancel-workshop"
    )
    booking = db_session.scalar(select(Booking).where(Booking.workshop_id == workshop.id))
    assert (
        f'hx-confirm="Annuler la réservation de {entrepreneur.full_name}\u202f?"'
        in form_posting_to(
            client.get(f"/workshops/{workshop.id}/participants").text,
            f"/workshops/{workshop.id}/participants/{booking.id}/cancel",
        )
    )


def test_revoking_an_api_client_asks_first(client, admin, db_session):
    api_client, _secret = create_client(db_session, "Paie", "sync:read")
    db_session.commit()
    login(client, admin.email)
    tag = form_posting_to(
        client.get("/admin/api-clients").text, f"/admin/api-clients/{api_client.client_id}/revoke"
    )
    assert 'hx-confirm="Révoquer «\xa0Paie\xa0»\u202f? Les programmes' in tag
