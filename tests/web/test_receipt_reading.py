"""POST /receipts/read: a chosen file's suggestions as JSON, or the receipt form's fields filled
for htmx; nothing stored, CSRF as every form, members only. (Pages in French, the members'
default language: French texts carry their no-break spaces.)"""

import gc
import io
import json
import re
import warnings
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.expenses import reading
from portal.expenses.models import Receipt
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from portal.storage import storage
from tests.helpers import PASSWORD, committed_app, login
from tests.web.test_queue import worker_threads

SAMPLES = Path(__file__).resolve().parent.parent / "reference" / "receipts"
JSON = {"Accept": "application/json"}
HTMX = {"HX-Request": "true", "HX-Target": "upload-status"}


def sample(name: str) -> tuple[bytes, dict]:
    path = SAMPLES / name
    return path.read_bytes(), json.loads(path.with_suffix(".json").read_text())


def post_file(client, data: bytes, name: str, headers=None, **fields):
    return client.post(
        "/receipts/read",
        data={"file": (io.BytesIO(data), name), **fields},
        headers=headers or {},
        content_type="multipart/form-data",
    )


def french(amount: str) -> str:
    return amount.replace(".", ",")


def field_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else ""


def test_a_facturx_pdf_answers_its_suggestions_as_json(logged_in):
    data, truth = sample("facturx.pdf")
    response = post_file(logged_in, data, "facture.pdf", JSON)
    assert response.status_code == 200
    answer = response.get_json()
    assert {name: answer[name] for name in ("date", "total", "vat", "supplier", "siret")} == {
        name: truth[name] for name in ("date", "total", "vat", "supplier", "siret")
    }
    assert answer["source"] == "facturx"
    assert answer["confidence"]["total"] == 1.0
    assert isinstance(answer["total"], str)


def test_htmx_gets_the_form_fields_filled_with_how_sure_each_is(logged_in):
    data, truth = sample("facturx.pdf")
    response = post_file(logged_in, data, "facture.pdf", HTMX)
    assert response.status_code == 200
    page = response.text
    # The status in place of the upload's, each filled field out of band.
    assert '<p class="upload-status" id="upload-status"' in page
    assert '<div id="suggest-amount" hx-swap-oob="true">' in page
    assert field_value(page, "amount") == french(truth["total"])
    assert field_value(page, "spent_on") == truth["date"]
    assert field_value(page, "supplier") == truth["supplier"]
    assert field_value(page, "vat_20") == french(truth["vat"]["20"])
    assert field_value(page, "vat_10") == french(truth["vat"]["10"])
    assert page.count('class="badge sure"') == 5  # date, amount, supplier, two VAT rates
    assert f"SIRET lu sur le ticket\u00a0: {truth['siret']}." in page
    assert "vérifiez chaque suggestion, puis enregistrez" in page
    assert page.count(">sûr<") == 5
    assert "HX-Request" in response.headers["Vary"]


def test_what_was_typed_before_choosing_the_file_is_kept(logged_in):
    data, truth = sample("facturx.pdf")
    page = post_file(logged_in, data, "f.pdf", HTMX, supplier="Mon hôtel", amount="").text
    assert 'name="supplier"' not in page  # not replaced: what was typed stays on the page
    assert field_value(page, "amount") == french(truth["total"])


def test_without_javascript_the_page_comes_back_with_the_form_filled(logged_in):
    data, truth = sample("facturx.pdf")
    page = post_file(logged_in, data, "f.pdf", supplier="Mon hôtel").text
    assert "<html" in page
    assert field_value(page, "supplier") == "Mon hôtel"
    assert field_value(page, "amount") == french(truth["total"])
    assert 'id="supplier-suggestion"' not in page
    assert 'id="amount-suggestion"' in page


def test_reading_stores_nothing(logged_in, db_session):
    data, _truth = sample("text.pdf")
    before = db_session.scalar(select(func.count()).select_from(Receipt))
    assert post_file(logged_in, data, "f.pdf", JSON).status_code == 200
    assert db_session.scalar(select(func.count()).select_from(Receipt)) == before


def test_the_new_receipt_form_reads_the_file_as_soon_as_it_is_chosen(logged_in):
    page = logged_in.get("/receipts/new").text
    file_input = re.search(r'<input type="file"[^>]*>', page, re.S).group(0)
    assert 'hx-post="/receipts/read"' in file_input
    assert 'hx-trigger="receipt-file-chosen"' in file_input  # static/js/reading.js
    assert 'hx-target="#upload-status"' in file_input
    assert 'id="suggest-amount"' in page


def test_htmx_without_a_file_gets_no_content(logged_in):
    response = logged_in.post("/receipts/read", data={}, headers=HTMX)
    assert response.status_code == 204


