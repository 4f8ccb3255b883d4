"""Quote URLs: the entrepreneur's quotes (the invoice's line editor), the support team's
validation queue, and the customer's secret link to read, accept or refuse a quote."""

import hmac

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.coop.services import get_coop_settings
from portal.dates import paris_today
from portal.db import db, utcnow
from portal.errors import DomainError
from portal.formats import money_text
from portal.i18n import lazy_gettext as _l
from portal.quotes import invoicing, sending, services
from portal.quotes.documents import pdf_filename, quote_pdf
from portal.quotes.forms import (
    AcceptForm,
    DepositForm,
    PaperAcceptanceForm,
    QuoteForm,
    RefuseForm,
)
from portal.quotes.models import Quote, QuoteStatus
from portal.quotes.queries import (
    list_quotes,
    quote_for_page,
    validation_queue,
)
from portal.sales.customer_views import customer_or_404
from portal.sales.editor import DocumentEditor
from portal.sales.forms import ReturnForm
from portal.sales.parties import document_parties
from portal.sales.sending_views import MailPages
from portal.storage import storage
from portal.transaction import transaction
from portal.uploads import check_upload
from portal.web.access import authored_or_404, staff_required
from portal.web.confirm import asks, unconfirmed
from portal.web.files import made_pdf, uploaded_file
from portal.web.forms import flash_outcome, form_error
from portal.web.htmx import redirect_after_post, render
from portal.web.ids import id_arg
from portal.web.pages import page_arg
from portal.web.redirects import safe_next

bp = Blueprint("quotes", __name__)


# --- Loading -----------------------------------------------------------------------------


def quote_or_404(quote_id: int) -> Quote:
    """The quote if it is the current member's (staff see every one); else 404."""
    quote = quote_for_page(db.session, quote_id)
    if quote is None or not (current_user.is_staff or quote.member_id == current_user.id):
        abort(404)
    return quote


def _own_quote_or_404(quote_id: int) -> Quote:
    """The current member's own quote, to change it: staff get a 404 as well."""
    return authored_or_404(quote_or_404(quote_id))


def _show(quote: Quote) -> Response:
    return redirect_after_post(url_for("quotes.show", quote_id=quote.id))


def _ask(quote: Quote) -> Response | None:
    subject = _(
        "%(customer)s, %(amount)s incl. VAT",
        customer=quote.customer.name,
        amount=money_text(quote.total_incl_vat_cents, cents=True),
    )
    return unconfirmed(url_for("quotes.show", quote_id=quote.id), subject=subject)


def _act(quote: Quote, action, success: str) -> Response:
    flash_outcome(action, success)
    return _show(quote)


# --- The entrepreneur's quotes -------------------------------------------------------------


@bp.get("/quotes")
@login_required
def index():
    try:
        status = QuoteStatus(request.args.get("status", ""))
    except ValueError:
        status = None
    customer_id = id_arg("customer")
    customer = customer_or_404(customer_id) if customer_id else None
    results = list_quotes(
        db.session, current_user.id, page_arg(), status, customer.id if customer else None
    )
    return render(
        "quotes/index.html",
        "quotes/_quote_list.html",
        results=results,
        customer=customer,
        status=status,
        statuses=list(QuoteStatus),
        today=paris_today(),
    )


@bp.route("/quotes/new", methods=["GET", "POST"])
@login_required
def new():
    return _editor.new()


@bp.route("/quotes/<int:quote_id>/edit", methods=["GET", "POST"])
@login_required
def edit(quote_id: int):
    return _editor.edit(_own_quote_or_404(quote_id))


_editor = DocumentEditor(
    form_class=QuoteForm,
    page="quotes/edit.html",
    fragment="quotes/_quote_form.html",
    name="quote",
    term_field="valid_until",
    default_term_end=services.default_valid_until,
    own_fields=("payment_terms",),
    create=services.create_quote,
    update=services.update_quote,
    show=_show,
)


@bp.get("/quotes/<int:quote_id>")
@login_required
def show(quote_id: int):
    quote = quote_or_404(quote_id)
    seller, buyer = document_parties(quote, get_coop_settings(db.session))
    return render(
        "quotes/show.html",
        quote=quote,
        seller=seller,
        buyer=buyer,
        invoiced=invoicing.invoiced(db.session, quote),
        deposit_form=DepositForm(),
        return_form=ReturnForm(),
        paper_form=PaperAcceptanceForm(),
        today=paris_today(),
        answer_url=_answer_url(quote),
    )


def _answer_url(quote: Quote) -> str | None:
    """The customer's secret link, for the entrepreneur to copy and send."""
    if quote.access_token is None:
        return None
    return url_for("quotes.answer", quote_id=quote.id, token=quote.access_token, _external=True)


