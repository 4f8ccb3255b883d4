"""Receipts: capture from a phone, bad input refused cleanly, the review workflow, lists."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.dates import paris_today
from portal.errors import DomainError
from portal.expenses import queries, services
from portal.expenses.models import ExpenseCategory, PaidBy, Receipt, ReceiptStatus
from portal.members.models import Role
from portal.sales.models import Customer
from portal.sync.models import Change
from tests.helpers import count_queries, login
from tests.unit.test_uploads import image_bomb, jpeg_with_gps, pdf_bytes, png_bytes

TODAY = paris_today()


def category(db_session, name: str) -> ExpenseCategory:
    return db_session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == name))


def stored_files(app) -> set[Path]:
    root = Path(app.config["DATA_DIR"])
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def receipt_count(db_session) -> int:
    return db_session.scalar(select(func.count(Receipt.id)))


def form_data(db_session, **overrides):
    data = {
        "idempotency_key": "a" * 32,
        "spent_on": TODAY.isoformat(),
        "supplier": "Brasserie du Port",
        "amount": "36,30",
        "vat_10": "3,30",
        "category_id": str(category(db_session, "Repas d'affaires").id),
        "paid_by": "member",
        "note": "Déjeuner avec un client",
    }
    data.update(overrides)
    return data


def post_receipt(client, db_session, file=None, filename="recu.jpg", **overrides):
    data = form_data(db_session, **overrides)
    if file is not None:
        data["file"] = FileStorage(io.BytesIO(file), filename=filename)
    # Encoded in memory: the test client would spool a large body to a temporary file and
    # never close it.
    boundary, body = encode_multipart(data)
    return client.post(
        "/receipts/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def make_receipt(db_session, member, *, photo=True, key=None, **fields):
    data = services.ReceiptInput(
        spent_on=fields.pop("spent_on", TODAY),
        supplier=fields.pop("supplier", "Papeterie Centrale"),
        amount=fields.pop("amount", Decimal("120.00")),
        category_id=fields.pop("category_id", category(db_session, "Abonnements").id),
        paid_by=fields.pop("paid_by", PaidBy.MEMBER),
        vat_by_rate=fields.pop("vat_by_rate", {Decimal("0.20"): Decimal("20.00")}),
        customer_id=fields.pop("customer_id", None),
    )
    receipt, _ = services.create_receipt(
        db_session,
        member,
        data,
        jpeg_with_gps((800, 600)) if photo else None,
        key or f"{db_session.scalar(select(func.count(Receipt.id))):032x}",
    )
    db_session.commit()
    return receipt


def make_customer(db_session, member, name: str) -> Customer:
    customer = Customer(member_id=member.id, name=name)
    db_session.add(customer)
    db_session.commit()
    return customer


@pytest.fixture
def receipt_in_app(app, db_session, entrepreneur):
    with app.app_context():
        return make_receipt(db_session, entrepreneur)


# --- capture --------------------------------------------------------------------------------


def test_new_receipt_form_offers_camera_and_file_on_one_file_input(logged_in):
    page = logged_in.get("/receipts/new").text
    assert len(re.findall(r'<input[^>]+type="file"', page)) == 1
    assert "Prendre une photo" in page and "Choisir un fichier" in page
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'name="idempotency_key"[^>]+value="[0-9a-f]{32}"', page)
    assert '<progress class="upload-progress"' in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None


def test_each_form_gets_a_fresh_idempotency_key(logged_in):
    keys = {
        re.search(r'name="idempotency_key"[^>]+value="([0-9a-f]{32})"', logged_in.get(url).text)[1]
        for url in ("/receipts/new", "/receipts/new")
    }
    assert len(keys) == 2


@pytest.mark.parametrize("field", ["category_id", "activity_id", "customer_id"])
@pytest.mark.parametrize("number", ["2147483648", "99999999999999999999", "²"])
def test_receipt_naming_a_row_id_no_row_can_have_is_refused_and_nothing_stored(
    logged_in, db_session, field, number
):
    response = post_receipt(logged_in, db_session, jpeg_with_gps(), **{field: number})
    assert response.status_code == 200
    assert db_session.scalar(select(func.count()).select_from(Receipt)) == 0


def test_receipt_with_photo_is_saved_as_draft_without_metadata(
    app, logged_in, db_session, entrepreneur
):
    response = post_receipt(logged_in, db_session, jpeg_with_gps())
    assert response.status_code == 303
    receipt = db_session.scalar(select(Receipt))
    assert receipt.status is ReceiptStatus.DRAFT and receipt.member_id == entrepreneur.id
    assert (receipt.amount_cents, receipt.vat_cents, receipt.excl_vat_cents) == (3630, 330, 3300)
    assert receipt.vat_recoverable_cents == 330  # business meals: VAT fully recoverable
    photo = logged_in.get(f"/receipts/{receipt.id}/file")
    assert photo.headers["Content-Type"] == "image/jpeg"
    assert photo.headers["Cache-Control"].startswith("private")
    assert b"PhoneMaker" not in photo.data
    # The file kept in storage: no EXIF at all (camera, GPS), turned upright, 2,000 px at most.
    with app.app_context():
        stored = app.extensions["storage"].read(receipt.file_key)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {} and "exif" not in image.info
        assert image.getexif().get_ifd(0x8825) == {}  # no GPS block
        assert image.size == (1000, 2000)
    thumbnail = logged_in.get(f"/receipts/{receipt.id}/thumbnail")
    with Image.open(io.BytesIO(thumbnail.data)) as image:
        assert max(image.size) <= 320
    assert db_session.scalar(
        select(Change).where(Change.entity == "receipt", Change.entity_id == str(receipt.id))
    )


@pytest.mark.parametrize(
    ("maker", "filename", "content_type"),
    [
        (lambda: png_bytes(), "scan.png", "image/jpeg"),
        (pdf_bytes, "facture.pdf", "application/pdf"),
    ],
)
def test_png_and_pdf_are_accepted(logged_in, db_session, maker, filename, content_type):
    assert post_receipt(logged_in, db_session, maker(), filename).status_code == 303
    receipt = db_session.scalar(select(Receipt))
    assert logged_in.get(f"/receipts/{receipt.id}/file").headers["Content-Type"] == content_type


def test_heic_photo_is_accepted(app, logged_in, db_session):
    import pillow_heif  # a dependency: HEIC is encoded here for real, then decoded on upload

    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (600, 400), (10, 90, 200))).save(buffer, quality=50)
    assert buffer.getvalue()[4:12] == b"ftypheic"
    assert (
        post_receipt(logged_in, db_session, buffer.getvalue(), "IMG_0001.HEIC").status_code == 303
    )
    receipt = db_session.scalar(select(Receipt))
    assert receipt.file_content_type == "image/jpeg"
    with app.app_context():
        stored = app.extensions["storage"].read(receipt.file_key)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (600, 400)
        red, _green, blue = image.getpixel((300, 200))
        assert blue > 150 and red < 60  # the picture itself came through, not a blank


def test_retry_with_the_same_key_never_creates_a_duplicate(app, logged_in, db_session):
    first = post_receipt(logged_in, db_session, jpeg_with_gps())
    files = stored_files(app)
    second = post_receipt(logged_in, db_session, jpeg_with_gps())
    assert receipt_count(db_session) == 1
    assert second.status_code == 303 and second.location == first.location
    assert stored_files(app) == files  # the retry stored no second photo


def test_a_key_the_portal_did_not_make_is_explained_and_replaced(logged_in, db_session):
    """The key is a hidden field: its refusal is shown above the form, which comes back with
    what was typed and a fresh key, so that sending it again saves the receipt."""
    refused = post_receipt(logged_in, db_session, jpeg_with_gps(), idempotency_key="not-ours")
    assert refused.status_code == 200
    assert "Ce formulaire avait expiré\xa0: vérifiez votre saisie et renvoyez-le." in refused.text
    assert "Brasserie du Port" in refused.text
    assert receipt_count(db_session) == 0
    fresh = re.search(r'name="idempotency_key"[^>]+value="([0-9a-f]{32})"', refused.text)[1]
    again = post_receipt(logged_in, db_session, jpeg_with_gps(), idempotency_key=fresh)
    assert again.status_code == 303
    assert receipt_count(db_session) == 1


def test_the_same_key_from_another_member_is_another_receipt(
    client, db_session, entrepreneur, make_member
):
    other = make_member()
    login(client, entrepreneur.email)
    post_receipt(client, db_session)
    client.post("/logout")
    login(client, other.email)
    post_receipt(client, db_session)
    assert receipt_count(db_session) == 2


def test_several_vat_rates_on_one_receipt(logged_in, db_session):
    post_receipt(logged_in, db_session, amount="45,00", vat_20="2,00", vat_10="3,00")
    receipt = db_session.scalar(select(Receipt))
    assert receipt.vat_cents == 500
    assert sorted((line.rate, line.vat_cents) for line in receipt.vat_lines) == [
        (Decimal("0.1000"), 300),
        (Decimal("0.2000"), 200),
    ]


def test_vat_recovery_follows_the_category_rule(logged_in, db_session):
    fuel = category(db_session, "Carburant (voiture particulière)")
    post_receipt(
        logged_in, db_session, category_id=str(fuel.id), amount="60,00", vat_20="10,00", vat_10=""
    )
    assert db_session.scalar(select(Receipt)).vat_recoverable_cents == 800  # 80 %
    post_receipt(
        logged_in, db_session, idempotency_key="b" * 32, amount="90,00", vat_10="8,18",
        category_id=str(category(db_session, "Hébergement").id),
    )  # fmt: skip
    hotel = db_session.scalar(
        select(Receipt).where(Receipt.supplier != "").order_by(Receipt.id.desc())
    )
    assert hotel.vat_recoverable_cents == 0


def test_editing_a_receipt_keeps_or_changes_its_vat_rates(logged_in, db_session):
    post_receipt(logged_in, db_session, amount="45,00", vat_20="2,00", vat_10="3,00")
    receipt = db_session.scalar(select(Receipt))
    url = f"/receipts/{receipt.id}/edit"
    # The same rates again (one amount changed): the rows per rate are updated in place.
    data = form_data(db_session, amount="45,00", vat_20="2,50", vat_10="3,00")
    assert logged_in.post(url, data=data).status_code == 303
    data = form_data(db_session, amount="45,00", vat_20="", vat_10="", vat_5_5="1,00")
    assert logged_in.post(url, data=data).status_code == 303
    db_session.expire_all()
    assert [(line.rate, line.vat_cents) for line in receipt.vat_lines] == [(Decimal("0.0550"), 100)]
    assert receipt.vat_cents == 100


def test_vat_recoverable_is_rounded_half_up():
    assert services.vat_recoverable_cents(5, Decimal("0.5")) == 3  # 2.5 cents -> 3
    assert services.vat_recoverable_cents(127, Decimal("0.8")) == 102  # 101.6 -> 102


# --- bad input ------------------------------------------------------------------------------

TRUNCATED_JPEG = jpeg_with_gps((1200, 900))[:2000]


@pytest.mark.parametrize(
    ("file", "filename", "overrides", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 4000, "photo.jpg", {}, "Envoyez une photo"),
        (b"just some text\n" * 100, "recu.jpg", {}, "Envoyez une photo"),
        (TRUNCATED_JPEG, "recu.jpg", {}, "endommagée ou incomplète"),
        (image_bomb(10_000, 5_000), "bomb.png", {}, "trop de pixels"),
        (b"\xff\xd8\xff" + b"0" * (15 * 1024 * 1024), "big.jpg", {}, "dépasse 15 Mo"),
        (
            jpeg_with_gps((400, 300)),
            "recu.jpg",
            {"spent_on": (TODAY + timedelta(days=1)).isoformat()},
            "ne peut pas être dans le futur",
        ),
        (
            jpeg_with_gps((400, 300)),
            "recu.jpg",
            {"amount": "10,00", "vat_20": "12,00"},
            "ne peut pas dépasser le montant TTC",
        ),
        (jpeg_with_gps((400, 300)), "recu.jpg", {"amount": "abc"}, "Saisissez un nombre"),
        (
            jpeg_with_gps((400, 300)),
            "recu.jpg",
            {"category_id": "99999"},
            "Choisissez une catégorie",
        ),
        (jpeg_with_gps((400, 300)), "recu.jpg", {"supplier": "  "}, "nom du fournisseur"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(
    app, logged_in, db_session, file, filename, overrides, message
):
    before = stored_files(app)
    response = post_receipt(logged_in, db_session, file, filename, **overrides)
    assert response.status_code == 200
    assert message in response.text
    assert receipt_count(db_session) == 0
    assert stored_files(app) == before
    # What was typed is kept, the same key too, so sending again cannot duplicate.
    assert "Brasserie du Port" in response.text or overrides.get("supplier")
    assert 'value="' + "a" * 32 + '"' in response.text


def test_someone_elses_activity_is_refused(logged_in, db_session, make_member):
    other = make_member(activities=("Menuiserie",))
    response = post_receipt(logged_in, db_session, activity_id=str(other.activities[0].id))
    assert "une de vos activités" in response.text
    assert receipt_count(db_session) == 0


def test_another_members_receipt_and_photo_are_404(client, db_session, receipt_in_app, make_member):
    intruder = make_member()
    login(client, intruder.email)
    base = f"/receipts/{receipt_in_app.id}"
    for url in (base, f"{base}/file", f"{base}/thumbnail", f"{base}/edit"):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/submit", f"{base}/delete", f"{base}/edit"):
        assert client.post(url).status_code == 404, url
    assert db_session.get(Receipt, receipt_in_app.id).status is ReceiptStatus.DRAFT


# --- link to a customer ---------------------------------------------------------------------


def test_receipt_form_offers_only_the_members_own_customers(
    logged_in, db_session, entrepreneur, make_member
):
    make_customer(db_session, entrepreneur, "Boulangerie Martin")
    make_customer(db_session, make_member(), "Atelier Voisin SARL")
    page = logged_in.get("/receipts/new").text
    assert "Client concerné" in page and "Boulangerie Martin" in page
    assert "Atelier Voisin SARL" not in page


def test_receipt_linked_to_a_customer_shows_it_on_its_page_list_and_csv(
    logged_in, db_session, entrepreneur
):
    customer = make_customer(db_session, entrepreneur, "Boulangerie Martin")
    response = post_receipt(logged_in, db_session, jpeg_with_gps(), customer_id=str(customer.id))
    assert response.status_code == 303
    receipt = db_session.scalar(select(Receipt))
    assert receipt.customer_id == customer.id
    assert "Boulangerie Martin" in logged_in.get(response.location).text
    assert "Boulangerie Martin" in logged_in.get(f"/receipts?year={TODAY.year}").text
    csv_lines = logged_in.get(f"/receipts/export.csv?year={TODAY.year}").text.splitlines()
    assert "Client concerné" in csv_lines[0]
    assert ";Boulangerie Martin;Moi (à rembourser);" in csv_lines[1]
    edit = logged_in.get(f"/receipts/{receipt.id}/edit").text
    assert re.search(rf'<option selected value="{customer.id}">Boulangerie Martin', edit)


def test_the_customer_link_is_optional_and_can_be_removed(logged_in, db_session, entrepreneur):
    customer = make_customer(db_session, entrepreneur, "Boulangerie Martin")
    post_receipt(logged_in, db_session, customer_id=str(customer.id))
    receipt = db_session.scalar(select(Receipt))
    response = logged_in.post(
        f"/receipts/{receipt.id}/edit", data=form_data(db_session, customer_id="0")
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert receipt.customer_id is None


@pytest.mark.parametrize("whose", ["another member's", "nobody's"])
def test_a_customer_that_is_not_the_members_is_refused_and_nothing_stored(
    app, logged_in, db_session, make_member, whose
):
    other = make_customer(db_session, make_member(), "Atelier Voisin SARL")
    customer_id = other.id if whose == "another member's" else other.id + 1000
    before = stored_files(app)
    response = post_receipt(logged_in, db_session, jpeg_with_gps(), customer_id=str(customer_id))
    assert response.status_code == 200
    assert "un de vos clients" in response.text
    assert "Atelier Voisin SARL" not in response.text
    assert receipt_count(db_session) == 0
    assert stored_files(app) == before


def test_editing_cannot_link_another_members_customer(
    logged_in, db_session, entrepreneur, make_member
):
    post_receipt(logged_in, db_session)
    receipt = db_session.scalar(select(Receipt))
    other = make_customer(db_session, make_member(), "Atelier Voisin SARL")
    response = logged_in.post(
        f"/receipts/{receipt.id}/edit", data=form_data(db_session, customer_id=str(other.id))
    )
    assert "un de vos clients" in response.text
    db_session.expire_all()
    assert receipt.customer_id is None


def test_a_receipt_outlives_its_customer_unlinked(app, db_session, entrepreneur):
    # Customers are not deleted in the portal; the database still keeps a receipt (an
    # accounting record) if a customer row ever goes.
    with app.app_context():
        customer = make_customer(db_session, entrepreneur, "Boulangerie Martin")
        receipt = make_receipt(db_session, entrepreneur, customer_id=customer.id)
        db_session.delete(customer)
        db_session.commit()
        db_session.expire_all()
        assert db_session.get(Receipt, receipt.id).customer_id is None


def test_receipt_forms_need_a_csrf_token(app, logged_in, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert post_receipt(logged_in, db_session).status_code == 400
    assert receipt_count(db_session) == 0


# --- workflow -------------------------------------------------------------------------------


def test_a_receipt_without_photo_cannot_be_submitted(app, db_session, entrepreneur):
    with app.app_context():
        receipt = make_receipt(db_session, entrepreneur, photo=False)
        with pytest.raises(DomainError, match="photo"):
            services.submit_receipt(db_session, receipt)


def test_review_workflow_submit_approve_reimburse(
    app, client, db_session, entrepreneur, staff, receipt_in_app
):
    base = f"/receipts/{receipt_in_app.id}"
    login(client, entrepreneur.email)
    assert client.post(f"{base}/submit").status_code == 303
    assert (
        client.post(f"{base}/approve", data={"confirmed": "1"}).status_code == 403
    )  # not for entrepreneurs
    client.post("/logout")
    login(client, staff.email)
    queue = client.get("/receipts/queue").text
    assert f"{base}/thumbnail" in queue and "Camille Durand" in queue
    # The staff's page of the receipt: the photo fitted, a tap zooms to full size.
    page = client.get(base).text
    assert re.search(rf'<a href="{base}/file" class="zoomable"', page)
    assert client.get(f"{base}/file").status_code == 200
    assert client.post(f"{base}/approve", data={"confirmed": "1"}).status_code == 303
    db_session.expire_all()
    assert db_session.get(Receipt, receipt_in_app.id).status is ReceiptStatus.APPROVED
    assert client.post(f"{base}/reimburse", data={"confirmed": "1"}).status_code == 303
    db_session.expire_all()
    receipt = db_session.get(Receipt, receipt_in_app.id)
    assert receipt.status is ReceiptStatus.REIMBURSED and receipt.reimbursed_at is not None


def test_an_approved_receipt_is_immutable(app, client, db_session, entrepreneur, staff):
    with app.app_context():
        receipt = make_receipt(db_session, entrepreneur)
        services.submit_receipt(db_session, receipt)
        services.approve_receipt(db_session, receipt, staff)
        db_session.commit()
        data = services.ReceiptInput(
            spent_on=TODAY, supplier="Autre", amount=Decimal(1), category_id=receipt.category_id,
            paid_by=PaidBy.MEMBER,
        )  # fmt: skip
        for action in (
            lambda: services.update_receipt(db_session, receipt, data, None),
            lambda: services.submit_receipt(db_session, receipt),
            lambda: services.delete_receipt(db_session, receipt),
            lambda: services.reject_receipt(db_session, receipt, staff, "trop tard"),
        ):
            with pytest.raises(DomainError):
                action()
    login(client, entrepreneur.email)
    # Its edit form, opened or sent from a page left open, leads to the receipt, which says why.
    for send in (
        lambda: client.get(f"/receipts/{receipt.id}/edit"),
        lambda: client.post(f"/receipts/{receipt.id}/edit", data={"supplier": "Autre"}),
    ):
        response = send()
        assert response.status_code == 303
        assert response.location == f"/receipts/{receipt.id}"
        page = client.get(response.location).text
        assert page.count("flash-error") == 1
        assert "Cette dépense a été envoyée" in page
        assert "elle ne peut plus être modifiée." in page
    db_session.expire_all()
    assert db_session.get(Receipt, receipt.id).supplier != "Autre"


def test_the_database_layer_refuses_changes_to_an_approved_receipt(
    app, db_session, entrepreneur, staff
):
    with app.app_context():
        receipt = make_receipt(db_session, entrepreneur)
        services.submit_receipt(db_session, receipt)
        services.approve_receipt(db_session, receipt, staff)
        db_session.commit()
        receipt.amount_cents = 1
        with pytest.raises(ValueError, match="approved"):
            db_session.flush()
        db_session.rollback()
        services.record_reimbursement(db_session, receipt)  # still allowed
        db_session.flush()


def test_rejection_needs_a_reason_and_the_member_can_correct_and_resubmit(
    app, client, db_session, entrepreneur, staff, receipt_in_app
):
    base = f"/receipts/{receipt_in_app.id}"
    with app.app_context():
        services.submit_receipt(db_session, receipt_in_app)
        db_session.commit()
    login(client, staff.email)
    response = client.post(f"{base}/reject", data={"reason": "  "})
    assert response.status_code == 200 and "Dites pourquoi" in response.text
    assert client.post(f"{base}/reject", data={"reason": "Ticket illisible"}).status_code == 303
    client.post("/logout")
    login(client, entrepreneur.email)
    assert "Ticket illisible" in client.get(base).text
    edited = client.post(
        f"{base}/edit",
        data={**form_data(db_session, supplier="Papeterie Centrale", amount="120,00"),
              "file": (io.BytesIO(jpeg_with_gps((500, 500))), "net.jpg")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert edited.status_code == 303
    assert client.post(f"{base}/submit").status_code == 303
    db_session.expire_all()
    assert db_session.get(Receipt, receipt_in_app.id).status is ReceiptStatus.SUBMITTED


def test_replacing_the_photo_deletes_the_old_file_once_committed(
    app, logged_in, db_session, receipt_in_app
):
    old = {receipt_in_app.file_key, receipt_in_app.thumbnail_key}
    logged_in.post(
        f"/receipts/{receipt_in_app.id}/edit",
        data={**form_data(db_session), "file": (io.BytesIO(png_bytes()), "new.png")},
        content_type="multipart/form-data",
    )
    db_session.expire_all()
    receipt = db_session.get(Receipt, receipt_in_app.id)
    assert receipt.file_key not in old
    backend = app.extensions["storage"]
    assert not any(backend.exists(key) for key in old)
    assert backend.exists(receipt.file_key)


def test_only_approved_receipts_paid_by_the_member_are_reimbursed(
    app, db_session, entrepreneur, staff
):
    with app.app_context():
        by_coop = make_receipt(db_session, entrepreneur, paid_by=PaidBy.COOP)
        services.submit_receipt(db_session, by_coop)
        with pytest.raises(DomainError):
            services.record_reimbursement(db_session, by_coop)  # not approved yet
        services.approve_receipt(db_session, by_coop, staff)
        with pytest.raises(DomainError):
            services.record_reimbursement(db_session, by_coop)  # the coop paid it


def test_recording_the_same_reimbursement_twice_is_harmless(app, db_session, entrepreneur, staff):
    with app.app_context():
        receipt = make_receipt(db_session, entrepreneur)
        services.submit_receipt(db_session, receipt)
        services.approve_receipt(db_session, receipt, staff)
        first = services.record_reimbursement(db_session, receipt).reimbursed_at
        assert services.record_reimbursement(db_session, receipt).reimbursed_at == first


def test_a_draft_can_be_deleted_with_its_files(app, logged_in, db_session, receipt_in_app):
    keys = (receipt_in_app.file_key, receipt_in_app.thumbnail_key)
    assert (
        logged_in.post(f"/receipts/{receipt_in_app.id}/delete", data={"confirmed": "1"}).status_code
        == 303
    )
    assert receipt_count(db_session) == 0
    assert not any(app.extensions["storage"].exists(key) for key in keys)


def test_the_queue_is_for_the_support_team(logged_in):
    assert logged_in.get("/receipts/queue").status_code == 403


# --- lists ----------------------------------------------------------------------------------


def test_list_totals_by_month_and_category_leave_rejected_receipts_out(
    app, logged_in, db_session, entrepreneur, staff
):
    year = TODAY.year
    with app.app_context():
        make_receipt(db_session, entrepreneur, spent_on=date(year, 1, 10), photo=False)
        make_receipt(
            db_session, entrepreneur, spent_on=date(year, 1, 20), amount=Decimal("60"),
            vat_by_rate={Decimal("0.20"): Decimal("10")},
            category_id=category(db_session, "Carburant (voiture particulière)").id, photo=False,
        )  # fmt: skip
        rejected = make_receipt(db_session, entrepreneur, spent_on=date(year, 1, 5))
        services.submit_receipt(db_session, rejected)
        services.reject_receipt(db_session, rejected, staff, "doublon")
        db_session.commit()
        months = queries.totals_by_month(db_session, entrepreneur.id, year)
    january = next(t for t in months if t.label == 1)
    assert (january.count, january.amount_cents) == (3, 18000)
    assert (january.excl_vat_cents, january.vat_recoverable_cents) == (15000, 2800)
    page = logged_in.get(f"/receipts?year={year}&month=1").text
    assert "180,00" in page and "150,00" in page and "28,00" in page
    assert "Carburant (voiture particulière)" in page
    # On a phone the receipts come first, the yearly summaries after them.
    assert page.index('class="receipt-list"') < page.index('id="by-month-title"')


def test_list_runs_the_same_number_of_queries_for_5_or_60_receipts(
    app, logged_in, db_session, entrepreneur
):
    def queries() -> int:
        with count_queries(app.extensions["database"].engine) as counted:
            page = logged_in.get(f"/receipts?year={TODAY.year}")
            assert page.status_code == 200
            assert re.search(r"· Client \d+", page.text)
        return counted()

    with app.app_context():
        # Each receipt names a different customer: the names come in the same query.
        customers = [make_customer(db_session, entrepreneur, f"Client {n}") for n in range(60)]
        for customer in customers[:5]:
            make_receipt(db_session, entrepreneur, photo=False, customer_id=customer.id)
        few = queries()
        for customer in customers[5:]:
            make_receipt(db_session, entrepreneur, photo=False, customer_id=customer.id)
    assert queries() == few


def test_htmx_filter_gets_the_list_fragment_only(logged_in, receipt_in_app):
    response = logged_in.get(f"/receipts?year={TODAY.year}", headers={"HX-Request": "true"})
    assert "<html" not in response.text and "Papeterie Centrale" in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" in logged_in.get("/receipts").text


def test_staff_see_a_members_list_but_a_member_sees_only_their_own(
    client, db_session, entrepreneur, staff, make_member, receipt_in_app
):
    login(client, staff.email)
    assert "Papeterie Centrale" in client.get(f"/receipts?member={entrepreneur.id}").text
    client.post("/logout")
    login(client, make_member().email)
    assert "Papeterie Centrale" not in client.get(f"/receipts?member={entrepreneur.id}").text


def test_csv_export_has_french_decimals_and_the_vat_recoverable(logged_in, receipt_in_app):
    response = logged_in.get(f"/receipts/export.csv?year={TODAY.year}")
    assert response.mimetype == "text/csv"
    lines = response.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Date;Fournisseur ou objet;Catégorie")
    assert (
        "Papeterie Centrale;Abonnements;;;Moi (à rembourser);Brouillon;100,00;20,00;120,00;20,00"
        in lines[1]
    )


# --- mileage and categories ----------------------------------------------------------------


def test_mileage_claim_amount_comes_from_the_scale(logged_in, db_session):
    data = {
        "idempotency_key": "c" * 32, "spent_on": date(2026, 3, 2).isoformat(),
        "distance_km": "100", "fiscal_horsepower": "5", "purpose": "Lyon – Villeurbanne",
        "paid_by": "member",
    }  # fmt: skip
    if date(2026, 3, 2) > TODAY:
        pytest.skip("the test date is in the future")
    assert logged_in.post("/receipts/mileage/new", data=data).status_code == 303
    claim = db_session.scalar(select(Receipt))
    assert claim.amount_cents == 6360 and claim.vat_cents == 0  # 100 km × 0,636
    data.update(idempotency_key="d" * 32, electric="y")
    logged_in.post("/receipts/mileage/new", data=data)
    electric = db_session.scalar(select(Receipt).order_by(Receipt.id.desc()))
    assert electric.amount_cents == 7632  # +20 %


def test_mileage_claim_is_refused_without_a_scale_for_its_year(app, db_session, entrepreneur):
    with app.app_context(), pytest.raises(DomainError, match="2019"):
        services.create_mileage_claim(
            db_session,
            entrepreneur,
            services.MileageInput(date(2019, 5, 1), Decimal(10), 5, "Visite"),
            "e" * 32,
        )


def test_admin_sets_a_category_vat_rule_and_members_cannot(client, db_session, admin, entrepreneur):
    login(client, entrepreneur.email)
    assert client.get("/receipts/categories").status_code == 403
    client.post("/logout")
    login(client, admin.email)
    parking = category(db_session, "Stationnement")
    response = client.post(
        "/receipts/categories",
        data={"category_id": parking.id, "name": "Stationnement", "vat_recovery_percent": "100",
              "active": "y"},
    )  # fmt: skip
    assert response.status_code == 303
    db_session.expire_all()
    assert category(db_session, "Stationnement").vat_recovery_rate == 1
    clash = client.post(
        "/receipts/categories",
        data={"name": "Péages", "vat_recovery_percent": "100", "active": "y"},
    )
    assert "existe déjà" in clash.text


def test_staff_role_is_not_an_entrepreneur_list_leak(client, make_member):
    other_staff = make_member(role=Role.STAFF)
    login(client, other_staff.email)
    assert client.get("/receipts?member=999999").status_code == 404


def test_the_receipt_page_offers_each_action_its_predicate_allows(
    app, client, db_session, entrepreneur, staff
):
    with app.app_context():
        draft = make_receipt(db_session, entrepreneur)
        submitted = make_receipt(db_session, entrepreneur)
        services.submit_receipt(db_session, submitted)
        approved = make_receipt(db_session, entrepreneur)
        services.submit_receipt(db_session, approved)
        services.approve_receipt(db_session, approved, staff)
        by_the_coop = make_receipt(db_session, entrepreneur, paid_by=PaidBy.COOP)
        services.submit_receipt(db_session, by_the_coop)
        services.approve_receipt(db_session, by_the_coop, staff)
        rejected = make_receipt(db_session, entrepreneur)
        services.submit_receipt(db_session, rejected)
        services.reject_receipt(db_session, rejected, staff, "Illisible")
        db_session.commit()
    receipts = (draft, submitted, approved, by_the_coop, rejected)
    # Each button of the page, and the predicate that decides it, for whoever looks.
    actions = {
        entrepreneur: {
            ">Modifier</a>": Receipt.refusal_to_edit,
            "Envoyer à l'équipe d'accompagnement": Receipt.refusal_to_change,
            "Supprimer le brouillon": Receipt.refusal_to_delete,
        },
        staff: {
            ">Valider</button>": Receipt.refusal_to_decide,
            ">Refuser</button>": Receipt.refusal_to_decide,
            "Enregistrer le remboursement": Receipt.refusal_to_reimburse,
        },
    }
    seen = {}
    for viewer, buttons in actions.items():
        login(client, viewer.email)
        for receipt in receipts:
            page = unescape(client.get(f"/receipts/{receipt.id}").text)
            for button, refusal in buttons.items():
                allowed = refusal(receipt) is None
                assert (button in page) == allowed, (button, receipt.status)
                seen.setdefault(button, set()).add(allowed)
        client.post("/logout")
    assert all(both == {True, False} for both in seen.values()), seen
