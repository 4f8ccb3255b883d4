"""Sales in the sync API: invoices and credit notes (entity `invoice`, `kind` tells which),
customers and payments in the feed; an invoice and its Factur-X PDF; payments pushed by the
back office, through the same `record_payment` as the support team's form."""

from flask import Blueprint, jsonify
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.api import inputs
from portal.api.idempotency import idempotent
from portal.api.serializers import (
    decimal_string,
    iso,
    money,
    one_or_404,
    register_batch,
    row_ids,
    row_or_404,
)
from portal.coop.services import get_coop_settings
from portal.dates import paris_today
from portal.db import db
from portal.members.models import Activity, Member
from portal.sales.documents import pdf_filename, render_pdf
from portal.sales.models import (
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Payment,
    PaymentMethod,
    PricedLine,
    QuoteInvoice,
    Refund,
    outstanding_cents_for,
)
from portal.sales.parties import document_parties
from portal.sales.services import record_payment, record_refund
from portal.sync.documents import Source, keep
from portal.web.files import made_pdf

# Nested under the API's blueprint: /api/v1 and its token check (portal/blueprints.py).
bp = Blueprint("sales", __name__)

PAYMENT_METHODS = tuple(method.value for method in PaymentMethod)


# The feed's pages hold a hundred invoices and their lines: they are read as plain rows of the
# columns shown, one query per table, and each row is unpacked in the order of its columns
# (the ORM's objects, and even a row's attributes by name, cost more than the JSON).

CUSTOMER_COLUMNS = (
    Customer.id,
    Customer.member_id,
    Customer.kind,
    Customer.name,
    Customer.address,
    Customer.postcode,
    Customer.city,
    Customer.country_code,
    Customer.email,
    Customer.siren,
    Customer.siret,
    Customer.vat_number,
)


def customer_representation(row: tuple) -> dict:
    """`row`: the values of CUSTOMER_COLUMNS, in order."""
    (id_, member_id, kind, name, address, postcode, city, country_code, email, siren, siret,
     vat_number) = row  # fmt: skip
    return {
        "id": id_,
        "member_id": member_id,
        "kind": kind.value,
        "name": name,
        "address": address,
        "postcode": postcode,
        "city": city,
        "country_code": country_code,
        "email": email,
        "siren": siren or None,
        "siret": siret or None,
        "vat_number": vat_number or None,
    }


@register_batch("customer")
def customers_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    rows = session.execute(select(*CUSTOMER_COLUMNS).where(Customer.id.in_(row_ids(entity_ids))))
    return {str(row[0]): customer_representation(row) for row in rows}


INVOICE_COLUMNS = (
    Invoice.id,
    Invoice.kind,
    Invoice.number,
    Invoice.status,
    Invoice.member_id,
    Member.email,
    Activity.name,
    Invoice.credited_invoice_id,
    Invoice.issue_date,
    Invoice.due_date,
    Invoice.service_date,
    Invoice.operation_type,
    Invoice.purchase_order,
    Invoice.total_excl_vat_cents,
    Invoice.vat_cents,
    Invoice.total_incl_vat_cents,
    Invoice.paid_cents,
    Invoice.credited_cents,
    Invoice.refund_due_cents,
    Invoice.refunded_cents,
    Invoice.created_at,
    Invoice.validated_at,
    Invoice.sent_at,
    QuoteInvoice.quote_id,
    QuoteInvoice.is_deposit,
)


def line_columns(document_id, line_class: type[PricedLine]) -> tuple:
    """What the API says of a priced line (an invoice's, a quote's), after the id of the
    document it is on."""
    return (
        document_id,
        line_class.position,
        line_class.description,
        line_class.quantity,
        line_class.unit,
        line_class.unit_price_cents,
        line_class.discount_percent,
        line_class.vat_rate,
        line_class.net_cents,
    )


def lines_by_document(session: Session, statement, params: dict) -> dict[int, list[dict]]:
    """Each document's lines by its id, from `statement`, which selects `line_columns`.
    Fetched whole: row by row, the cursor's wrappers cost more than the rows."""
    lines: dict[int, list[dict]] = {}
    for row in session.connection().execute(statement, params).all():
        lines.setdefault(row[0], []).append(line_representation(row[1:]))
    return lines


def line_representation(row: tuple) -> dict:
    """A priced line: `row` holds `line_columns` after the first."""
    (position, description, quantity, unit, unit_price_cents, discount_percent, vat_rate,
     net_cents) = row  # fmt: skip
    return {
        "position": position,
        "description": description,
        "quantity": decimal_string(quantity),
        "unit": unit,
        "unit_price": money(cents=unit_price_cents),
        "discount_percent": decimal_string(discount_percent),
        "vat_rate_percent": decimal_string(vat_rate),
        "total_excl_vat": money(cents=net_cents),
    }


