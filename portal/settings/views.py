from decimal import Decimal

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _

from portal.coop.models import ContributionBasis, ContributionScheme
from portal.coop.services import (
    contribution_bands,
    fixed_fees,
    get_coop_settings,
    reminder_schedule,
    update_contribution_settings,
    update_coop_settings,
    update_provisions,
)
from portal.db import db
from portal.errors import DomainError
from portal.money import from_cents, to_cents
from portal.settings.forms import (
    ContributionForm,
    CoopSettingsForm,
    ProvisionsForm,
    percent_to_rate,
)
from portal.web.access import admin_required
from portal.web.htmx import redirect_after_post, render

# "coop": its endpoints (coop.settings) and templates (templates/coop/) name the settings.
bp = Blueprint("coop", __name__, url_prefix="/admin")


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    current = get_coop_settings(db.session)
    form = CoopSettingsForm(obj=current)
    if not form.is_submitted():
        form.share_capital.data = from_cents(current.share_capital_cents)
        form.transfer_limit.data = from_cents(current.transfer_limit_cents)
        form.default_contribution_percent.data = current.default_contribution_rate * 100
        if current.work_accident_rate is not None:
            form.work_accident_percent.data = current.work_accident_rate * 100
        if current.mobility_levy_rate:
            form.mobility_levy_percent.data = current.mobility_levy_rate * 100
    if form.validate_on_submit():
        update_coop_settings(
            db.session,
            legal_name=form.legal_name.data.strip(),
            legal_form=form.legal_form.data.strip(),
            address=form.address.data.strip(),
            siren=form.siren.data,
            siret=form.siret.data,
            vat_number=form.vat_number.data,
            rcs=form.rcs.data.strip(),
            share_capital_cents=to_cents(form.share_capital.data or Decimal(0)),
            default_contribution_rate=form.default_contribution_percent.data / 100,
            headcount=form.headcount.data,
            work_accident_rate=percent_to_rate(form.work_accident_percent.data),
            mobility_levy_rate=percent_to_rate(form.mobility_levy_percent.data) or Decimal(0),
            invoice_number_pattern=form.invoice_number_pattern.data,
            credit_note_number_pattern=form.credit_note_number_pattern.data,
            quote_number_pattern=form.quote_number_pattern.data,
            iban=form.iban.data,
            bic=form.bic.data,
            late_penalty_terms=form.late_penalty_terms.data,
            early_payment_terms=form.early_payment_terms.data,
            vat_on_debits=form.vat_on_debits.data,
            einvoicing_address=form.einvoicing_address.data or "",
            reminder_days=", ".join(map(str, reminder_schedule(form.reminder_days.data))),
            transfer_limit_cents=to_cents(form.transfer_limit.data)
            if form.transfer_limit.data is not None
            else current.transfer_limit_cents,
        )
        flash(_("Settings saved."), "success")
        return redirect_after_post(url_for("coop.settings"))
    return render("coop/settings.html", form=form)


@bp.route("/contribution", methods=["GET", "POST"])
@admin_required
def contribution():
    """How the coop's contribution is computed: flat or banded, on invoiced or collected
    revenue, a yearly minimum, fixed monthly fees."""
    current = get_coop_settings(db.session)
    form = ContributionForm()
    if not form.is_submitted():
        form.scheme.data = current.contribution_scheme.value
        form.basis.data = current.contribution_basis.value
        form.yearly_minimum.data = from_cents(current.contribution_yearly_minimum_cents)
        form.yearly_minimum_cape.data = from_cents(current.contribution_yearly_minimum_cape_cents)
        for row, band in zip(form.bands, contribution_bands(db.session), strict=False):
            row.start.data = from_cents(band.start_cents)
            row.percent.data = band.rate * 100
        for row, fee in zip(form.fees, fixed_fees(db.session), strict=False):
            row.title.data = fee.label
            row.monthly.data = from_cents(fee.monthly_cents)
    if form.validate_on_submit():
        bands = [
            (to_cents(row.start.data), row.percent.data / 100)
            for row in form.bands
            if row.start.data is not None
        ]
        try:
            update_contribution_settings(
                db.session,
                scheme=ContributionScheme(form.scheme.data),
                basis=ContributionBasis(form.basis.data),
                yearly_minimum_cents=to_cents(form.yearly_minimum.data or Decimal(0)),
                yearly_minimum_cape_cents=to_cents(form.yearly_minimum_cape.data or Decimal(0)),
                fees=[
                    (row.title.data, to_cents(row.monthly.data))
                    for row in form.fees
                    if row.monthly.data is not None
                ],
                bands=bands,
            )
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Contribution settings saved."), "success")
            return redirect_after_post(url_for("coop.contribution"))
    return render("coop/contribution.html", form=form, flat_rate=current.default_contribution_rate)


@bp.route("/provisions", methods=["GET", "POST"])
@admin_required
def provisions():
    """What the coop keeps back from the margins: safety reserve, paid leave, meal vouchers,
    and the shares of the health and provident plans."""
    current = get_coop_settings(db.session)
    form = ProvisionsForm()
    if not form.is_submitted():
        if current.reserve_rate:
            form.reserve_percent.data = current.reserve_rate * 100
        if current.reserve_amount_cents:
            form.reserve_amount.data = from_cents(current.reserve_amount_cents)
        if current.paid_leave_rate:
            form.paid_leave_percent.data = current.paid_leave_rate * 100
        if current.meal_vouchers_cents:
            form.meal_vouchers.data = from_cents(current.meal_vouchers_cents)
        form.health_plan_employer.data = from_cents(current.health_plan_employer_cents)
        form.health_plan_employee.data = from_cents(current.health_plan_employee_cents)
    if form.validate_on_submit():
        update_provisions(db.session, form.provisions())
        flash(_("Provisions saved."), "success")
        return redirect_after_post(url_for("coop.provisions"))
    return render("coop/provisions.html", form=form)
