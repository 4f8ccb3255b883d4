"""Receipts: the entrepreneur's capture and lists, the support team's queue and decisions.

URL map
    /receipts                       index         a member's receipts by month and category
    /receipts/new                   new           a receipt with its photo or PDF
    /receipts/read                  read          suggestions read from a photo or PDF
    /receipts/mileage/new           new_mileage   a mileage claim without receipt
    /receipts/<id>                  show          one receipt, its photo and its actions
    /receipts/<id>/edit             edit          change a draft or rejected receipt
    /receipts/<id>/submit|delete                  the entrepreneur's actions
    /receipts/<id>/file|thumbnail                 the photo or PDF, after the ownership check
    /receipts/export.csv            export        a year of receipts for a spreadsheet
    /receipts/queue                 queue         staff: receipts waiting for a decision
    /receipts/<id>/approve|reject|reimburse       staff decisions
    /receipts/categories            categories    admin: the category list and its VAT rules
"""

from datetime import date
from pathlib import PurePosixPath

from flask import Blueprint, Response, abort, flash, jsonify, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.dates import paris_today
from portal.db import db, id_from_text
from portal.errors import DomainError
from portal.expenses import queries, services
from portal.expenses.forms import CategoryForm, MileageForm, ReceiptForm, RejectForm
from portal.expenses.models import ExpenseCategory, PaidBy, Receipt
from portal.expenses.reading import request_reading
from portal.formats import money_text
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.money import from_cents
from portal.reading import NOTHING
from portal.storage import storage
from portal.transaction import transaction
from portal.uploads import MAX_UPLOAD_BYTES, accepted_kind
from portal.web.access import admin_required, owned_or_404, staff_required
from portal.web.confirm import asks, confirmed, unconfirmed
from portal.web.csv import csv_response
from portal.web.files import uploaded_file
from portal.web.forms import form_error
from portal.web.htmx import redirect_after_post, render, wants_fragment
from portal.web.ids import id_arg
from portal.web.page_cache import kept
from portal.web.pages import int_arg, page_arg

bp = Blueprint("expenses", __name__, url_prefix="/receipts")


@bp.context_processor
def template_helpers():
    return {
        "month_name": lambda month: format_date(date(2000, month, 1), "LLLL").capitalize(),
        "year_total": _year_total,
        "today_iso": lambda: paris_today().isoformat(),
        "max_upload_bytes": MAX_UPLOAD_BYTES,
    }


@bp.app_template_filter("date_short")
def date_short(value: date) -> str:
    return format_date(value, "medium")


def _year_total(months: list[queries.Totals]) -> queries.Totals:
    return queries.Totals(
        None,
        *(
            sum(getattr(t, name) for t in months)
            for name in (
                "count",
                "excl_vat_cents",
                "vat_cents",
                "amount_cents",
                "vat_recoverable_cents",
            )
        ),
    )


def receipt_or_404(receipt_id: int) -> Receipt:
    """The current member's receipt (the support team sees every receipt), else 404."""
    return owned_or_404(db.session, Receipt, receipt_id)


