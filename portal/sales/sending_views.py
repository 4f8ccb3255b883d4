"""Invoices to the customer by email, reminders, and the support team's overdue invoices."""

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.dates import paris_today
from portal.db import db, utcnow
from portal.errors import DomainError
from portal.formats import money_text
from portal.i18n import lazy_gettext as _l
from portal.sales import sending
from portal.sales.forms import SendForm
from portal.sales.models import Invoice
from portal.sales.queries import overdue_invoices
from portal.transaction import transaction
from portal.web.access import owned_or_404, staff_required
from portal.web.confirm import asks, unconfirmed
from portal.web.forms import form_error
from portal.web.htmx import redirect_after_post, render
from portal.web.pages import page_arg

bp = Blueprint("sending", __name__)


def _own_invoice_or_404(invoice_id: int) -> Invoice:
    """The current member's own invoice: the entrepreneur writes to their customer."""
    invoice = owned_or_404(db.session, Invoice, invoice_id)
    if invoice.member_id != current_user.id:
        abort(404)
    return invoice


def _show(invoice: Invoice) -> Response:
    return redirect_after_post(url_for("sales.show", invoice_id=invoice.id))


def _send_page(form: SendForm, invoice: Invoice) -> Response:
    return render(
        "sales/send.html",
        form=form,
        document=invoice,
        refusal=invoice.refusal_to_mail(),
        send_url=url_for("sending.send", invoice_id=invoice.id),
        back_url=url_for("sales.show", invoice_id=invoice.id),
        lang_urls=[
            (locale, url_for("sending.send_form", invoice_id=invoice.id, lang=locale))
            for locale in sending.LOCALES
        ],
    )


@bp.get("/invoices/<int:invoice_id>/send")
@login_required
def send_form(invoice_id: int):
    """The email to the customer, pre-filled in their language (or the one asked)."""
    invoice = _own_invoice_or_404(invoice_id)
    form = SendForm(formdata=None)
    if invoice.status.is_issued:
        drafted = sending.drafted_mail(invoice, request.args.get("lang", ""))
        form.locale.data, form.subject.data, form.message.data = (
            drafted.locale,
            drafted.subject,
            drafted.message,
        )
    return _send_page(form, invoice)


@bp.post("/invoices/<int:invoice_id>/send")
@transaction("write", lock="late")  # the PDF is rendered before the write
@login_required
@asks(
    _l("Send this email to the customer?"),
    _l("Send"),
    _l("It leaves at once with the invoice's PDF, from the coop's address."),
)
def send(invoice_id: int):
    invoice = _own_invoice_or_404(invoice_id)
    form = SendForm()
    if invoice.refusal_to_mail() or not form.validate():
        return _send_page(form, invoice)  # says why, before asking anything
    subject = _(
        "To %(email)s: %(subject)s", email=invoice.customer.email, subject=form.subject.data
    )
    if asked := unconfirmed(url_for("sending.send_form", invoice_id=invoice.id), subject):
        return asked
    mail = sending.CustomerMail(form.subject.data, form.message.data, form.locale.data or "")
    try:
        sending.send_to_customer(db.session, invoice, current_user, mail, utcnow())
    except DomainError as error:
        form_error(form, error)
        return _send_page(form, invoice)
    flash(_("Sent to %(email)s.", email=invoice.customer.email), "success")
    return _show(invoice)


@bp.post("/invoices/<int:invoice_id>/remind")
@transaction("write", lock="late")
@login_required
@asks(
    _l("Send the customer a reminder?"),
    _l("Send the reminder"),
    _l("A polite reminder the first time, then a firmer one with the late-payment penalties."),
)
def remind(invoice_id: int):
    invoice = _own_invoice_or_404(invoice_id)
    refusal = invoice.refusal_to_remind(paris_today())
    if refusal is None:
        subject = _(
            "%(customer)s, %(amount)s still due",
            customer=invoice.customer.name,
            amount=money_text(invoice.outstanding_cents, cents=True),
        )
        if asked := unconfirmed(url_for("sales.show", invoice_id=invoice.id), subject):
            return asked
    try:
        sending.remind(db.session, invoice, current_user, paris_today(), utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("Reminder sent to %(email)s.", email=invoice.customer.email), "success")
    return _show(invoice)


@bp.get("/staff/invoices/overdue")
@staff_required
def overdue():
    """Every invoice past its due date and still owed: how much, how late, last reminder."""
    today = paris_today()
    results = overdue_invoices(db.session, today, page_arg())
    return render("sales/overdue.html", "sales/_overdue_list.html", results=results, today=today)
