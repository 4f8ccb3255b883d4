"""An entrepreneur simulates her salary on a phone: the net follows her typing, no reload."""

from decimal import Decimal

from playwright.sync_api import Page, expect

from portal.dates import paris_today
from portal.payroll import EmployerSettings, compute_payslip, max_gross_for_budget
from tests.e2e.test_login_journey import log_in


def french_euros(amount: Decimal) -> str:
    whole, cents = f"{amount:.2f}".split(".")
    return f"{int(whole):,}".replace(",", "\u202f") + "," + cents + "\u00a0€"


def test_net_updates_as_camille_types_a_gross_without_reloading(page: Page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, "camille@demo.coop")
    page.get_by_role("link", name="Simuler mon salaire").click()
    expect(page.get_by_role("heading", name="Simulateur de salaire")).to_be_visible()
    # Camille's contract: 24 h a week, offered as the default.
    expect(page.get_by_label("Heures par semaine")).to_have_value("24")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Montant par mois (€)").press_sequentially("2 500,50", delay=30)

    expected = compute_payslip(Decimal("2500.50"), Decimal(24), paris_today(), EmployerSettings(20))
    expect(page.locator("#net-before-tax")).to_contain_text(french_euros(expected.net_before_tax))
    assert page.evaluate("window.stillTheSamePage") is True
    expect(
        page.get_by_role("table", name="Payées par vous (cotisations salariales)")
    ).to_be_visible()

    # Switching to a budget recomputes the inverse, still in place.
    page.get_by_label("mon budget mensuel (coût employeur)").check()
    inverse = max_gross_for_budget(
        Decimal("2500.50"), Decimal(24), paris_today(), EmployerSettings(20)
    )
    expect(page.locator("#net-before-tax")).to_contain_text(french_euros(inverse.net_before_tax))
    assert page.evaluate("window.stillTheSamePage") is True
    assert errors == []  # no CSP violation, no script error


def test_bad_amount_shows_a_french_message_while_typing(page: Page):
    log_in(page, "camille@demo.coop")
    expect(page.get_by_role("heading", name="Bonjour Camille")).to_be_visible()
    page.goto("/simulator")
    page.get_by_label("Montant par mois (€)").fill("-40")
    expect(page.get_by_role("alert")).to_contain_text("Le salaire brut ne peut pas être négatif.")


def test_simulator_works_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False, base_url=base_url, locale="fr-FR")
    page = context.new_page()
    log_in(page, "camille@demo.coop")
    expect(page.get_by_role("heading", name="Bonjour Camille")).to_be_visible()
    page.goto("/simulator")
    page.get_by_label("Montant par mois (€)").fill("1 800,50")
    page.get_by_role("button", name="Simuler").click()
    expected = compute_payslip(Decimal("1800.50"), Decimal(24), paris_today(), EmployerSettings(20))
    expect(page.locator("#net-before-tax")).to_contain_text(french_euros(expected.net_before_tax))
    context.close()