def _show_error(form, error: DomainError) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is None and error.field == "vat":
        target = form.vat_20
    if target is not None:
        target.errors = [*target.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _uploaded_bytes() -> bytes | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    # One byte more than allowed is enough to know the file is too large.
    try:
        return upload.stream.read(MAX_UPLOAD_BYTES + 1)
    finally:
        upload.close()


def _listed_member() -> Member:
    """Staff see any member's receipts with `?member=<id>`; an id of no member is a 404."""
    if not current_user.is_staff or not request.args.get("member", type=int):
        return current_user
    return db.session.get(Member, id_arg("member") or 0) or abort(404)


# --- the entrepreneur's lists ---------------------------------------------------------------


@bp.get("")
@login_required
@kept
def index():
    member = _listed_member()
    today = paris_today()
    year = int_arg("year", today.year, 2000, today.year)
    month = int_arg("month", None, 1, 12)
    category_id = id_arg("category")
    page = page_arg()
    receipts, has_more = queries.receipts_page(
        db.session, member.id, year, month, category_id, page
    )
    return render(
        "expenses/index.html",
        "expenses/_list.html",
        member=member,
        year=year,
        month=month,
        category_id=category_id,
        page_number=page,
        has_more=has_more,
        receipts=receipts,
        months=queries.totals_by_month(db.session, member.id, year),
        by_category=queries.totals_by_category(db.session, member.id, year, month),
        categories=services.categories(db.session, include_inactive=True),
        years=range(today.year, max(today.year - 5, 2000) - 1, -1),
    )


@bp.get("/export.csv")
@login_required
def export():
    member = _listed_member()
    year = int_arg("year", paris_today().year, 2000, 2100)
    rows = queries.export_rows(db.session, member.id, year)
    return csv_response(f"receipts-{year}.csv", queries.EXPORT_HEADER, rows)


# --- capture --------------------------------------------------------------------------------


def _receipt_input(form: ReceiptForm) -> services.ReceiptInput:
    return services.ReceiptInput(
        spent_on=form.spent_on.data,
        supplier=form.supplier.data or "",
        amount=form.amount.data,
        category_id=form.category_id.data,
        paid_by=PaidBy(form.paid_by.data),
        vat_by_rate=form.vat_by_rate(),
        activity_id=form.activity_id.data,
        customer_id=form.customer_id.data,
        note=form.note.data or "",
    )


def _receipt_form(**kwargs) -> ReceiptForm:
    return ReceiptForm(
        activities=current_user.activities,
        categories=[c for c in services.categories(db.session) if not c.for_mileage],
        customers=services.customer_choices(db.session, current_user),
        **kwargs,
    )


@bp.route("/new", methods=["GET", "POST"])
@transaction("write", lock="late")  # the photo is decoded before the write lock
@login_required
def new():
    form = _receipt_form()
    if not form.is_submitted():
        form.spent_on.data = paris_today()
    if form.validate_on_submit():
        try:
            receipt, created = services.create_receipt(
                db.session,
                current_user,
                _receipt_input(form),
                _uploaded_bytes(),
                form.idempotency_key.data,
            )
        except DomainError as error:
            _show_error(form, error)
        else:
            if created:
                flash(_("Receipt saved."), "success")
            else:
                flash(_("This receipt had already been saved."), "info")
            return redirect_after_post(url_for("expenses.show", receipt_id=receipt.id))
    return render("expenses/new.html", "expenses/_receipt_form.html", form=form, receipt=None)


@bp.post("/read")
@transaction("read")  # reading takes seconds: no write lock meanwhile
@login_required
def read():
    """What the chosen file says (date, total, VAT, supplier, SIRET) as suggestions: JSON for
    a client that asks for it, else the form's fields filled where still empty, which the
    person confirms. Nothing is stored; a file that cannot be read suggests nothing."""
    upload = request.files.get("file")
    content_type = upload.mimetype if upload else None
    data = _uploaded_bytes() or b""
    if not data and wants_fragment():
        return Response(status=204)  # no file chosen (or cleared as too large): nothing to say
    refusal = suggestions = None
    try:
        accepted_kind(data)
    except DomainError as error:
        refusal = error
    else:
        suggestions = request_reading(data, content_type)
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        if refusal is not None:
            return jsonify({"error": str(refusal)}), 422
        return jsonify((suggestions or NOTHING).as_json())
    form = _receipt_form()
    suggested = form.suggest(suggestions, paris_today()) if suggestions else {}
    return render(
        "expenses/new.html",
        "expenses/_receipt_read.html",
        form=form,
        receipt=None,
        suggested=suggested,
        reading=suggestions,
        refusal=refusal,
    )


@bp.route("/mileage/new", methods=["GET", "POST"])
@login_required
def new_mileage():
    form = MileageForm(activities=current_user.activities)
    if not form.is_submitted():
        form.spent_on.data = paris_today()
    if form.validate_on_submit():
        try:
            receipt, created = services.create_mileage_claim(
                db.session,
                current_user,
                services.MileageInput(
                    spent_on=form.spent_on.data,
                    distance_km=form.distance_km.data,
                    fiscal_horsepower=form.fiscal_horsepower.data,
                    purpose=form.purpose.data or "",
                    electric=form.electric.data,
                    activity_id=form.activity_id.data,
                    paid_by=PaidBy(form.paid_by.data),
                ),
                form.idempotency_key.data,
            )
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(
                _("Mileage claim saved.") if created else _("This claim had already been saved."),
                "success",
            )
            return redirect_after_post(url_for("expenses.show", receipt_id=receipt.id))
    return render("expenses/mileage.html", form=form)


@bp.get("/<int:receipt_id>")
@login_required
def show(receipt_id: int):
    receipt = receipt_or_404(receipt_id)
    return render("expenses/show.html", receipt=receipt, reject_form=RejectForm())


@bp.route("/<int:receipt_id>/edit", methods=["GET", "POST"])
@transaction("write", lock="late")
@login_required
def edit(receipt_id: int):
    receipt = receipt_or_404(receipt_id)
    if receipt.member_id != current_user.id:
        abort(404)
    refusal = receipt.refusal_to_edit()
    if refusal:  # sent meanwhile (from another tab, another phone): say so, on the receipt
        flash(str(refusal), "error")
        return redirect_after_post(url_for("expenses.show", receipt_id=receipt.id))
    form = _receipt_form(obj=receipt, idempotency_key=receipt.idempotency_key)
    if not form.is_submitted():
        form.amount.data = from_cents(receipt.amount_cents)
        for name, rate in form.VAT_FIELDS.items():
            line = next((v for v in receipt.vat_lines if v.rate == rate), None)
            getattr(form, name).data = from_cents(line.vat_cents) if line else None
        form.paid_by.data = receipt.paid_by.value
    if form.validate_on_submit():
        try:
            services.update_receipt(db.session, receipt, _receipt_input(form), _uploaded_bytes())
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("Receipt saved."), "success")
            return redirect_after_post(url_for("expenses.show", receipt_id=receipt.id))
    return render("expenses/new.html", "expenses/_receipt_form.html", form=form, receipt=receipt)


