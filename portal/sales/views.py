"""Sales URLs: the entrepreneur's invoices and customers, and the support team's queue."""

import uuid
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.coop.services import get_coop_settings
from portal.dates import paris_today
from portal.db import db, id_from_text, utcnow
from portal.errors import DomainError
from portal.formats import money_text
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member, Role
from portal.sales import services
from portal.sales.documents import pdf_filename, render_pdf
from portal.sales.editor import DocumentEditor
from portal.sales.forms import (
    InvoiceForm,
    PaymentForm,
    RefundForm,
    ReturnForm,
    typed_lines,
)
from portal.sales.models import Invoice, InvoiceStatus, PaymentMethod
from portal.sales.parties import document_parties
from portal.sales.queries import (
    EXPORT_HEADER,
    InvoiceFilters,
    export_rows,
    invoices_to_validate,
    list_invoices,
    validation_queue,
)
from portal.sales.totals import preview_totals
from portal.transaction import transaction
from portal.web.access import authored_or_404, owned_or_404, staff_required
from portal.web.confirm import asks, confirmed, unconfirmed
from portal.web.csv import csv_response
from portal.web.files import made_pdf
from portal.web.forms import flash_outcome
from portal.web.htmx import redirect_after_post, render
from portal.web.ids import id_arg
from portal.web.page_cache import kept
from portal.web.pages import page_arg
from portal.web.redirects import safe_next

bp = Blueprint("sales", __name__)


# --- Loading -----------------------------------------------------------------------------


def invoice_or_404(invoice_id: int) -> Invoice:
    """The invoice if it is the current member's (staff see every one); else 404."""
    return owned_or_404(db.session, Invoice, invoice_id)


def _own_invoice_or_404(invoice_id: int) -> Invoice:
    """The current member's own invoice, to change it: staff get a 404 as well."""
    return authored_or_404(invoice_or_404(invoice_id))


def _show(invoice: Invoice) -> Response:
    return redirect_after_post(url_for("sales.show", invoice_id=invoice.id))


def _ask_amount(invoice: Invoice, amount: Decimal | None) -> Response | None:
    """A payment or refund's confirmation names its amount and the invoice's number; an
    amount that cannot be one is refused first, with nothing to confirm."""
    try:
        cents = services.amount_cents(amount)
    except DomainError as error:
        flash(str(error), "error")
        return _show(invoice)
    subject = _(
        "%(amount)s on %(number)s (%(customer)s)",
        amount=money_text(cents, cents=True),
        number=invoice.number,
        customer=invoice.customer.name,
    )
    return unconfirmed(url_for("sales.show", invoice_id=invoice.id), subject=subject)


def _ask(invoice: Invoice) -> Response | None:
    """The confirmation page, until the member confirms (portal/web/confirm.py)."""
    subject = _(
        "%(customer)s, %(amount)s incl. VAT",
        customer=invoice.customer.name,
        amount=money_text(invoice.total_incl_vat_cents, cents=True),
    )
    return unconfirmed(url_for("sales.show", invoice_id=invoice.id), subject=subject)


# --- The entrepreneur's invoices -----------------------------------------------------------


@bp.get("/invoices")
@login_required
@kept
def index():
    if current_user.is_staff:  # the team issues no invoice: theirs is every member's list
        return redirect(url_for("sales.all_invoices", **request.args), 303)
    filters = InvoiceFilters.from_args(request.args, current_user.id)
    results = list_invoices(db.session, filters, paris_today(), page_arg())
    return render(
        "sales/index.html",
        "sales/_invoice_list.html",
        results=results,
        filters=filters,
        today=paris_today(),
        statuses=list(InvoiceStatus),
        staff_view=False,
    )


@bp.get("/invoices.csv")
@login_required
def export():
    return _csv(InvoiceFilters.from_args(request.args, current_user.id), "factures.csv")


def _csv(filters: InvoiceFilters, filename: str) -> Response:
    rows = export_rows(db.session, filters, paris_today())
    return csv_response(filename, EXPORT_HEADER, rows)


@bp.route("/invoices/new", methods=["GET", "POST"])
@login_required
def new():
    return _editor.new()


@bp.route("/invoices/<int:invoice_id>/edit", methods=["GET", "POST"])
@login_required
def edit(invoice_id: int):
    return _editor.edit(_own_invoice_or_404(invoice_id))


_editor = DocumentEditor(
    form_class=InvoiceForm,
    page="sales/edit.html",
    fragment="sales/_invoice_form.html",
    name="invoice",
    term_field="due_date",
    default_term_end=services.default_due_date,
    own_fields=("service_date", "purchase_order"),
    create=services.create_invoice,
    update=services.update_invoice,
    show=_show,
)


@bp.post("/invoices/totals")
@transaction("read")
@login_required
def totals():
    """Live totals while typing: computed by the server, never saved. `typed_lines` reads the
    posted lines without building InvoiceForm: 0.93 ms instead of 1.46 ms of CPU in-process
    (bench/RESULTS.md), 4.1-6.1 ms instead of 6.5-6.6 ms on the shared machine on 2026-12-02;
    live totals are at 16 % of hello against a target of 40 % (bench_portal)."""
    totals = preview_totals(typed_lines(request.form))
    return render("sales/_totals.html", "sales/_totals.html", totals=totals)


