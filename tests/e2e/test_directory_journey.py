"""Sam finds a gardener in the directory as he types, then answers Léo's request to the
network; Léo reads the answer in their private thread (the demo coop)."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_login_journey import log_in


def test_sam_searches_the_directory_and_answers_a_request_privately(page: Page, browser):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, "sam@demo.coop")
    page.get_by_role("link", name="Annuaire", exact=True).click()
    results = page.locator("#directory-results")
    expect(results.get_by_text("Camille Durand")).to_be_visible()
    marker = page.evaluate("() => (window.__stayed = 'same page')")
    page.get_by_label("Mots").fill("jardin")
    expect(results.get_by_text("Camille Durand")).to_have_count(0)
    expect(results.get_by_text("Léo Petit")).to_be_visible()
    assert page.evaluate("() => window.__stayed") == marker  # swapped in place by htmx
    assert "q=jardin" in page.url  # and kept in the address, for the back button
    results.get_by_role("link", name=re.compile("Léo Petit")).click()
    expect(page.get_by_role("heading", name="Léo Petit")).to_be_visible()

    page.goto(page.url.split("/directory")[0] + "/network/")
    page.get_by_role("link", name=re.compile("Cherche un photographe")).click()
    page.get_by_label("Votre message").fill("Je peux venir le matin, avec un drone.")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Je peux venir le matin, avec un drone.")).to_be_visible()
    thread_url = page.url

    leo = browser.new_page(base_url=thread_url.split("/network")[0])
    log_in(leo, "leo@demo.coop")
    expect(leo.get_by_role("heading", name=re.compile("Bonjour"))).to_be_visible()
    leo.goto(thread_url)
    expect(leo.get_by_text("Je peux venir le matin, avec un drone.")).to_be_visible()
    leo.close()
    assert errors == []