def _ask(receipt: Receipt) -> Response | None:
    """The confirmation page, until the member confirms (portal/web/confirm.py)."""
    subject = _(
        "%(supplier)s, %(amount)s, %(name)s",
        supplier=receipt.supplier or receipt.category.name,
        amount=money_text(receipt.amount_cents, cents=True),
        name=receipt.member.full_name,
    )
    return unconfirmed(url_for("expenses.show", receipt_id=receipt.id), subject=subject)


def _act(receipt_id: int, action, success: str, *args, confirm: bool = False):
    receipt = receipt_or_404(receipt_id)
    if confirm and (asked := _ask(receipt)):
        return asked
    try:
        action(db.session, receipt, *args)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(success, "success")
    return redirect_after_post(url_for("expenses.show", receipt_id=receipt.id))


@bp.post("/<int:receipt_id>/submit")
@login_required
def submit(receipt_id: int):
    if receipt_or_404(receipt_id).member_id != current_user.id:
        abort(404)
    return _act(receipt_id, services.submit_receipt, _("Sent to the support team."))


@bp.post("/<int:receipt_id>/delete")
@login_required
@asks(_l("Delete this draft receipt?"), _l("Delete"))
def delete(receipt_id: int):
    receipt = receipt_or_404(receipt_id)
    if receipt.member_id != current_user.id:
        abort(404)
    if asked := _ask(receipt):
        return asked
    try:
        services.delete_receipt(db.session, receipt)
    except DomainError as error:
        flash(str(error), "error")
        return redirect_after_post(url_for("expenses.show", receipt_id=receipt_id))
    flash(_("Draft deleted."), "success")
    return redirect_after_post(url_for("expenses.index"))


def _stored_file(key: str | None, content_type: str, name: str) -> Response:
    if not key or not storage().exists(key):
        abort(404)
    return uploaded_file(storage().read(key), content_type, name + PurePosixPath(key).suffix)


