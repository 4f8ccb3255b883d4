"""Camille in a car park with no signal: the portal's service worker shows her the receipt
form, keeps what she captures on the phone and sends it once the connection returns; other
pages say plainly that there is no connection; photos travel scaled down."""

import re
import time

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.test_login_journey import log_in
from tests.e2e.test_receipt_journey import open_new_receipt_form
from tests.helpers import camera_photo
from tests.unit.test_uploads import jpeg_with_gps

CONTROLLED = "navigator.serviceWorker.controller !== null"
FORM_KEPT = "caches.match('/receipts/new', {ignoreVary: true}).then(Boolean)"
NOTHING_KEPT = (
    "receiptQueue.state(document.querySelector('.topbar').dataset.member)"
    ".then(state => state.waiting === 0 && state.refused.length === 0)"
)


def wait_until(page: Page, expression: str, seconds: float = 15) -> None:
    """Until `expression` is true in the page, a promise's value included (Playwright's
    polling of a function takes a promise itself for true)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, expression
        page.wait_for_timeout(100)


def ready_for_offline(page: Page) -> None:
    """The worker controls the page, and the form is kept for use without a connection."""
    wait_until(page, CONTROLLED)
    wait_until(page, FORM_KEPT)


def fill_receipt(page: Page, supplier: str, photo) -> None:
    page.locator("input[type=file]").set_input_files(str(photo))
    expect(page.locator(".file-chosen")).to_have_text(photo.name)  # once scaled down
    page.get_by_label("Montant TTC (€)").fill("7,80")
    page.get_by_label("Fournisseur").fill(supplier)
    page.get_by_label("Catégorie").select_option(label="Fournitures, logiciels, matériel")


def test_a_receipt_captured_offline_is_sent_once_when_the_connection_returns(
    page: Page, context: BrowserContext, tmp_path
):
    photo = tmp_path / "ticket.jpg"
    photo.write_bytes(jpeg_with_gps((1600, 1200)))
    open_new_receipt_form(page)
    ready_for_offline(page)

    context.set_offline(True)
    page.reload()  # the form, from the phone
    expect(page.get_by_role("heading", name="Nouvelle dépense")).to_be_visible()
    fill_receipt(page, "Boulangerie du Parking", photo)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".upload-status")).to_contain_text("gardée sur ce téléphone")
    expect(page.get_by_text("1 dépense en attente d'envoi")).to_be_visible()
    expect(page.get_by_label("Fournisseur")).to_have_value("")  # ready for the next one

    context.set_offline(False)
    expect(page.locator(".offline-waiting")).to_be_hidden(timeout=15_000)
    page.goto("/receipts")
    item = page.get_by_role("link", name=re.compile("Boulangerie du Parking"))
    expect(item).to_have_count(1)
    item.click()
    expect(page.get_by_role("img", name="Photo du ticket")).to_be_visible()
    # Opening the app again sends nothing twice.
    page.goto("/receipts/new")
    page.goto("/receipts")
    expect(page.get_by_role("link", name=re.compile("Boulangerie du Parking"))).to_have_count(1)


def test_two_receipts_kept_offline_are_counted_and_sent_at_the_next_opening(
    page: Page, context: BrowserContext, tmp_path
):
    photo = tmp_path / "ticket.jpg"
    photo.write_bytes(jpeg_with_gps((800, 600)))
    open_new_receipt_form(page)
    ready_for_offline(page)
    context.set_offline(True)
    for supplier in ("Péage A7 hors ligne", "Péage A9 hors ligne"):
        fill_receipt(page, supplier, photo)
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_label("Fournisseur")).to_have_value("")
    expect(page.get_by_text("2 dépenses en attente d'envoi")).to_be_visible()
    page.close()

    context.set_offline(False)
    opened = context.new_page()
    opened.goto("/receipts/new")
    wait_until(opened, NOTHING_KEPT)
    opened.goto("/receipts")
    for supplier in ("Péage A7 hors ligne", "Péage A9 hors ligne"):
        expect(opened.get_by_role("link", name=re.compile(supplier))).to_have_count(1)


def test_with_the_portal_closed_the_worker_sends_a_kept_receipt(
    page: Page, context: BrowserContext, browser: Browser, base_url: str, tmp_path
):
    """Background Sync: the only sender left once every page is closed is the worker."""
    photo = tmp_path / "ticket.jpg"
    photo.write_bytes(jpeg_with_gps((800, 600)))
    open_new_receipt_form(page)
    ready_for_offline(page)
    context.set_offline(True)
    fill_receipt(page, "Synchro en arrière-plan", photo)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("1 dépense en attente d'envoi")).to_be_visible()
    page.close()
    context.set_offline(False)

    elsewhere = browser.new_context(base_url=base_url, locale="fr-FR")
    checker = elsewhere.new_page()
    log_in(checker, "camille@demo.coop")
    expect(checker.get_by_role("heading", name="Bonjour Camille")).to_be_visible()
    sent = checker.get_by_role("link", name=re.compile("Synchro en arrière-plan"))
    deadline = time.monotonic() + 20
    while not sent.count() and time.monotonic() < deadline:
        checker.goto("/receipts")
    expect(sent).to_have_count(1)
    elsewhere.close()


def test_a_kept_receipt_the_server_refuses_goes_back_into_the_form(
    page: Page, context: BrowserContext, tmp_path
):
    photo = tmp_path / "ticket.jpg"
    photo.write_bytes(jpeg_with_gps((800, 600)))
    open_new_receipt_form(page)
    ready_for_offline(page)
    context.set_offline(True)
    fill_receipt(page, "Relais de la Gare", photo)
    page.get_by_label("TVA à 20 %").fill("50,00")  # more than the total: refused
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("1 dépense en attente d'envoi")).to_be_visible()

    context.set_offline(False)
    refused = page.locator(".offline-waiting .refused")
    expect(refused).to_contain_text("a été refusée à l'envoi", timeout=15_000)
    expect(refused).to_contain_text("La TVA ne peut pas dépasser")
    page.get_by_role("button", name="La corriger").click()
    expect(page.get_by_label("Fournisseur")).to_have_value("Relais de la Gare")
    expect(page.get_by_label("TVA à 20 %")).to_have_value("50,00")
    expect(page.locator(".file-chosen")).to_have_text("ticket.jpg")
    expect(page.locator(".offline-waiting")).to_be_hidden()
    page.get_by_label("TVA à 20 %").fill("1,30")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Dépense enregistrée.")).to_be_visible()
    expect(page.get_by_role("img", name="Photo du ticket")).to_be_visible()


def test_another_page_without_a_connection_shows_the_offline_page(
    page: Page, context: BrowserContext
):
    open_new_receipt_form(page)
    ready_for_offline(page)
    context.set_offline(True)
    page.goto("/receipts")
    expect(page.get_by_role("heading", name="Pas de connexion")).to_be_visible()
    expect(page.get_by_text("elle est gardée sur le téléphone")).to_be_visible()
    # A link in the app (boosted by htmx) as well.
    page.get_by_role("link", name="Nouvelle dépense").click()
    expect(page.get_by_role("heading", name="Nouvelle dépense")).to_be_visible()
    page.get_by_role("link", name="Dépenses").click()
    expect(page.get_by_role("heading", name="Pas de connexion")).to_be_visible()


def test_logging_out_forgets_the_pages_kept_for_offline_use(page: Page):
    open_new_receipt_form(page)
    ready_for_offline(page)
    page.get_by_role("button", name="Déconnexion").click()
    expect(page.get_by_role("button", name="Connexion")).to_be_visible()
    wait_until(page, f"{FORM_KEPT}.then(kept => !kept)")


def test_a_photo_is_scaled_down_on_the_phone_before_it_is_sent(page: Page, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(camera_photo())  # 12 MP
    open_new_receipt_form(page)
    fill_receipt(page, "Garage Martin", photo)
    chosen = page.evaluate(
        """() => {
          const file = document.querySelector("input[type=file]").files[0];
          return createImageBitmap(file).then(b => [file.type, file.size, b.width, b.height]);
        }"""
    )
    assert chosen[0] == "image/jpeg" and max(chosen[2:]) == 2000
    with page.expect_request(lambda r: r.method == "POST" and "/receipts/new" in r.url) as sent:
        page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Dépense enregistrée.")).to_be_visible()
    sent_bytes = int(sent.value.all_headers()["content-length"])
    assert chosen[1] < sent_bytes < photo.stat().st_size / 4
