"""An entrepreneur logs in on a phone and sees her home page in French."""

import re

from playwright.sync_api import Page, expect


def log_in(page: Page, email: str, password: str = "demo-password") -> None:
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Connexion").click()


def test_camille_logs_in_on_a_phone_and_sees_her_home_page(page: Page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, "camille@demo.coop")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Bonjour Camille")).to_be_visible()
    expect(page.get_by_text("Entrepreneur salarié")).to_be_visible()
    # On a phone the navigation is a bar at the bottom of the screen.
    nav = page.get_by_role("navigation", name="Principal")
    box = nav.bounding_box()
    assert box["y"] + box["height"] >= 844 - 1
    assert errors == []  # no CSP violation, no script error


def test_wrong_password_says_so_and_stays_on_the_login_page(page: Page):
    log_in(page, "camille@demo.coop", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page).to_have_url(re.compile(r"/login"))


def test_logout_returns_to_the_login_page(page: Page):
    log_in(page, "leo@demo.coop")
    page.get_by_role("button", name="Déconnexion").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_touch_targets_are_at_least_44_pixels(page: Page):
    log_in(page, "camille@demo.coop")
    expect(page.get_by_role("heading", name="Bonjour Camille")).to_be_visible()
    small = page.evaluate("""() => [...document.querySelectorAll(
        'button, input:not([type=hidden]), nav a, a.button')]
        .filter(e => e.getClientRects().length)  // shown: not in a closed dialog
        .filter(e => e.getBoundingClientRect().height < 44)
        .map(e => e.outerHTML)""")
    assert small == []


def test_switch_to_english(page: Page):
    page.goto("/login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