@bp.get("/<int:receipt_id>/file")
@login_required
def file(receipt_id: int):
    receipt = receipt_or_404(receipt_id)
    content_type = receipt.file_content_type or "application/octet-stream"
    return _stored_file(receipt.file_key, content_type, f"receipt-{receipt.id}")


@bp.get("/<int:receipt_id>/thumbnail")
@login_required
def thumbnail(receipt_id: int):
    receipt = receipt_or_404(receipt_id)
    return _stored_file(receipt.thumbnail_key, "image/jpeg", f"receipt-{receipt.id}")


# --- the support team -------------------------------------------------------------------------


@bp.get("/queue")
@staff_required
def queue():
    page = page_arg()
    receipts, has_more = queries.review_queue(db.session, page)
    return render("expenses/queue.html", receipts=receipts, page_number=page, has_more=has_more)


@bp.post("/<int:receipt_id>/approve")
@staff_required
@asks(
    _l("Approve this receipt?"),
    _l("Approve"),
    _l("An approved receipt counts in the entrepreneur's expenses; it cannot be undone."),
)
def approve(receipt_id: int):
    return _act(
        receipt_id, services.approve_receipt, _("Receipt approved."), current_user, confirm=True
    )


@bp.post("/approve")
@staff_required
def approve_selected():
    """Approve the ticked receipts of the queue, after a page listing what will happen to
    each; those that cannot be approved are named with their reason, the others still go."""
    ids = [i for i in map(id_from_text, request.form.getlist("ids")[:200]) if i is not None]
    receipts = queries.receipts_to_approve(db.session, ids)
    if not receipts:
        flash(_("Tick the receipts to approve first."), "error")
        return redirect_after_post(url_for("expenses.queue"))
    if not confirmed():
        refusals = {receipt.id: receipt.refusal_to_decide() for receipt in receipts}
        going = [receipt for receipt in receipts if refusals[receipt.id] is None]
        return render(
            "expenses/confirm_approve.html", receipts=receipts, refusals=refusals, going=going
        )
    outcome = services.approve_receipts(db.session, receipts, current_user)
    approved = sum(1 for _receipt, refusal in outcome if refusal is None)
    if approved:
        flash(
            ngettext("%(num)d receipt approved.", "%(num)d receipts approved.", approved), "success"
        )
    for receipt, refusal in outcome:
        if refusal is not None:
            flash(_("%(name)s, %(supplier)s: %(reason)s", name=receipt.member.full_name,
                    supplier=receipt.supplier, reason=refusal), "error")  # fmt: skip
    return redirect_after_post(url_for("expenses.queue"))


@bp.post("/<int:receipt_id>/reject")
@staff_required
def reject(receipt_id: int):
    receipt = receipt_or_404(receipt_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject_receipt(db.session, receipt, current_user, form.reason.data)
        except DomainError as error:
            form_error(form, error, field=form.reason)
        else:
            flash(_("Receipt rejected; the entrepreneur will see why."), "success")
            return redirect_after_post(url_for("expenses.queue"))
    return render("expenses/show.html", receipt=receipt, reject_form=form)


@bp.post("/<int:receipt_id>/reimburse")
@staff_required
@asks(
    _l("Record the reimbursement of this receipt?"),
    _l("Record the reimbursement"),
    _l("A recorded reimbursement cannot be removed."),
)
def reimburse(receipt_id: int):
    return _act(
        receipt_id, services.record_reimbursement, _("Reimbursement recorded."), confirm=True
    )


@bp.route("/categories", methods=["GET", "POST"])
@admin_required
def categories():
    form = CategoryForm()
    category_id = request.form.get("category_id", type=id_from_text)
    category = db.session.get(ExpenseCategory, category_id) if category_id else None
    if category_id and category is None:
        abort(404)
    if form.validate_on_submit():
        try:
            services.save_category(
                db.session,
                name=form.name.data,
                vat_recovery_rate=form.vat_recovery_percent.data / 100,
                active=form.active.data,
                category=category,
            )
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("Category saved."), "success")
            return redirect_after_post(url_for("expenses.categories"))
    return render(
        "expenses/categories.html",
        form=form,
        editing=category,
        categories=services.categories(db.session, include_inactive=True),
    )
