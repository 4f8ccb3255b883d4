"""Expenses in the sync API: receipts (every state) and categories in the feed, a receipt and
its photo or PDF, and the reimbursement the back office paid, through the same
`record_reimbursement` as the support team's button."""

from flask import Blueprint, Response, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.api import inputs
from portal.api.errors import ApiError
from portal.api.idempotency import idempotent
from portal.api.serializers import (
    decimal_string,
    iso,
    money,
    one_or_404,
    register_batch,
    register_rows,
    row_ids,
    row_or_404,
)
from portal.db import db
from portal.expenses.models import ExpenseCategory, Receipt, ReceiptVat
from portal.expenses.services import record_reimbursement
from portal.members.models import Activity, Member
from portal.sales.models import Customer
from portal.storage import storage

# Nested under the API's blueprint: /api/v1 and its token check (portal/blueprints.py).
bp = Blueprint("expenses", __name__)

# Read as plain rows of the columns shown, one query per table, unpacked in column order (as
# invoices are, see portal/sales/api.py): the feed's pages hold up to 1,000 receipts.
RECEIPT_COLUMNS = (
    Receipt.id,
    Receipt.member_id,
    Member.email,
    Receipt.kind,
    Receipt.status,
    Receipt.spent_on,
    Receipt.supplier,
    Receipt.amount_cents,
    Receipt.vat_cents,
    Receipt.vat_recoverable_cents,
    Receipt.category_id,
    ExpenseCategory.name,
    Activity.name,
    Receipt.customer_id,
    Customer.name,
    Receipt.paid_by,
    Receipt.note,
    Receipt.distance_km,
    Receipt.fiscal_horsepower,
    Receipt.electric,
    Receipt.file_key,
    Receipt.file_content_type,
    Receipt.rejection_reason,
    Receipt.created_at,
    Receipt.submitted_at,
    Receipt.decided_at,
    Receipt.reimbursed_at,
)
# Each receipt's photo URL is this one with its id: url_for once per page, not per receipt.
_ID_IN_URL = "0000"


@register_batch("receipt")
def receipts_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    """Receipts and mileage claims in every state, with their VAT per rate (highest rate
    first), in two queries however many."""
    ids = row_ids(entity_ids)
    vat_rows = session.execute(
        select(ReceiptVat.receipt_id, ReceiptVat.rate, ReceiptVat.vat_cents)
        .where(ReceiptVat.receipt_id.in_(ids))
        .order_by(ReceiptVat.receipt_id, ReceiptVat.rate.desc())
    )
    vat_lines: dict[int, list[dict]] = {}
    for receipt_id, rate, vat_cents in vat_rows:
        vat_lines.setdefault(receipt_id, []).append(
            {"rate": decimal_string(rate), "vat": money(cents=vat_cents)}
        )
    rows = session.execute(
        select(*RECEIPT_COLUMNS)
        .join(Member, Member.id == Receipt.member_id)
        .join(ExpenseCategory, ExpenseCategory.id == Receipt.category_id)
        .outerjoin(Activity, Activity.id == Receipt.activity_id)
        .outerjoin(Customer, Customer.id == Receipt.customer_id)
        .where(Receipt.id.in_(ids))
    )
    photo_url = url_for("api.expenses.receipt_photo", receipt_id=_ID_IN_URL)
    receipts = {}
    for row in rows:
        (id_, member_id, member_email, kind, status, spent_on, supplier, amount_cents,
         vat_cents, vat_recoverable_cents, category_id, category_name, activity_name,
         customer_id, customer_name, paid_by, note, distance_km, fiscal_horsepower, electric,
         file_key, file_content_type, rejection_reason, created_at, submitted_at, decided_at,
         reimbursed_at) = row  # fmt: skip
        receipts[str(id_)] = {
            "id": id_,
            "member_id": member_id,
            "member": member_email,
            "kind": kind.value,
            "status": status.value,
            "spent_on": iso(spent_on),
            "supplier": supplier,
            "amount": money(cents=amount_cents),
            "amount_excl_vat": money(cents=amount_cents - vat_cents),
            "vat": money(cents=vat_cents),
            "vat_recoverable": money(cents=vat_recoverable_cents),
            "vat_lines": vat_lines.get(id_, []),
            "category": {"id": category_id, "name": category_name},
            "activity": activity_name,
            "customer": (
                {"id": customer_id, "name": customer_name} if customer_id is not None else None
            ),
            "paid_by": paid_by.value,
            "note": note,
            "distance_km": decimal_string(distance_km, 1),
            "fiscal_horsepower": fiscal_horsepower,
            "electric": electric,
            "photo": photo_url.replace(_ID_IN_URL, str(id_)) if file_key else None,
            "photo_content_type": file_content_type,
            "rejection_reason": rejection_reason or None,
            "created_at": iso(created_at),
            "submitted_at": iso(submitted_at),
            "decided_at": iso(decided_at),
            "reimbursed_at": iso(reimbursed_at),
        }
    return receipts


def category_representation(category: ExpenseCategory) -> dict:
    return {
        "id": category.id,
        "name": category.name,
        "vat_recovery_rate": decimal_string(category.vat_recovery_rate),
        "active": category.active,
        "for_mileage": category.for_mileage,
    }


register_rows("expense_category", ExpenseCategory, category_representation)


@bp.get("/receipts/<receipt_id>")
def receipt(receipt_id: str):
    return one_or_404(db.session, receipts_data, receipt_id, "receipt")


@bp.get("/receipts/<receipt_id>/photo")
def receipt_photo(receipt_id: str):
    """The photo or PDF as uploaded (location data already stripped at upload)."""
    found = row_or_404(db.session, Receipt, receipt_id)
    if not found.file_key or not storage().exists(found.file_key):
        raise ApiError(404, "not_found", "This receipt has no photo (a mileage claim has none).")
    content_type = found.file_content_type or "application/octet-stream"
    return Response(storage().read(found.file_key), mimetype=content_type)


@bp.post("/receipts/<receipt_id>/reimbursement")
@idempotent
def reimburse_receipt(receipt_id: str):
    body = inputs.optional_json_body()
    inputs.only_fields(body, ("reimbursed_at",))
    reimbursed_at = inputs.timestamp(body, "reimbursed_at")
    found = row_or_404(db.session, Receipt, receipt_id)
    record_reimbursement(db.session, found, reimbursed_at)
    return one_or_404(db.session, receipts_data, str(found.id), "receipt")
