"""Camille checks her projection on a phone, tries a what-if, and reads how it is computed."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_login_journey import log_in


def test_camille_sees_her_next_salary_and_margin_on_a_phone(page: Page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, "camille@demo.coop")
    expect(page.get_by_role("heading", name=re.compile("Prochain salaire"))).to_be_visible()
    expect(page.get_by_text("Disponible maintenant")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Chiffre d'affaires, dépenses"))).to_be_visible()
    # Nothing sticks out sideways on a 390-pixel screen.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    assert errors == []


def test_what_if_updates_as_she_types(page: Page):
    log_in(page, "camille@demo.coop")
    result = page.locator("#what-if-result")
    page.get_by_label("Salaire brut mensuel (€)").fill("2000")
    expect(result).to_contain_text("Coût employeur total")
    expect(result).to_contain_text("2\u202f000,00")
    page.get_by_label("Heures par semaine").fill("60")
    expect(result).to_contain_text("Les heures par semaine doivent être comprises entre 1 et 48.")
    expect(page).to_have_url(re.compile(r"/$"))  # the page stayed; only the figures changed


def test_how_is_this_computed_lists_the_steps(page: Page):
    log_in(page, "camille@demo.coop")
    page.get_by_role("link", name="Comment est-ce calculé\u202f?").click()
    expect(
        page.get_by_role("heading", name="Comment est-ce calculé\u202f?", level=1)
    ).to_be_visible()
    expect(page.get_by_text("= Marge disponible maintenant")).to_be_visible()


def test_the_details_that_follow_the_figures_move_no_button(page: Page):
    """The chart and the latest movements arrive after the page has loaded: a button a thumb
    may be about to tap stays where it was (a tap that lands on what moved in is lost)."""
    held = []
    page.route("**/home/details*", lambda route: held.append(route))  # answered once measured
    with page.expect_request("**/home/details*"):
        log_in(page, "camille@demo.coop")
    link = page.get_by_role("link", name="Comment est-ce calculé\u202f?")
    where = "(a) => a.getBoundingClientRect().top + window.scrollY"
    before = link.evaluate(where)
    [route] = held
    route.continue_()
    expect(page.get_by_role("img", name=re.compile("Chiffre d'affaires, dépenses"))).to_be_visible()
    assert link.evaluate(where) == before


def test_leo_still_supported_sees_what_his_activity_could_pay(page: Page):
    log_in(page, "leo@demo.coop")
    expect(page.get_by_role("heading", name=re.compile("Une fois salarié"))).to_be_visible()


def test_the_chart_follows_the_figures_and_opens_as_a_page_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False, base_url=base_url, locale="fr-FR")
    page = context.new_page()
    log_in(page, "camille@demo.coop")
    expect(page.get_by_text("Disponible maintenant")).to_be_visible()
    chart = page.get_by_role("img", name=re.compile("Chiffre d'affaires, dépenses"))
    expect(chart).to_have_count(0)  # not on the first screen
    page.get_by_role("link", name=re.compile("Derniers mouvements, les 12 derniers mois")).click()
    expect(chart).to_be_visible()
    expect(page.get_by_role("link", name="Retour à la projection")).to_be_visible()
    context.close()
