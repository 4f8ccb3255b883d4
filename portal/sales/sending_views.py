"""Invoices to the customer by email, reminders, and the support team's overdue invoices."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, flash, request, url_for
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
from portal.web.access import authored_or_404, owned_or_404, staff_required
from portal.web.confirm import asks, unconfirmed
from portal.web.forms import form_error
from portal.web.htmx import redirect_after_post, render
from portal.web.pages import page_arg

bp = Blueprint("sending", __name__)


def _own_invoice_or_404(invoice_id: int) -> Invoice:
    """The current member's own invoice: the entrepreneur writes to their customer."""
    return authored_or_404(owned_or_404(db.session, Invoice, invoice_id))


def _show(invoice: Invoice) -> Response:
    return redirect_after_post(url_for("sales.show", invoice_id=invoice.id))


@dataclass(frozen=True)
class MailPages:
    """The send form of one kind of issued document (an invoice, a quote) and its sending:
    the email to the customer, pre-filled in their language (or the one asked), confirmed,
    then sent. The view loads the document and checks access; the rest is the same."""

    # The endpoints, and the name of the document's id in their URLs.
    form_endpoint: str
    send_endpoint: str
    show_endpoint: str
    id_name: str
    # Whether the form starts from a drafted mail, and the draft: (document, locale).
    may_draft: Callable[[Any], bool]
    draft: Callable[[Any, str], sending.CustomerMail]
    # The service: (session, document, by, mail, now).
    send: Callable[..., Any]

    def _url(self, endpoint: str, document, **args) -> str:
        return url_for(endpoint, **{self.id_name: document.id}, **args)

    def form(self, document) -> Response:
        form = SendForm(formdata=None)
        if self.may_draft(document):
            drafted = self.draft(document, request.args.get("lang", ""))
            form.locale.data, form.subject.data, form.message.data = (
                drafted.locale,
                drafted.subject,
                drafted.message,
            )
        return self._page(form, document)

    def sent(self, document) -> Response:
        """The POST, under the view's `asks`: the form's refusals, then the confirmation
        naming the recipient, then the service."""
        form = SendForm()
        if document.refusal_to_mail() or not form.validate():
            return self._page(form, document)  # says why, before asking anything
        recipient = document.customer.email
        subject = _("To %(email)s: %(subject)s", email=recipient, subject=form.subject.data)
        if asked := unconfirmed(self._url(self.form_endpoint, document), subject):
            return asked
        mail = sending.CustomerMail(form.subject.data, form.message.data, form.locale.data or "")
        try:
            self.send(db.session, document, current_user, mail, utcnow())
        except DomainError as error:
            form_error(form, error)
            return self._page(form, document)
        flash(_("Sent to %(email)s.", email=recipient), "success")
        return redirect_after_post(self._url(self.show_endpoint, document))

    def _page(self, form: SendForm, document) -> Response:
        return render(
            "sales/send.html",
            form=form,
            document=document,
            refusal=document.refusal_to_mail(),
            send_url=self._url(self.send_endpoint, document),
            back_url=self._url(self.show_endpoint, document),
            lang_urls=[
                (locale, self._url(self.form_endpoint, document, lang=locale))
                for locale in sending.LOCALES
            ],
        )


_mail_pages = MailPages(
    form_endpoint="sending.send_form",
    send_endpoint="sending.send",
    show_endpoint="sales.show",
    id_name="invoice_id",
    may_draft=lambda invoice: invoice.status.is_issued,
    draft=sending.drafted_mail,
    send=sending.send_to_customer,
)


@bp.get("/invoices/<int:invoice_id>/send")
@login_required
def send_form(invoice_id: int):
    return _mail_pages.form(_own_invoice_or_404(invoice_id))


@bp.post("/invoices/<int:invoice_id>/send")
@transaction("write", lock="late")  # the PDF is rendered before the write
@login_required
@asks(
    _l("Send this email to the customer?"),
    _l("Send"),
    _l("It leaves at once with the invoice's PDF, from the coop's address."),
)
def send(invoice_id: int):
    return _mail_pages.sent(_own_invoice_or_404(invoice_id))


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