@bp.post("/quotes/<int:quote_id>/submit")
@login_required
def submit(quote_id: int):
    quote = _own_quote_or_404(quote_id)
    return _act(
        quote,
        lambda: services.submit_quote(db.session, quote, utcnow()),
        _("Sent to the support team for validation."),
    )


@bp.post("/quotes/<int:quote_id>/validate")
@login_required
@asks(
    _l("Validate and number this quote?"),
    _l("Validate"),
    _l("A validated quote can no longer be changed: make a copy to change it."),
)
def validate(quote_id: int):
    quote = quote_or_404(quote_id)
    if asked := _ask(quote):
        return asked
    try:
        services.validate_quote(db.session, quote, current_user, paris_today(), utcnow())
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("Quote %(number)s validated.", number=quote.number), "success")
    next_url = safe_next(request.form.get("next"), url_for("quotes.show", quote_id=quote.id))
    return redirect_after_post(next_url)


@bp.post("/quotes/<int:quote_id>/sent")
@login_required
def mark_sent(quote_id: int):
    quote = _own_quote_or_404(quote_id)
    return _act(
        quote,
        lambda: services.mark_quote_sent(db.session, quote, utcnow()),
        _("Marked as sent."),
    )


_mail_pages = MailPages(
    form_endpoint="quotes.send_form",
    send_endpoint="quotes.send",
    show_endpoint="quotes.show",
    id_name="quote_id",
    may_draft=lambda quote: quote.refusal_to_send() is None,
    draft=sending.drafted_quote_mail,
    send=sending.send_quote_to_customer,
)


@bp.get("/quotes/<int:quote_id>/send")
@login_required
def send_form(quote_id: int):
    """The email to the customer, pre-filled in their language, with the link to answer."""
    return _mail_pages.form(_own_quote_or_404(quote_id))


@bp.post("/quotes/<int:quote_id>/send")
@transaction("write", lock="late")  # the PDF is rendered before the write
@login_required
@asks(
    _l("Send this email to the customer?"),
    _l("Send"),
    _l("It leaves at once with the quote's PDF, from the coop's address."),
)
def send(quote_id: int):
    return _mail_pages.sent(_own_quote_or_404(quote_id))


@bp.post("/quotes/<int:quote_id>/delete")
@login_required
@asks(_l("Delete this draft quote?"), _l("Delete"))
def delete(quote_id: int):
    quote = _own_quote_or_404(quote_id)
    if asked := _ask(quote):
        return asked
    try:
        services.delete_draft(db.session, quote)
    except DomainError as error:
        flash(str(error), "error")
        return _show(quote)
    flash(_("Draft deleted."), "success")
    return redirect_after_post(url_for("quotes.index"))


@bp.post("/quotes/<int:quote_id>/duplicate")
@login_required
def duplicate(quote_id: int):
    quote = _own_quote_or_404(quote_id)
    copy = services.duplicate_quote(db.session, quote, current_user, paris_today())
    flash(_("Copy saved as a new draft."), "success")
    return redirect_after_post(url_for("quotes.edit", quote_id=copy.id))


def _pdf_response(quote: Quote) -> Response:
    return made_pdf(quote_pdf(db.session, quote), pdf_filename(quote))


@bp.get("/quotes/<int:quote_id>/pdf")
@login_required
def pdf(quote_id: int):
    return _pdf_response(quote_or_404(quote_id))


@bp.post("/quotes/<int:quote_id>/signed-on-paper")
@login_required
@transaction("write", lock="late")  # the photo is decoded before the write lock
def signed_on_paper(quote_id: int):
    quote = _own_quote_or_404(quote_id)
    form = PaperAcceptanceForm()
    upload = request.files.get(form.signed_copy.name)
    try:
        checked = check_upload(upload.read() if upload else b"")
        services.record_paper_acceptance(
            db.session, quote, current_user, form.name.data or "", checked, paris_today(), utcnow()
        )
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("Acceptance recorded: the quote can now be invoiced."), "success")
    return _show(quote)


@bp.get("/quotes/<int:quote_id>/signed-copy")
@login_required
def signed_copy(quote_id: int):
    quote = quote_or_404(quote_id)
    if not quote.signed_copy_key:
        abort(404)
    data = storage().read(quote.signed_copy_key)
    suffix = quote.signed_copy_key.rsplit(".", 1)[-1]
    content_type = "application/pdf" if suffix == "pdf" else "image/jpeg"
    return uploaded_file(data, content_type, f"{quote.number}-signe.{suffix}")


# --- Invoicing ----------------------------------------------------------------------------