@bp.get("/invoices/<int:invoice_id>")
@login_required
def show(invoice_id: int):
    invoice = invoice_or_404(invoice_id)
    seller, buyer = document_parties(invoice, get_coop_settings(db.session))
    credit_notes = db.session.scalars(
        select(Invoice).where(Invoice.credited_invoice_id == invoice.id).order_by(Invoice.id)
    ).all()
    return render(
        "sales/show.html",
        invoice=invoice,
        seller=seller,
        buyer=buyer,
        credit_notes=credit_notes,
        payment_form=PaymentForm(received_on=paris_today()),
        refund_form=RefundForm(paid_on=paris_today()),
        return_form=ReturnForm(),
        today=paris_today(),
        credit_token=uuid.uuid4().hex,
    )


def _act(invoice: Invoice, action, success: str) -> Response:
    flash_outcome(action, success)
    return _show(invoice)


@bp.post("/invoices/<int:invoice_id>/submit")
@login_required
def submit(invoice_id: int):
    invoice = _own_invoice_or_404(invoice_id)
    return _act(
        invoice,
        lambda: services.submit_invoice(db.session, invoice, utcnow()),
        _("Sent to the support team for validation."),
    )


@bp.post("/invoices/<int:invoice_id>/validate")
@login_required
@asks(
    _l("Validate and number this invoice?"),
    _l("Validate"),
    _l("A validated invoice can no longer be changed: corrections are credit notes."),
)
def validate(invoice_id: int):
    invoice = invoice_or_404(invoice_id)
    if asked := _ask(invoice):
        return asked
    try:
        services.validate_invoice(db.session, invoice, current_user, paris_today(), utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("Invoice %(number)s validated.", number=invoice.number), "success")
    next_url = safe_next(request.form.get("next"), url_for("sales.show", invoice_id=invoice.id))
    return redirect_after_post(next_url)


@bp.post("/invoices/<int:invoice_id>/sent")
@login_required
def mark_sent(invoice_id: int):
    invoice = _own_invoice_or_404(invoice_id)
    return _act(
        invoice,
        lambda: services.mark_sent(db.session, invoice, utcnow()),
        _("Marked as sent."),
    )


@bp.post("/invoices/<int:invoice_id>/duplicate")
@login_required
def duplicate(invoice_id: int):
    invoice = _own_invoice_or_404(invoice_id)
    copy = services.duplicate_invoice(db.session, invoice, current_user, paris_today())
    flash(_("Copy saved as a new draft."), "success")
    return redirect_after_post(url_for("sales.edit", invoice_id=copy.id))


@bp.post("/invoices/<int:invoice_id>/delete")
@login_required
@asks(_l("Delete this draft invoice?"), _l("Delete"))
def delete(invoice_id: int):
    invoice = _own_invoice_or_404(invoice_id)
    if asked := _ask(invoice):
        return asked
    try:
        services.delete_draft(db.session, invoice)
    except DomainError as error:
        flash(str(error), "error")
        return _show(invoice)
    flash(_("Draft deleted."), "success")
    return redirect_after_post(url_for("sales.index"))


@bp.post("/invoices/<int:invoice_id>/credit-note")
@login_required
@asks(
    _l("Issue a credit note for what is left of this invoice?"),
    _l("Issue the credit note"),
    _l("It cannot be undone."),
)
def credit_note(invoice_id: int):
    invoice = _own_invoice_or_404(invoice_id)
    if asked := _ask(invoice):
        return asked
    try:
        credit = services.create_credit_note(
            db.session, invoice, paris_today(), request.form.get("form_token", "")[:64]
        )
    except DomainError as error:
        flash(str(error), "error")
        return _show(invoice)
    flash(_("Credit note drafted: lower the lines for a partial credit, then submit."), "info")
    return redirect_after_post(url_for("sales.edit", invoice_id=credit.id))


@bp.get("/invoices/<int:invoice_id>/pdf")
@login_required
def pdf(invoice_id: int):
    invoice = invoice_or_404(invoice_id)
    seller, buyer = document_parties(invoice, get_coop_settings(db.session))
    return made_pdf(render_pdf(invoice, seller, buyer), pdf_filename(invoice))


# --- Customers ---------------------------------------------------------------------------


# --- The support team ----------------------------------------------------------------------


def _entrepreneurs() -> list[Member]:
    return list(
        db.session.scalars(
            select(Member).where(Member.role == Role.ENTREPRENEUR).order_by(Member.full_name)
        )
    )


@bp.get("/staff/invoices/queue")
@staff_required
def queue():
    filters = InvoiceFilters.from_args(request.args, id_arg("member"))
    results = validation_queue(db.session, filters, paris_today(), page_arg())
    return render(
        "sales/queue.html",
        "sales/_queue_list.html",
        results=results,
        filters=filters,
        entrepreneurs=_entrepreneurs(),
        return_form=ReturnForm(),
    )