def test_a_file_of_another_kind_is_refused_with_the_uploads_message(logged_in):
    response = post_file(logged_in, b"MZ\x90\x00" * 100, "virus.exe", JSON)
    assert response.status_code == 422
    assert response.get_json() == {"error": "Envoyez une photo (JPEG, PNG ou HEIC) ou un PDF."}
    page = post_file(logged_in, b"MZ\x90\x00" * 100, "virus.exe", HTMX)
    assert page.status_code == 200  # htmx swaps it: the message shows in the form
    assert "Envoyez une photo (JPEG, PNG ou HEIC) ou un PDF." in page.text
    assert 'name="amount"' not in page.text


def test_a_file_over_15_mb_is_refused(logged_in):
    response = post_file(logged_in, b"%PDF-" + b"0" * (15 * 1024 * 1024), "big.pdf", JSON)
    status, answer = response.status_code, response.get_json()
    # Werkzeug's test client spools a body over 500 KB to a temporary file that it never
    # closes: collected here, with its response, so that its warning fails no other test.
    del response
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert status == 422
    assert answer["error"].startswith("Le fichier dépasse 15")


def test_an_unreadable_image_suggests_nothing_and_the_form_stays_empty(logged_in):
    broken = b"\xff\xd8\xff\xe0" + b"\x00" * 500
    answer = post_file(logged_in, broken, "photo.jpg", JSON).get_json()
    assert answer == {
        "date": None,
        "total": None,
        "vat": {},
        "supplier": None,
        "siret": None,
        "source": None,
        "confidence": {},
    }
    page = post_file(logged_in, broken, "photo.jpg", HTMX).text
    assert 'name="amount"' not in page
    assert "Rien n'a pu être lu dans ce fichier\u00a0: saisissez les champs." in page


@pytest.fixture
def queued_app(tmp_path, committed_database):
    """The portal on a committed database with a real queue of its own (the test app runs
    tasks at once): a worker reads only if the test starts one."""
    app = committed_app(
        committed_database("sqlite"),
        tmp_path / "data",
        QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
    )
    with app.app_context():
        create_member(
            db.session, email="camille@example.org", full_name="Camille Durand",
            role=Role.ENTREPRENEUR, status=MemberStatus.EMPLOYEE, password=PASSWORD,
        )  # fmt: skip
        db.session.commit()
    yield app
    app.extensions["database"].engine.dispose()
    app.extensions["queue"].huey.storage.close()


def stored_readings(app) -> list[str]:
    with app.app_context():
        files = storage().keys()  # a storage, not a dict: it has no __iter__
        return [key for key in files if key.startswith("readings/")]


def test_the_worker_reads_the_file_off_the_request(queued_app):
    client = queued_app.test_client()
    assert login(client, "camille@example.org").status_code == 303
    data, truth = sample("facturx.pdf")
    with worker_threads(queued_app, 1):
        answer = post_file(client, data, "f.pdf", JSON).get_json()
    assert (answer["total"], answer["source"]) == (truth["total"], "facturx")
    assert stored_readings(queued_app) == []  # the worker deleted the file it read


def test_with_the_worker_down_the_form_stays_to_type(queued_app, monkeypatch):
    monkeypatch.setattr(reading, "READING_WAIT_S", 0.5)
    client = queued_app.test_client()
    assert login(client, "camille@example.org").status_code == 303
    data, _truth = sample("facturx.pdf")
    answer = post_file(client, data, "f.pdf", JSON).get_json()
    assert answer["total"] is None and answer["source"] is None
    page = post_file(client, data, "f.pdf", HTMX).text
    assert 'name="amount"' not in page
    assert "Rien n'a pu être lu dans ce fichier" in page
    assert stored_readings(queued_app) == []  # the request deleted what was not read


def test_reading_needs_the_csrf_token(app, client, entrepreneur, monkeypatch):
    assert login(client, entrepreneur.email).status_code == 303
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    data, truth = sample("text.pdf")
    refused = post_file(client, data, "f.pdf", JSON)
    assert refused.status_code == 400
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/receipts/new").text
    ).group(1)
    accepted = post_file(client, data, "f.pdf", {**JSON, "X-CSRFToken": token})
    assert accepted.status_code == 200
    assert accepted.get_json()["total"] == truth["total"]


def test_only_members_logged_in_may_have_a_file_read(client):
    data, _truth = sample("facturx.pdf")
    response = post_file(client, data, "f.pdf", JSON)
    assert response.status_code in (302, 303, 401)
    assert "total" not in response.text


@pytest.mark.parametrize("path", ["/receipts/read", "/receipts/read/1", "/receipts/read?job=1"])
def test_no_address_gives_back_a_reading(logged_in, path):
    """A reading is the answer to its own request only: there is no job or result to guess."""
    assert logged_in.get(path).status_code in (404, 405)
