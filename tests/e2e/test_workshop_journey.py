"""An entrepreneur books a workshop seat in one tap on a phone, and cancels it after saying
yes to a question (the page's dialog, tests/e2e/test_confirm_dialog.py)."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_login_journey import log_in


def test_booking_button_becomes_booked_cancel_in_place_and_back(page: Page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, "leo@demo.coop")
    page.get_by_role("link", name="Ateliers").click()
    card = page.get_by_role("article").filter(has_text="Devenir associé")
    card.get_by_role("button", name="Réserver une place").click()
    expect(card.get_by_role("button", name="Réservé — annuler")).to_be_visible()
    expect(card.get_by_role("status")).to_have_text("Votre place est réservée.")
    box = card.get_by_role("button", name="Réservé — annuler").bounding_box()
    assert box["height"] >= 44  # a thumb-sized target
    # Cancelling asks first, in the page's dialog: declined, the seat stays booked;
    # accepted, it goes.
    question = (
        "Annuler votre réservation\u202f? Votre place revient à la prochaine personne en attente."
    )
    booked = card.get_by_role("button", name="Réservé — annuler")
    booked.click()
    dialog = page.get_by_role("dialog", name=question)
    dialog.get_by_role("button", name="Annuler", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(booked).to_be_visible()
    booked.click()
    dialog.get_by_role("button", name="Oui, annuler").click()
    expect(card.get_by_role("button", name="Réserver une place")).to_be_visible()
    assert errors == []  # no CSP violation, no script error


def test_my_bookings_shows_my_place_on_the_waiting_list(page: Page):
    log_in(page, "camille@demo.coop")
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/workshops/mine")
    expect(page.get_by_text("Liste d'attente, n° 1")).to_be_visible()


def test_an_error_answering_a_tap_replaces_the_page_instead_of_doing_nothing(page: Page):
    log_in(page, "leo@demo.coop")
    page.get_by_role("link", name="Ateliers").click()
    expect(page.get_by_role("heading", name="Ateliers")).to_be_visible()
    # The form's CSRF token has expired (a phone left on the page overnight).
    page.evaluate(
        """document.body.setAttribute("hx-headers", '{"X-CSRFToken": "expired"}');
        document.querySelectorAll("[name=csrf_token]").forEach((i) => { i.value = "expired"; });"""
    )
    card = page.get_by_role("article").filter(has_text="Devenir associé")
    card.get_by_role("button", name="Réserver une place").click()
    expect(page.get_by_role("heading", name="Requête invalide")).to_be_visible()
    expect(page.get_by_text("Votre formulaire a expiré")).to_be_visible()
    expect(page.get_by_role("link", name="Retour à l'accueil")).to_be_visible()
