"""Expenses in the sync API: receipts (every state) and categories in the feed, a receipt and
its photo or PDF, and the reimbursement the back office paid, through the same
`record_reimbursement` as the support team's button."""

from flask import Response, url_for
from sqlalchemy.orm import joinedload, selectinload

from portal.api import inputs
from portal.api.errors import ApiError
from portal.api.idempotency import idempotent
from portal.api.serializers import decimal_string, iso, money, register_rows, row_or_404
from portal.api.views import bp
from portal.db import db
from portal.expenses.models import ExpenseCategory, Receipt
from portal.expenses.services import record_reimbursement
from portal.storage import storage


def receipt_representation(receipt: Receipt) -> dict:
    return {
        "id": receipt.id,
        "member_id": receipt.member_id,
        "member": receipt.member.email,
        "kind": receipt.kind.value,
        "status": receipt.status.value,
        "spent_on": iso(receipt.spent_on),
        "supplier": receipt.supplier,
        "amount": money(cents=receipt.amount_cents),
        "amount_excl_vat": money(cents=receipt.excl_vat_cents),
        "vat": money(cents=receipt.vat_cents),
        "vat_recoverable": money(cents=receipt.vat_recoverable_cents),
        "vat_lines": [
            {"rate": decimal_string(line.rate), "vat": money(cents=line.vat_cents)}
            for line in receipt.vat_lines
        ],
        "category": {"id": receipt.category_id, "name": receipt.category.name},
        "activity": receipt.activity.name if receipt.activity else None,
        "customer": (
            {"id": receipt.customer.id, "name": receipt.customer.name} if receipt.customer else None
        ),
        "paid_by": receipt.paid_by.value,
        "note": receipt.note,
        "distance_km": decimal_string(receipt.distance_km, 1),
        "fiscal_horsepower": receipt.fiscal_horsepower,
        "electric": receipt.electric,
        "photo": url_for("api.receipt_photo", receipt_id=receipt.id) if receipt.file_key else None,
        "photo_content_type": receipt.file_content_type,
        "rejection_reason": receipt.rejection_reason or None,
        "created_at": iso(receipt.created_at),
        "submitted_at": iso(receipt.submitted_at),
        "decided_at": iso(receipt.decided_at),
        "reimbursed_at": iso(receipt.reimbursed_at),
    }


def _receipt_options():
    return (
        joinedload(Receipt.member),
        joinedload(Receipt.category),
        joinedload(Receipt.activity),
        joinedload(Receipt.customer),
        selectinload(Receipt.vat_lines),
    )


def category_representation(category: ExpenseCategory) -> dict:
    return {
        "id": category.id,
        "name": category.name,
        "vat_recovery_rate": decimal_string(category.vat_recovery_rate),
        "active": category.active,
        "for_mileage": category.for_mileage,
    }


register_rows("receipt", Receipt, receipt_representation, *_receipt_options())
register_rows("expense_category", ExpenseCategory, category_representation)


def _receipt_or_404(receipt_id: str) -> Receipt:
    return row_or_404(db.session, Receipt, receipt_id, *_receipt_options())


@bp.get("/receipts/<receipt_id>")
def receipt(receipt_id: str):
    return receipt_representation(_receipt_or_404(receipt_id))


@bp.get("/receipts/<receipt_id>/photo")
def receipt_photo(receipt_id: str):
    """The photo or PDF as uploaded (location data already stripped at upload)."""
    found = _receipt_or_404(receipt_id)
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
    found = _receipt_or_404(receipt_id)
    return receipt_representation(record_reimbursement(db.session, found, reimbursed_at))