def _invoice_page(invoice) -> Response:
    flash(_("Invoice drafted: check it, then submit it for validation."), "success")
    return redirect_after_post(url_for("sales.show", invoice_id=invoice.id))


@bp.post("/quotes/<int:quote_id>/invoice")
@login_required
def invoice(quote_id: int):
    """The whole quote, or its balance once deposits were invoiced."""
    quote = _own_quote_or_404(quote_id)
    try:
        drafted = invoicing.invoice_quote(db.session, quote, current_user, paris_today())
    except DomainError as error:
        flash(str(error), "error")
        return _show(quote)
    return _invoice_page(drafted)


@bp.post("/quotes/<int:quote_id>/deposit")
@login_required
def deposit(quote_id: int):
    quote = _own_quote_or_404(quote_id)
    form = DepositForm()
    try:
        if not form.validate():
            raise DomainError(_("Enter a percentage or an amount, as a number."))
        drafted = invoicing.invoice_deposit(
            db.session, quote, current_user, paris_today(), form.percent.data, form.amount.data
        )
    except DomainError as error:
        flash(str(error), "error")
        return _show(quote)
    return _invoice_page(drafted)


# --- The support team ----------------------------------------------------------------------


@bp.get("/staff/quotes/queue")
@staff_required
def queue():
    return render(
        "quotes/queue.html",
        quotes=validation_queue(db.session),
        return_form=ReturnForm(),
        today=paris_today(),
    )


@bp.post("/staff/quotes/<int:quote_id>/return")
@staff_required
def return_quote(quote_id: int):
    quote = quote_or_404(quote_id)
    form = ReturnForm()
    comment = form.comment.data or "" if form.validate() else ""
    try:
        services.return_quote(db.session, quote, current_user, comment)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("Quote returned to %(name)s.", name=quote.member.full_name), "success")
    return redirect_after_post(safe_next(request.form.get("next"), url_for("quotes.queue")))


# --- The customer's link ----------------------------------------------------------------------


def _quote_by_link(quote_id: int, token: str) -> Quote:
    """The quote whose secret the link holds; any other link is a 404, the secret compared
    in constant time."""
    quote = quote_for_page(db.session, quote_id)
    if quote is None or quote.access_token is None:
        abort(404)
    if not hmac.compare_digest(quote.access_token.encode(), token.encode()):
        abort(404)
    return quote


def _answer_page(quote: Quote, accept_form=None, refuse_form=None, status: int = 200):
    return render(
        "quotes/answer.html",
        status=status,
        quote=quote,
        seller=quote.seller,
        buyer=quote.buyer,
        accept_form=accept_form or AcceptForm(),
        refuse_form=refuse_form or RefuseForm(),
        today=paris_today(),
        token=quote.access_token,
    )


def _answer_error(form, error: DomainError) -> None:
    """A field's error under its field; the quote's own refusal (already answered, expired)
    on top of the page, where the forms no longer show."""
    if error.field:
        form_error(form, error)
    else:
        flash(str(error), "error")


@bp.get("/q/<int:quote_id>/<token>")
def answer(quote_id: int, token: str):
    return _answer_page(_quote_by_link(quote_id, token))


@bp.get("/q/<int:quote_id>/<token>/pdf")
def answer_pdf(quote_id: int, token: str):
    return _pdf_response(_quote_by_link(quote_id, token))


@bp.post("/q/<int:quote_id>/<token>/accept")
def accept(quote_id: int, token: str):
    quote = _quote_by_link(quote_id, token)
    form = AcceptForm()
    if form.validate():
        try:
            services.accept_quote(
                db.session,
                quote,
                form.name.data or "",
                bool(form.agreed.data),
                request.remote_addr or "",
                paris_today(),
                utcnow(),
            )
        except DomainError as error:
            _answer_error(form, error)
        else:
            flash(_("Thank you: your agreement is recorded."), "success")
            return redirect_after_post(url_for("quotes.answer", quote_id=quote.id, token=token))
    return _answer_page(quote, accept_form=form, status=422)


@bp.post("/q/<int:quote_id>/<token>/refuse")
def refuse(quote_id: int, token: str):
    quote = _quote_by_link(quote_id, token)
    form = RefuseForm()
    if form.validate():
        try:
            services.refuse_quote(
                db.session, quote, form.reason.data or "", paris_today(), utcnow()
            )
        except DomainError as error:
            _answer_error(form, error)
        else:
            flash(_("Your answer is recorded. Thank you."), "success")
            return redirect_after_post(url_for("quotes.answer", quote_id=quote.id, token=token))
    return _answer_page(quote, refuse_form=form, status=422)
