"""Camille photographs a receipt on her phone, and finds it in her list."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_login_journey import log_in
from tests.unit.test_uploads import jpeg_with_gps


def open_new_receipt_form(page: Page) -> None:
    log_in(page, "camille@demo.coop")
    expect(page.get_by_role("heading", name="Bonjour Camille")).to_be_visible()
    page.goto("/receipts/new")


def test_camille_uploads_a_receipt_photo_on_her_phone_and_sees_it_in_the_list(page: Page, tmp_path):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    photo = tmp_path / "ticket.jpg"
    photo.write_bytes(jpeg_with_gps((1600, 1200)))
    log_in(page, "camille@demo.coop")
    page.get_by_role("link", name="Dépenses").click()
    # The home page has its own "Nouvelle dépense": wait for the list's.
    expect(page.get_by_role("heading", name="Mes dépenses")).to_be_visible()
    page.get_by_role("link", name="Nouvelle dépense").click()
    expect(page.get_by_text("Prendre une photo")).to_be_visible()
    expect(page.get_by_text("Choisir un fichier")).to_be_visible()
    page.locator("input[type=file]").set_input_files(str(photo))
    expect(page.get_by_text("ticket.jpg")).to_be_visible()
    page.get_by_label("Montant TTC (€)").fill("18,40")
    page.get_by_label("Fournisseur").fill("Librairie Passages")
    page.get_by_label("TVA à 20 %").fill("1,00")
    page.get_by_label("Catégorie").select_option(label="Fournitures, logiciels, matériel")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Dépense enregistrée.")).to_be_visible()
    expect(page.get_by_role("img", name="Photo du ticket")).to_be_visible()
    page.get_by_role("link", name="Photo du ticket, en taille réelle").click()
    expect(page.locator(".photo-frame")).to_have_class(re.compile("zoomed"))
    page.get_by_role("link", name="Retour à la liste").click()
    item = page.get_by_role("link", name=re.compile("Librairie Passages"))
    expect(item).to_be_visible()
    expect(item).to_contain_text("18,40")
    assert errors == []


def test_a_bad_file_is_refused_and_what_was_typed_is_kept(page: Page, tmp_path):
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"MZ\x90\x00not really a photo" * 100)
    open_new_receipt_form(page)
    page.locator("input[type=file]").set_input_files(str(fake))
    page.get_by_label("Montant TTC (€)").fill("12")
    page.get_by_label("Fournisseur").fill("Garage Martin")
    page.get_by_label("Catégorie").select_option(label="Péages")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Envoyez une photo (JPEG, PNG ou HEIC) ou un PDF.")).to_be_visible()
    expect(page.get_by_label("Fournisseur")).to_have_value("Garage Martin")


def test_take_a_photo_opens_the_camera_and_choose_a_file_offers_pdfs(page: Page):
    open_new_receipt_form(page)
    file_input = page.locator("input[type=file]")
    with page.expect_file_chooser():
        page.get_by_text("Prendre une photo").click()
    assert file_input.get_attribute("capture") == "environment"
    assert file_input.get_attribute("accept") == "image/*"
    with page.expect_file_chooser():
        page.get_by_text("Choisir un fichier").click()
    assert file_input.get_attribute("capture") is None
    assert "application/pdf" in file_input.get_attribute("accept")
    assert ".heic" in file_input.get_attribute("accept")


def test_a_lost_upload_keeps_the_form_and_the_retry_saves_one_receipt(page: Page, tmp_path):
    photo = tmp_path / "ticket.jpg"
    photo.write_bytes(jpeg_with_gps((1200, 900)))
    open_new_receipt_form(page)
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_label("Montant TTC (€)").fill("23,70")
    page.get_by_label("Fournisseur").fill("Quincaillerie Perret")
    page.get_by_label("Catégorie").select_option(label="Fournitures, logiciels, matériel")

    # The server stores the receipt, but the answer never reaches the phone.
    lost = []

    def lose_the_answer(route):
        if route.request.method == "POST" and not lost:
            route.fetch()
            lost.append(True)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/receipts/new", lose_the_answer)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("L'envoi n'a pas abouti")
    expect(page.get_by_label("Fournisseur")).to_have_value("Quincaillerie Perret")
    expect(page.get_by_label("Montant TTC (€)")).to_have_value("23,70")
    expect(page.locator(".upload-progress")).to_be_hidden()

    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Cette dépense avait déjà été enregistrée.")).to_be_visible()
    page.get_by_role("link", name="Retour à la liste").click()
    expect(page.get_by_role("link", name=re.compile("Quincaillerie Perret"))).to_have_count(1)


def test_a_file_over_15_mb_is_refused_before_it_is_sent(page: Page):
    open_new_receipt_form(page)
    page.get_by_label("Fournisseur").fill("Imprimerie Rapide")
    big = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"0" * (16 * 1024 * 1024)}
    page.locator("input[type=file]").set_input_files(big)
    # The 16 MB reach the browser before its change event: on a loaded machine, in seconds.
    expect(page.get_by_role("status")).to_contain_text("15 Mo au maximum", timeout=20_000)
    assert page.locator("input[type=file]").evaluate("input => input.files.length") == 0
    expect(page.get_by_label("Fournisseur")).to_have_value("Imprimerie Rapide")


def test_an_upload_refused_by_the_server_keeps_the_form_and_says_so(page: Page, tmp_path):
    photo = tmp_path / "ticket.jpg"
    photo.write_bytes(jpeg_with_gps((800, 600)))
    open_new_receipt_form(page)
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_label("Fournisseur").fill("Garage Martin")
    page.get_by_label("Montant TTC (€)").fill("61,20")
    # Other htmx requests show an error page in place of the page; an upload keeps its form.
    page.evaluate("document.querySelector('#receipt-form [name=csrf_token]').value = 'expired'")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("L'envoi n'a pas abouti")
    expect(page.get_by_label("Fournisseur")).to_have_value("Garage Martin")
    expect(page.get_by_label("Montant TTC (€)")).to_have_value("61,20")