@bp.post("/staff/invoices/validate")
@staff_required
def validate_selected():
    """Validate the ticked invoices of the queue, after a page listing what will happen to
    each (with or without JavaScript); those that cannot be validated are named with their
    reason, and the others still go."""
    ids = [i for i in map(id_from_text, request.form.getlist("ids")[:200]) if i is not None]
    invoices = invoices_to_validate(db.session, ids)
    if not invoices:
        flash(_("Tick the invoices to validate first."), "error")
        return redirect_after_post(url_for("sales.queue"))
    if not confirmed():
        refusals = {
            i.id: i.refusal_to_validate(current_user) or i.refusal_to_issue() for i in invoices
        }
        going = [invoice for invoice in invoices if refusals[invoice.id] is None]
        return render(
            "sales/confirm_validate.html", invoices=invoices, refusals=refusals, going=going
        )
    outcome = services.validate_invoices(
        db.session, invoices, current_user, paris_today(), utcnow()
    )
    validated = [invoice for invoice, refusal in outcome if refusal is None]
    if validated:
        numbers = ", ".join(invoice.number for invoice in validated)
        message = ngettext(
            "%(num)d invoice validated: %(numbers)s.",
            "%(num)d invoices validated: %(numbers)s.",
            len(validated),
            numbers=numbers,
        )
        flash(message, "success")
    for invoice, refusal in outcome:
        if refusal is not None:
            flash(_("%(name)s → %(customer)s: %(reason)s", name=invoice.member.full_name,
                    customer=invoice.customer.name, reason=refusal), "error")  # fmt: skip
    return redirect_after_post(url_for("sales.queue"))


@bp.post("/staff/invoices/<int:invoice_id>/return")
@staff_required
def return_invoice(invoice_id: int):
    invoice = invoice_or_404(invoice_id)
    form = ReturnForm()
    comment = form.comment.data or "" if form.validate() else ""
    try:
        services.return_invoice(db.session, invoice, current_user, comment, utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("Invoice returned to %(name)s.", name=invoice.member.full_name), "success")
    return redirect_after_post(safe_next(request.form.get("next"), url_for("sales.queue")))


@bp.get("/staff/invoices")
@staff_required
def all_invoices():
    filters = InvoiceFilters.from_args(request.args, id_arg("member"))
    results = list_invoices(db.session, filters, paris_today(), page_arg())
    return render(
        "sales/staff_index.html",
        "sales/_invoice_list.html",
        results=results,
        filters=filters,
        today=paris_today(),
        statuses=list(InvoiceStatus),
        entrepreneurs=_entrepreneurs(),
        staff_view=True,
    )


@bp.get("/staff/invoices.csv")
@staff_required
def staff_export():
    return _csv(InvoiceFilters.from_args(request.args, id_arg("member")), "factures-coop.csv")


@bp.post("/staff/invoices/<int:invoice_id>/payments")
@staff_required
@asks(
    _l("Record this payment?"),
    _l("Record the payment"),
    _l("A recorded payment cannot be removed."),
)
def add_payment(invoice_id: int):
    invoice = invoice_or_404(invoice_id)
    form = PaymentForm()
    if not form.validate():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _show(invoice)
    if asked := _ask_amount(invoice, form.amount.data):
        return asked
    return _act(
        invoice,
        lambda: services.record_payment(
            db.session,
            invoice,
            form.amount.data or Decimal(0),
            form.received_on.data,
            current_user,
            form.reference.data or "",
            PaymentMethod(form.method.data),
        ),
        _("Payment recorded."),
    )


@bp.post("/staff/invoices/<int:invoice_id>/refunds")
@staff_required
@asks(
    _l("Record this refund?"),
    _l("Record the refund"),
    _l("A recorded refund cannot be removed."),
)
def add_refund(invoice_id: int):
    credit_note = invoice_or_404(invoice_id)
    form = RefundForm()
    if not form.validate():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _show(credit_note)
    if asked := _ask_amount(credit_note, form.amount.data):
        return asked
    return _act(
        credit_note,
        lambda: services.record_refund(
            db.session,
            credit_note,
            form.amount.data or Decimal(0),
            form.paid_on.data,
            current_user,
            paris_today(),
            form.reference.data or "",
            PaymentMethod(form.method.data),
        ),
        _("Refund recorded."),
    )


@bp.post("/staff/entrepreneurs/<int:member_id>/trusted")
@staff_required
def set_trusted(member_id: int):
    member = db.session.get(Member, member_id) or abort(404)
    trusted = request.form.get("trusted") == "1"
    try:
        services.set_trusted(db.session, member, trusted, current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        message = (
            _("%(name)s may now validate their own invoices.", name=member.full_name)
            if trusted
            else _("%(name)s's invoices go through the support team again.", name=member.full_name)
        )
        flash(message, "success")
    return redirect_after_post(safe_next(request.form.get("next"), url_for("sales.queue")))
