"""Internal transfer URLs: the entrepreneur's transfers, issued and received, and the
support team's list of those in progress."""

import uuid

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.coop.services import get_coop_settings
from portal.dates import paris_today
from portal.db import db, id_from_text, utcnow
from portal.directory.services import listed_member
from portal.errors import DomainError
from portal.formats import money_text
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.network.activity import add_activity_section
from portal.transfers import services
from portal.transfers.documents import pdf_filename, render_pdf
from portal.transfers.forms import RefuseForm, TransferForm
from portal.transfers.models import MENTION, InternalTransfer
from portal.transfers.queries import (
    EXPORT_HEADER,
    contractor_choices,
    transfers_in_progress,
    transfers_of,
    validated_export_rows,
)
from portal.web.access import staff_required
from portal.web.confirm import asks, unconfirmed
from portal.web.csv import csv_response
from portal.web.files import made_pdf
from portal.web.forms import flash_outcome, form_error
from portal.web.htmx import redirect_after_post, render
from portal.web.pages import int_arg
from portal.web.redirects import safe_next

bp = Blueprint("transfers", __name__)

# The support team's network page shows the transfers in progress too.
add_activity_section(
    "transfers/_activity.html",
    lambda session: {"transfers": transfers_in_progress(session)},
)


def transfer_or_404(transfer_id: int) -> InternalTransfer:
    """The transfer if the current member is one of its two parties (staff see every one);
    else 404."""
    transfer = db.session.get(InternalTransfer, transfer_id)
    if transfer is None or not (current_user.is_staff or transfer.is_party(current_user)):
        abort(404)
    return transfer


def _show(transfer: InternalTransfer) -> Response:
    return redirect_after_post(url_for("transfers.show", transfer_id=transfer.id))


def _ask(transfer: InternalTransfer) -> Response | None:
    """The confirmation page names the transfer, until the member confirms."""
    subject = _(
        "%(subcontractor)s → %(contractor)s, %(amount)s excl. VAT",
        subcontractor=transfer.subcontractor.full_name,
        contractor=transfer.contractor.full_name,
        amount=money_text(transfer.amount_cents, cents=True),
    )
    return unconfirmed(url_for("transfers.show", transfer_id=transfer.id), subject=subject)


def _act(transfer: InternalTransfer, action, success: str, next_url: str | None = None):
    flash_outcome(action, success)
    return redirect_after_post(
        safe_next(next_url, url_for("transfers.show", transfer_id=transfer.id))
    )


@bp.get("/transfers")
@login_required
def index():
    return render("transfers/index.html", transfers=transfers_of(db.session, current_user.id))


def _prepare(form: TransferForm, query: str) -> None:
    """The members of the directory the search box finds, keeping the chosen one."""
    choices = [
        (str(entry.member_id), ", ".join(filter(None, [entry.full_name, entry.activity])))
        for entry in contractor_choices(db.session, current_user.id, query)
    ]
    chosen = id_from_text(form.contractor_id.data or "")
    if chosen is not None and str(chosen) not in dict(choices):
        member = listed_member(db.session, chosen)  # never a name the directory hides
        if member is not None and member.id != current_user.id:
            choices.insert(0, (str(member.id), member.full_name))
    form.contractor_id.choices = [("", _("Choose…")), *choices]