INVOICE_IDS = bindparam("invoice_ids", expanding=True)
# Built once, and run on the session's connection without the ORM's result layer: for a page
# of a hundred invoices, building the statements and the ORM's rows cost a third of the page.
INVOICE_LINES = (
    select(*line_columns(InvoiceLine.invoice_id, InvoiceLine))
    .where(InvoiceLine.invoice_id.in_(INVOICE_IDS))
    .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
)
INVOICE_ROWS = (
    select(*INVOICE_COLUMNS, *CUSTOMER_COLUMNS)
    .join(Member, Member.id == Invoice.member_id)
    .join(Customer, Customer.id == Invoice.customer_id)
    .outerjoin(Activity, Activity.id == Invoice.activity_id)
    .outerjoin(QuoteInvoice, QuoteInvoice.invoice_id == Invoice.id)
    .where(Invoice.id.in_(INVOICE_IDS))
)


@register_batch("invoice")
def invoices_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    """Invoices and credit notes with their customers and lines, in two queries however
    many. Amounts are positive for credit notes too; `kind` says which way the money goes."""
    connection = session.connection()
    params = {"invoice_ids": sorted(row_ids(entity_ids))}
    lines = lines_by_document(session, INVOICE_LINES, params)
    rows = connection.execute(INVOICE_ROWS, params).all()
    invoices = {}
    for row in rows:
        (id_, kind, number, status, member_id, member_email, activity_name, credited_invoice_id,
         issue_date, due_date, service_date, operation_type, purchase_order,
         total_excl_vat_cents, vat_cents, total_incl_vat_cents, paid_cents, credited_cents,
         refund_due_cents, refunded_cents, created_at, validated_at, sent_at,
         quote_id, is_deposit) = row[: len(INVOICE_COLUMNS)]  # fmt: skip
        outstanding = outstanding_cents_for(
            status, kind, total_incl_vat_cents, paid_cents, credited_cents
        )
        invoices[str(id_)] = {
            "id": id_,
            "kind": kind.value,
            "number": number,
            "status": status.value,
            "member_id": member_id,
            "member": member_email,
            "activity": activity_name,
            "customer": customer_representation(row[len(INVOICE_COLUMNS) :]),
            "credited_invoice_id": credited_invoice_id,
            "quote": quote_id,
            "deposit": bool(is_deposit),
            "issue_date": iso(issue_date),
            "due_date": iso(due_date),
            "service_date": iso(service_date),
            "operation_type": operation_type.value,
            "purchase_order": purchase_order or None,
            "lines": lines.get(id_, []),
            "total_excl_vat": money(cents=total_excl_vat_cents),
            "total_vat": money(cents=vat_cents),
            "total_incl_vat": money(cents=total_incl_vat_cents),
            "amount_paid": money(cents=paid_cents),
            "amount_credited": money(cents=credited_cents),
            "amount_due": money(cents=outstanding),
            "refund_due": money(cents=refund_due_cents),
            "amount_refunded": money(cents=refunded_cents),
            "created_at": iso(created_at),
            "validated_at": iso(validated_at),
            "sent_at": iso(sent_at),
        }
    return invoices


def _invoices_of(column):
    return select(Invoice.id).where(column.in_(bindparam("keys", expanding=True)))


# Each invoice's document is kept (portal/sync/documents.py): written again by every write
# of what `invoices_data` shows, read as it is by the feed.
keep(
    "invoice",
    invoices_data,
    select(Invoice.id),
    Source(Invoice),
    Source(InvoiceLine, "invoice_id"),
    Source(QuoteInvoice, "invoice_id"),
    Source(
        Customer,
        shown=tuple(column.key for column in CUSTOMER_COLUMNS),
        entity_ids=_invoices_of(Invoice.customer_id),
    ),
    Source(Member, shown=("email",), entity_ids=_invoices_of(Invoice.member_id)),
    Source(Activity, shown=("name",), entity_ids=_invoices_of(Invoice.activity_id)),
)


def payment_representation(payment) -> dict:
    """`payment`: a row of the payments table with its invoice's `invoice_number`."""
    return {
        "id": payment.id,
        "invoice_id": payment.invoice_id,
        "invoice_number": payment.invoice_number,
        "amount": money(cents=payment.amount_cents),
        "date": iso(payment.received_on),
        "method": payment.method.value,
        "reference": payment.reference,
        "created_at": iso(payment.created_at),
    }


