"""Sales in the sync API: invoices and credit notes (entity `invoice`, `kind` tells which),
customers and payments in the feed; an invoice and its Factur-X PDF; payments pushed by the
back office, through the same `record_payment` as the support team's form."""

from flask import Response, jsonify
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.api import inputs
from portal.api.idempotency import idempotent
from portal.api.serializers import decimal_string, iso, money, register_rows, row_or_404
from portal.api.views import bp
from portal.coop.services import get_coop_settings
from portal.db import db
from portal.sales.documents import pdf_filename, render_pdf
from portal.sales.models import Customer, Invoice, Payment, PaymentMethod
from portal.sales.services import document_parties, record_payment

PAYMENT_METHODS = tuple(method.value for method in PaymentMethod)


def customer_representation(customer: Customer) -> dict:
    return {
        "id": customer.id,
        "member_id": customer.member_id,
        "kind": customer.kind.value,
        "name": customer.name,
        "address": customer.address,
        "postcode": customer.postcode,
        "city": customer.city,
        "country_code": customer.country_code,
        "email": customer.email,
        "siren": customer.siren or None,
        "siret": customer.siret or None,
        "vat_number": customer.vat_number or None,
    }


def invoice_representation(invoice: Invoice) -> dict:
    """Amounts are positive for credit notes too; `kind` says which way the money goes."""
    return {
        "id": invoice.id,
        "kind": invoice.kind.value,
        "number": invoice.number,
        "status": invoice.status.value,
        "member_id": invoice.member_id,
        "member": invoice.member.email,
        "activity": invoice.activity.name if invoice.activity else None,
        "customer": customer_representation(invoice.customer),
        "credited_invoice_id": invoice.credited_invoice_id,
        "issue_date": iso(invoice.issue_date),
        "due_date": iso(invoice.due_date),
        "service_date": iso(invoice.service_date),
        "operation_type": invoice.operation_type.value,
        "purchase_order": invoice.purchase_order or None,
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "quantity": decimal_string(line.quantity),
                "unit": line.unit,
                "unit_price": money(cents=line.unit_price_cents),
                "discount_percent": decimal_string(line.discount_percent),
                "vat_rate_percent": decimal_string(line.vat_rate),
                "total_excl_vat": money(cents=line.net_cents),
            }
            for line in invoice.lines
        ],
        "total_excl_vat": money(cents=invoice.total_excl_vat_cents),
        "total_vat": money(cents=invoice.vat_cents),
        "total_incl_vat": money(cents=invoice.total_incl_vat_cents),
        "amount_paid": money(cents=invoice.paid_cents),
        "amount_credited": money(cents=invoice.credited_cents),
        "amount_due": money(cents=invoice.outstanding_cents),
        "created_at": iso(invoice.created_at),
        "validated_at": iso(invoice.validated_at),
        "sent_at": iso(invoice.sent_at),
    }


def payment_representation(payment: Payment) -> dict:
    return {
        "id": payment.id,
        "invoice_id": payment.invoice_id,
        "invoice_number": payment.invoice.number,
        "amount": money(cents=payment.amount_cents),
        "date": iso(payment.received_on),
        "method": payment.method.value,
        "reference": payment.reference,
        "created_at": iso(payment.created_at),
    }


def _invoice_options():
    return (
        selectinload(Invoice.lines),
        joinedload(Invoice.customer),
        joinedload(Invoice.member),
        joinedload(Invoice.activity),
    )


register_rows("invoice", Invoice, invoice_representation, *_invoice_options())
register_rows("customer", Customer, customer_representation)
register_rows("payment", Payment, payment_representation, joinedload(Payment.invoice))


def _invoice_or_404(invoice_id: str) -> Invoice:
    return row_or_404(db.session, Invoice, invoice_id, *_invoice_options())


@bp.get("/invoices/<invoice_id>")
def invoice(invoice_id: str):
    return invoice_representation(_invoice_or_404(invoice_id))


@bp.get("/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id: str):
    """The document as the customer gets it: a Factur-X PDF once issued, a plain PDF marked
    as a draft before."""
    invoice = _invoice_or_404(invoice_id)
    seller, buyer = document_parties(invoice, get_coop_settings(db.session))
    response = Response(render_pdf(invoice, seller, buyer), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{pdf_filename(invoice)}"'
    return response


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
            **payment_representation(payment),
            "invoice": {
                "id": invoice.id,
                "status": invoice.status.value,
                "amount_due": money(cents=invoice.outstanding_cents),
            },
        }
    )
    response.status_code = 201
    return response