@bp.route("/transfers/new", methods=["GET", "POST"])
@login_required
def new():
    if not current_user.is_entrepreneur:
        abort(404)
    form = TransferForm()
    query = (request.values.get("q") or "")[:100]
    if not form.is_submitted():
        form.form_token.data = uuid.uuid4().hex
    _prepare(form, query)
    searching = request.form.get("action") == "search"
    if form.is_submitted() and not searching and form.validate():
        contractor_id = id_from_text(form.contractor_id.data or "")
        contractor = db.session.get(Member, contractor_id) if contractor_id else None
        try:
            transfer, created = services.issue_transfer(
                db.session,
                current_user,
                form.transfer_input(contractor),
                paris_today(),
                (form.form_token.data or "")[:64],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            if created:
                flash(_("Transfer sent to %(name)s.", name=transfer.contractor.full_name),
                      "success")  # fmt: skip
            return _show(transfer)
    return render("transfers/new.html", form=form, query=query)


@bp.get("/transfers/<int:transfer_id>")
@login_required
def show(transfer_id: int):
    transfer = transfer_or_404(transfer_id)
    return render(
        "transfers/show.html",
        transfer=transfer,
        mention=MENTION,
        refuse_form=RefuseForm(),
        reverse_token=uuid.uuid4().hex,
    )


@bp.get("/transfers/<int:transfer_id>/pdf")
@login_required
def pdf(transfer_id: int):
    transfer = transfer_or_404(transfer_id)
    return made_pdf(render_pdf(transfer, get_coop_settings(db.session)), pdf_filename(transfer))


@bp.post("/transfers/<int:transfer_id>/accept")
@login_required
def accept(transfer_id: int):
    transfer = transfer_or_404(transfer_id)
    return _act(
        transfer,
        lambda: services.accept_transfer(db.session, transfer, current_user, utcnow()),
        _("Transfer accepted: the support team will validate it."),
    )


@bp.post("/transfers/<int:transfer_id>/refuse")
@login_required
@asks(_l("Refuse this transfer?"), _l("Refuse"), _l("Its issuer will read your reason."))
def refuse(transfer_id: int):
    transfer = transfer_or_404(transfer_id)
    form = RefuseForm()
    reason = form.reason.data or "" if form.validate() else ""
    # Nothing is asked of someone who may not refuse, nor without a reason.
    if transfer.refusal_to_answer(current_user) is None:
        if not reason.strip():
            flash(_("Say why you refuse this transfer."), "error")
            return _show(transfer)
        if asked := _ask(transfer):
            return asked
    return _act(
        transfer,
        lambda: services.refuse_transfer(db.session, transfer, current_user, reason, utcnow()),
        _("Transfer refused."),
    )


@bp.post("/transfers/<int:transfer_id>/validate")
@staff_required
@asks(
    _l("Validate and number this transfer?"),
    _l("Validate"),
    _l("Its amount goes into both members' figures; only a reversing transfer cancels it."),
)
def validate(transfer_id: int):
    transfer = transfer_or_404(transfer_id)
    if asked := _ask(transfer):
        return asked
    return _act(
        transfer,
        lambda: services.validate_transfer(
            db.session, transfer, current_user, paris_today(), utcnow()
        ),
        _("Transfer validated."),
        request.form.get("next"),
    )


@bp.post("/transfers/<int:transfer_id>/reverse")
@login_required
@asks(
    _l("Cancel this transfer with a reversing transfer?"),
    _l("Issue the reversing transfer"),
    _l("The same lines, negative, go to the same member to accept, then to the support team."),
)
def reverse(transfer_id: int):
    transfer = transfer_or_404(transfer_id)
    if asked := _ask(transfer):
        return asked
    try:
        reversal = services.reverse_transfer(
            db.session,
            transfer,
            current_user,
            paris_today(),
            request.form.get("form_token", "")[:64],
        )
    except DomainError as error:
        flash(str(error), "error")
        return _show(transfer)
    flash(_("Reversing transfer sent to %(name)s.", name=reversal.contractor.full_name),
          "success")  # fmt: skip
    return _show(reversal)


@bp.get("/staff/transfers")
@staff_required
def staff():
    this_year = paris_today().year
    return render(
        "transfers/staff.html",
        transfers=transfers_in_progress(db.session),
        export_years=(this_year, this_year - 1),
    )


@bp.get("/staff/transfers.csv")
@staff_required
def export():
    """The transfers validated in `?year=` (this year when missing or not a year)."""
    year = int_arg("year", paris_today().year, 2000, 2100)
    rows = validated_export_rows(db.session, year)
    return csv_response(f"internal-transfers-{year}.csv", EXPORT_HEADER, rows)