@register_batch("payment")
def payments_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    rows = session.execute(
        select(Payment.__table__, Invoice.number.label("invoice_number"))
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.id.in_(row_ids(entity_ids)))
    )
    return {str(row.id): payment_representation(row) for row in rows}


def refund_representation(refund) -> dict:
    """`refund`: a row of the refunds table with its credit note's `credit_note_number`."""
    return {
        "id": refund.id,
        "credit_note_id": refund.credit_note_id,
        "credit_note_number": refund.credit_note_number,
        "amount": money(cents=refund.amount_cents),
        "date": iso(refund.paid_on),
        "method": refund.method.value,
        "reference": refund.reference,
        "created_at": iso(refund.created_at),
    }


@register_batch("refund")
def refunds_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    rows = session.execute(
        select(Refund.__table__, Invoice.number.label("credit_note_number"))
        .join(Invoice, Invoice.id == Refund.credit_note_id)
        .where(Refund.id.in_(row_ids(entity_ids)))
    )
    return {str(row.id): refund_representation(row) for row in rows}


@bp.get("/invoices/<invoice_id>")
def invoice(invoice_id: str):
    return one_or_404(db.session, invoices_data, invoice_id, "invoice")


@bp.get("/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id: str):
    """The document as the customer gets it: a Factur-X PDF once issued, a plain PDF marked
    as a draft before."""
    invoice = row_or_404(
        db.session,
        Invoice,
        invoice_id,
        selectinload(Invoice.lines),
        joinedload(Invoice.customer),
        joinedload(Invoice.member),
        joinedload(Invoice.activity),
    )
    seller, buyer = document_parties(invoice, get_coop_settings(db.session))
    return made_pdf(render_pdf(invoice, seller, buyer), pdf_filename(invoice))


PAYMENT_FIELDS = ("invoice_number", "amount", "date", "method", "reference")


@bp.post("/payments")
@idempotent
def create_payment():
    body = inputs.json_body()
    inputs.only_fields(body, PAYMENT_FIELDS)
    number = inputs.text(body, "invoice_number", 35, required=True)
    amount = inputs.money(body, "amount", required=True)
    received_on = inputs.iso_date(body, "date", required=True)
    method = inputs.choice(body, "method", PAYMENT_METHODS)
    if method is None:
        choices = ", ".join(PAYMENT_METHODS)
        raise inputs.invalid("method", f"`method` is required: one of {choices}.")
    reference = inputs.text(body, "reference", 80)
    invoice = db.session.scalar(select(Invoice).where(Invoice.number == number))
    if invoice is None:
        raise inputs.invalid("invoice_number", "No issued invoice has this number.")
    payment = record_payment(
        db.session, invoice, amount, received_on, None, reference or "", PaymentMethod(method)
    )
    response = jsonify(
        {
            **one_or_404(db.session, payments_data, str(payment.id), "payment"),
            "invoice": {
                "id": invoice.id,
                "status": invoice.status.value,
                "amount_due": money(cents=invoice.outstanding_cents),
            },
        }
    )
    response.status_code = 201
    return response


REFUND_FIELDS = ("credit_note_number", "amount", "date", "method", "reference")


@bp.post("/refunds")
@idempotent
def create_refund():
    body = inputs.json_body()
    inputs.only_fields(body, REFUND_FIELDS)
    number = inputs.text(body, "credit_note_number", 35, required=True)
    amount = inputs.money(body, "amount", required=True)
    paid_on = inputs.iso_date(body, "date", required=True)
    method = inputs.choice(body, "method", PAYMENT_METHODS)
    if method is None:
        choices = ", ".join(PAYMENT_METHODS)
        raise inputs.invalid("method", f"`method` is required: one of {choices}.")
    reference = inputs.text(body, "reference", 80)
    credit_note = db.session.scalar(
        select(Invoice).where(Invoice.number == number, Invoice.kind == InvoiceKind.CREDIT_NOTE)
    )
    if credit_note is None:
        raise inputs.invalid("credit_note_number", "No issued credit note has this number.")
    refund = record_refund(
        db.session,
        credit_note,
        amount,
        paid_on,
        None,
        paris_today(),
        reference or "",
        PaymentMethod(method),
    )
    response = jsonify(
        {
            **one_or_404(db.session, refunds_data, str(refund.id), "refund"),
            "credit_note": {
                "id": credit_note.id,
                "refund_due": money(cents=credit_note.refund_due_cents),
                "amount_refunded": money(cents=credit_note.refunded_cents),
            },
        }
    )
    response.status_code = 201
    return response
