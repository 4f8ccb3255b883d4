"""Camille writes an invoice on her phone for a new customer; the support team validates
it from the queue; the PDF is there."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_login_journey import log_in


def test_camille_invoices_a_new_customer_and_staff_validate_it(page: Page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, "camille@demo.coop")
    expect(page.get_by_role("heading", name="Bonjour Camille")).to_be_visible()
    page.goto("/invoices")
    page.get_by_role("link", name="Nouvelle facture").click()
    expect(page.get_by_role("heading", name="Nouvelle facture")).to_be_visible()
    # Everything below happens in this one page: htmx swaps, no reload.
    page.evaluate("window.sameDocument = true")

    # A customer created from the invoice form, chosen at once.
    page.get_by_text("Nouveau client").click()
    page.locator("#new_customer-name").fill("Fromagerie des Alpes")
    page.locator("#new_customer-siren").fill("542 107 651")
    page.locator("#new_customer-postcode").fill("74000")
    page.locator("#new_customer-city").fill("Annecy")
    page.get_by_role("button", name="Créer ce client").click()
    expect(page.get_by_text("Client Fromagerie des Alpes créé et choisi.")).to_be_visible()
    expect(page.locator("#customer_id option:checked")).to_have_text("Fromagerie des Alpes")

    # Two lines more, one removed; totals follow the French amounts as they are typed.
    totals = page.locator("#totals")
    page.locator("[name='lines-0-description']").fill("Traduction de la carte des fromages")
    page.locator("[name='lines-0-quantity']").fill("2")
    page.locator("[name='lines-0-unit_price']").fill("1 234,50")
    expect(totals).to_contain_text(re.compile(r"2\s469,00"))
    page.get_by_role("button", name="Ajouter une ligne").click()
    expect(page.locator("[name='lines-1-description']")).to_be_visible()
    page.locator("[name='lines-1-description']").fill("Relecture")
    page.locator("[name='lines-1-quantity']").fill("1")
    page.locator("[name='lines-1-unit_price']").fill("100")
    expect(totals).to_contain_text(re.compile(r"2\s569,00"))
    page.get_by_role("button", name="Ajouter une ligne").click()
    page.locator("[name='lines-2-description']").fill("Frais de déplacement")
    page.locator("[name='lines-2-quantity']").fill("1")
    page.locator("[name='lines-2-unit_price']").fill("45,90")
    expect(totals).to_contain_text(re.compile(r"2\s614,90"))
    page.get_by_role("button", name="Retirer cette ligne").nth(1).click()
    descriptions = page.locator("input[name^='lines-'][name$='-description']")
    expect(descriptions).to_have_count(2)
    expect(descriptions.nth(0)).to_have_value("Traduction de la carte des fromages")
    expect(descriptions.nth(1)).to_have_value("Frais de déplacement")
    expect(totals).to_contain_text(re.compile(r"2\s514,90"))
    expect(totals).to_contain_text(re.compile(r"3\s017,88"))  # incl. 20 % VAT
    assert page.evaluate("window.sameDocument") is True

    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Brouillon enregistré.")).to_be_visible()
    expect(page.get_by_text("Fromagerie des Alpes")).to_be_visible()
    page.get_by_role("button", name="Soumettre pour validation").click()
    expect(page.get_by_text("Envoyée à l'équipe d'accompagnement pour validation.")).to_be_visible()
    invoice_url = page.url

    # The support team validates it from the queue.
    page.context.clear_cookies()
    log_in(page, "equipe@demo.coop")
    expect(page.get_by_role("heading", name="À traiter")).to_be_visible()
    page.goto("/staff/invoices/queue")
    item = page.locator("article.queue-item", has_text="Fromagerie des Alpes")
    expect(item).to_have_count(1)
    item.get_by_role("button", name="Valider", exact=True).click()
    dialog = page.get_by_role("dialog", name="Valider et numéroter cette facture\u202f?")
    dialog.get_by_role("button", name="Valider", exact=True).click()
    validated = page.get_by_text(re.compile(r"Facture F\d{4}-\d{5} validée\."))
    expect(validated).to_be_visible()
    number = re.search(r"F\d{4}-\d{5}", validated.inner_text()).group(0)
    page.goto(invoice_url)
    expect(page.get_by_role("heading", name=f"Facture {number}")).to_be_visible()
    link = page.get_by_role("link", name="Télécharger le PDF (Factur-X)")
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    assert errors == []
