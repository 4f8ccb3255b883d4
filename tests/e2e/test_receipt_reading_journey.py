"""Camille chooses a supplier's Factur-X invoice, then a photo of a till receipt: the form fills
itself with what was read, each field saying how sure it is, and she saves when she agrees.

The files are read by the worker, as `portal worker` runs it (its consumer, in a thread of
this process, on the demo portal's queue), not in the request."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.ops.worker import make_consumer
from tests.e2e.test_receipt_journey import open_new_receipt_form

SAMPLES = Path(__file__).resolve().parent.parent / "reference" / "receipts"
# The portal waits up to 10 s for the worker's reading (then the form stays empty to type);
# a loaded machine may take that long where Playwright's 5 s would give up first.
READING_WAIT_MS = 12_000


@pytest.fixture(scope="module", autouse=True)
def worker(live_app):
    """The worker's consumer (without its periodic tasks, which other journeys do not
    expect), for this module's tests."""
    consumer = make_consumer(live_app, 1)
    for _worker, thread in consumer.worker_threads:
        thread.start()
    yield consumer
    consumer.stop()
    for _worker, thread in consumer.worker_threads:
        thread.join(timeout=30)


def truth(name: str) -> dict:
    return json.loads((SAMPLES / name).with_suffix(".json").read_text())


def french(amount: str) -> str:
    return amount.replace(".", ",")


def test_a_facturx_invoice_fills_the_form_with_sure_suggestions(page: Page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    expected = truth("facturx.pdf")
    open_new_receipt_form(page)
    page.locator("input[type=file]").set_input_files(str(SAMPLES / "facturx.pdf"))
    expect(page.get_by_label("Montant TTC (€)")).to_have_value(
        french(expected["total"]), timeout=READING_WAIT_MS
    )
    expect(page.get_by_label("Date")).to_have_value(expected["date"])
    expect(page.get_by_label("Fournisseur")).to_have_value(expected["supplier"])
    expect(page.get_by_label("TVA à 20 %")).to_have_value(french(expected["vat"]["20"]))
    expect(page.get_by_label("TVA à 10 %")).to_have_value(french(expected["vat"]["10"]))
    expect(page.locator("#amount-suggestion")).to_contain_text("sûr")
    expect(page.get_by_role("status")).to_contain_text("vérifiez chaque suggestion")
    # Nothing is saved until Camille saves.
    expect(page.get_by_role("heading", name="Nouvelle dépense")).to_be_visible()
    page.get_by_label("Catégorie").select_option(label="Fournitures, logiciels, matériel")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Dépense enregistrée.")).to_be_visible()
    assert errors == []


def test_a_photo_fills_the_form_and_keeps_what_was_typed(page: Page):
    expected = truth("photo.jpg")
    open_new_receipt_form(page)
    page.get_by_label("Fournisseur").fill("Mon restaurant")
    page.locator("input[type=file]").set_input_files(str(SAMPLES / "photo.jpg"))
    expect(page.get_by_label("Montant TTC (€)")).to_have_value(
        french(expected["total"]), timeout=READING_WAIT_MS
    )
    expect(page.get_by_label("Date")).to_have_value(expected["date"])
    expect(page.get_by_label("Fournisseur")).to_have_value("Mon restaurant")
    expect(page.locator("#amount-suggestion .badge")).to_be_visible()
