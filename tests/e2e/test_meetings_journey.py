"""Camille answers the next meeting from her home page in one tap, then reads the notes."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_login_journey import log_in


def test_camille_answers_in_one_tap_and_the_control_updates_in_place(page: Page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, "camille@demo.coop")
    card = page.locator("section.meeting-card")
    expect(card.get_by_role("heading", name=re.compile("Prochaine réunion"))).to_be_visible()
    expect(card.get_by_text("Serez-vous là\u202f?")).to_be_visible()
    marker = page.evaluate("() => (window.__stayed = 'same page')")
    card.get_by_label("Commentaire (facultatif)").fill("J'arriverai vers 19 h")
    card.get_by_role("button", name="Oui").click()
    expect(card.get_by_text("Votre réponse est enregistrée.")).to_be_visible()
    expect(card.get_by_role("button", name="Oui")).to_have_attribute("aria-pressed", "true")
    # Swapped in place by htmx: no navigation happened.
    assert page.evaluate("() => window.__stayed") == marker
    card.get_by_role("button", name="Peut-être").click()
    expect(card.get_by_role("button", name="Peut-être")).to_have_attribute("aria-pressed", "true")
    expect(card.get_by_label("Commentaire (facultatif)")).to_have_value("J'arriverai vers 19 h")
    assert errors == []


def logged_in_as(page: Page, email: str) -> None:
    log_in(page, email)
    expect(page.get_by_role("heading", name=re.compile("Bonjour"))).to_be_visible()


def test_camille_sees_unread_notes_and_searches_them(page: Page):
    logged_in_as(page, "camille@demo.coop")
    page.goto("/meetings/notes")
    expect(page.locator(".badge.unread")).to_have_count(2)
    page.get_by_label("Rechercher dans les comptes rendus").fill("tresorerie")
    results = page.locator("#notes-results")
    expect(results.locator("mark").first).to_be_visible()
    expect(results.get_by_role("link", name=re.compile("Trésorerie"))).to_be_visible()


def test_sam_sees_the_general_assembly_and_who_is_invited(page: Page):
    logged_in_as(page, "sam@demo.coop")
    page.goto("/meetings/")
    page.get_by_role("link", name="Assemblée générale ordinaire").click()
    expect(
        page.get_by_text("Assemblée générale\xa0: seuls les entrepreneurs associés sont invités.")
    ).to_be_visible()


def test_a_comment_edited_after_answering_is_saved_with_the_answer_given(page: Page):
    log_in(page, "leo@demo.coop")
    card = page.locator("section.meeting-card")
    card.get_by_role("button", name="Non", exact=True).click()
    expect(card.get_by_role("button", name="Non", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    comment = card.get_by_label("Commentaire (facultatif)")
    comment.fill("En déplacement")
    with page.expect_response(re.compile("/rsvp$")):
        card.get_by_role("button", name="Enregistrer le commentaire").click()
    comment.fill("En déplacement jusqu'au 6")
    with page.expect_response(re.compile("/rsvp$")):
        comment.press("Enter")  # not "Oui", the form's first answer
    page.reload()
    expect(card.get_by_label("Commentaire (facultatif)")).to_have_value("En déplacement jusqu'au 6")
    expect(card.get_by_role("button", name="Non", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
