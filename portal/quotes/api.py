"""Quotes in the sync API: entity `quote` in the feed and `GET /quotes/{id}`, with the same
money rules as invoices (strings with two decimals, never floats), and the quote's PDF."""

from flask import Blueprint
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.api.serializers import iso, money, one_or_404, register_batch, row_ids, row_or_404
from portal.dates import paris_today
from portal.db import db
from portal.members.models import Activity, Member
from portal.quotes.documents import pdf_filename, quote_pdf
from portal.quotes.models import Quote, QuoteLine
from portal.sales.api import (
    CUSTOMER_COLUMNS,
    customer_representation,
    line_columns,
    lines_by_document,
)
from portal.sales.models import Customer
from portal.web.files import made_pdf

# Nested under the API's blueprint: /api/v1 and its token check (portal/blueprints.py).
bp = Blueprint("quotes", __name__)

QUOTE_COLUMNS = (
    Quote.id,
    Quote.number,
    Quote.status,
    Quote.member_id,
    Member.email,
    Activity.name,
    Quote.issue_date,
    Quote.valid_until,
    Quote.operation_type,
    Quote.payment_terms,
    Quote.total_excl_vat_cents,
    Quote.vat_cents,
    Quote.total_incl_vat_cents,
    Quote.created_at,
    Quote.validated_at,
    Quote.sent_at,
    Quote.answered_at,
    Quote.signed_by,
    Quote.signed_copy_key,
)
QUOTE_IDS = bindparam("quote_ids", expanding=True)
QUOTE_LINES = (
    select(*line_columns(QuoteLine.quote_id, QuoteLine))
    .where(QuoteLine.quote_id.in_(QUOTE_IDS))
    .order_by(QuoteLine.quote_id, QuoteLine.position)
)
QUOTE_ROWS = (
    select(*QUOTE_COLUMNS, *CUSTOMER_COLUMNS)
    .join(Member, Member.id == Quote.member_id)
    .join(Customer, Customer.id == Quote.customer_id)
    .outerjoin(Activity, Activity.id == Quote.activity_id)
    .where(Quote.id.in_(QUOTE_IDS))
)


@register_batch("quote")
def quotes_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    """Quotes with their customers and lines, in two queries however many. `status` is the
    stored one; `expired` says whether a quote still awaiting its answer is past its date."""
    connection = session.connection()
    params = {"quote_ids": sorted(row_ids(entity_ids))}
    lines = lines_by_document(session, QUOTE_LINES, params)
    today = paris_today()
    quotes = {}
    for row in connection.execute(QUOTE_ROWS, params):
        (id_, number, status, member_id, member_email, activity_name, issue_date, valid_until,
         operation_type, payment_terms, total_excl_vat_cents, vat_cents, total_incl_vat_cents,
         created_at, validated_at, sent_at, answered_at, signed_by,
         signed_copy_key) = row[: len(QUOTE_COLUMNS)]  # fmt: skip
        quotes[str(id_)] = {
            "id": id_,
            "number": number,
            "status": status.value,
            "expired": status.awaits_answer and valid_until < today,
            "member_id": member_id,
            "member": member_email,
            "activity": activity_name,
            "customer": customer_representation(row[len(QUOTE_COLUMNS) :]),
            "issue_date": iso(issue_date),
            "valid_until": iso(valid_until),
            "operation_type": operation_type.value,
            "payment_terms": payment_terms or None,
            "lines": lines.get(id_, []),
            "total_excl_vat": money(cents=total_excl_vat_cents),
            "total_vat": money(cents=vat_cents),
            "total_incl_vat": money(cents=total_incl_vat_cents),
            "created_at": iso(created_at),
            "validated_at": iso(validated_at),
            "sent_at": iso(sent_at),
            "answered_at": iso(answered_at),
            "signed_by": signed_by or None,
            "signed_on_paper": signed_copy_key is not None,
        }
    return quotes


@bp.get("/quotes/<quote_id>")
def quote(quote_id: str):
    return one_or_404(db.session, quotes_data, quote_id, "quote")


@bp.get("/quotes/<quote_id>/pdf")
def quote_pdf_file(quote_id: str):
    quote = row_or_404(db.session, Quote, quote_id)
    return made_pdf(quote_pdf(db.session, quote), pdf_filename(quote))
