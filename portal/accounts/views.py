"""The support team's members pages (/staff/members) and everyone's own profile (/profile)."""

from datetime import timedelta
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from portal.accounts import services
from portal.accounts.forms import (
    ActivitiesForm,
    AssociateRequestForm,
    ContractForm,
    DecisionForm,
    IbanForm,
    InviteForm,
    LanguageForm,
    MemberSearchForm,
    PasswordForm,
    ProfileForm,
    StatusForm,
)
from portal.auth import services as auth
from portal.auth.views import lockout_policy
from portal.dates import paris_today
from portal.db import db, utcnow
from portal.errors import DomainError
from portal.links import public_url
from portal.members import services as members
from portal.members.models import AssociateDecision, AssociateRequest, Member, MemberStatus, Role
from portal.money import from_cents, to_cents
from portal.web.access import staff_required
from portal.web.forms import form_error
from portal.web.htmx import redirect_after_post, render
from portal.web.pages import page_arg

staff_bp = Blueprint("staff_members", __name__, url_prefix="/staff/members")
profile_bp = Blueprint("profile", __name__, url_prefix="/profile")


# --- the support team's pages ----------------------------------------------------------------


@staff_bp.get("")
@staff_required
def index():
    form = MemberSearchForm(request.args)
    form.validate()
    results = members.search_members(
        db.session,
        (form.q.data or "") if not form.q.errors else "",
        form.which.data if not form.which.errors else members.MemberFilter.ACTIVE,
        page_arg(),
    )
    return render("accounts/members.html", "accounts/_members.html", form=form, results=results)


def _invite_form() -> InviteForm:
    form = InviteForm()
    if not current_user.is_admin:  # only admins invite the support team
        form.role.choices = form.role.choices[:1]
    return form


def _invitation_lifetime() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_DAYS"])


def _invitation_link(token: str) -> str:
    return public_url("auth.reset_password", token=token, welcome=1)


@staff_bp.route("/invite", methods=["GET", "POST"])
@staff_required
def invite():
    form = _invite_form()
    if form.validate_on_submit():
        try:
            member = services.invite_member(
                db.session,
                current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                role=Role(form.role.data),
                status=MemberStatus(form.status.data),
                locale=form.locale.data,
                now=utcnow(),
                lifetime=_invitation_lifetime(),
                link_for=_invitation_link,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            flash(_("Invitation sent to %(email)s.", email=member.email), "success")
            return redirect_after_post(url_for("staff_members.show", member_id=member.id))
    return render("accounts/invite.html", form=form)


def _member_or_404(member_id: int) -> Member:
    member = db.session.get(Member, member_id, options=[selectinload(Member.activities)])
    if member is None:
        abort(404)
    return member


def _member_page(member: Member, **forms):
    """The member's page, with `forms` as submitted (shown with their errors)."""
    status_form = forms.get("status_form") or StatusForm(formdata=None)
    if "status_form" not in forms:
        status_form.effective_on.data = paris_today()
        status_form.status.data = _next_status(member.status)
    contract_form = forms.get("contract_form") or ContractForm(formdata=None)
    if "contract_form" not in forms:
        contract_form.hours_per_week.data = member.contract_hours_per_week
        contract_form.hourly_rate.data = from_cents(member.hourly_gross_rate_cents)
        if member.contract_monthly_gross_cents:
            contract_form.monthly_gross.data = from_cents(member.contract_monthly_gross_cents)
        if member.contribution_rate is not None:
            contract_form.contribution_percent.data = member.contribution_rate * 100
    activities_form = forms.get("activities_form") or ActivitiesForm(formdata=None)
    if "activities_form" not in forms:
        activities_form.activities.data = "\n".join(a.name for a in member.activities)
    decision_form = forms.get("decision_form") or DecisionForm(formdata=None)
    if "decision_form" not in forms:
        decision_form.decided_on.data = paris_today()
    return render(
        "accounts/member.html",
        member=member,
        refusal=member.refusal_to_manage(current_user),
        history=members.status_history(db.session, member),
        requests=members.associate_requests(db.session, member),
        status_form=status_form,
        contract_form=contract_form,
        activities_form=activities_form,
        decision_form=decision_form,
    )


def _next_status(status: MemberStatus | None) -> str:
    order = list(MemberStatus)
    if status is None or status is order[-1]:
        return (status or order[0]).value
    return order[order.index(status) + 1].value


@staff_bp.get("/<int:member_id>")
@staff_required
def show(member_id: int):
    return _member_page(_member_or_404(member_id))


def _back_to(member: Member):
    return redirect_after_post(url_for("staff_members.show", member_id=member.id))


@staff_bp.post("/<int:member_id>/status")
@staff_required
def change_status(member_id: int):
    member = _member_or_404(member_id)
    form = StatusForm()
    if not form.validate():
        return _member_page(member, status_form=form)
    try:
        members.change_status(
            db.session,
            member,
            MemberStatus(form.status.data),
            form.effective_on.data,
            by=current_user,
            note=form.note.data or "",
        )
    except DomainError as error:
        form_error(form, error)
        return _member_page(member, status_form=form)
    flash(_("Status changed."), "success")
    return _back_to(member)


@staff_bp.post("/<int:member_id>/contract")
@staff_required
def update_contract(member_id: int):
    member = _member_or_404(member_id)
    form = ContractForm()
    if not form.validate():
        return _member_page(member, contract_form=form)
    percent = form.contribution_percent.data
    try:
        members.update_contract(
            db.session,
            member,
            current_user,
            hours_per_week=form.hours_per_week.data,
            hourly_gross_rate_cents=to_cents(form.hourly_rate.data),
            monthly_gross_cents=to_cents(form.monthly_gross.data)
            if form.monthly_gross.data is not None
            else None,
            contribution_rate=percent / Decimal(100) if percent is not None else None,
        )
    except DomainError as error:
        form_error(form, error)
        return _member_page(member, contract_form=form)
    flash(_("Contract saved."), "success")
    return _back_to(member)


@staff_bp.post("/<int:member_id>/activities")
@staff_required
def update_activities(member_id: int):
    member = _member_or_404(member_id)
    form = ActivitiesForm()
    if not form.validate():
        return _member_page(member, activities_form=form)
    try:
        members.set_activities(
            db.session, member, (form.activities.data or "").splitlines(), current_user
        )
    except DomainError as error:
        form_error(form, error)
        return _member_page(member, activities_form=form)
    flash(_("Activities saved."), "success")
    return _back_to(member)


@staff_bp.post("/<int:member_id>/associate-requests/<int:request_id>")
@staff_required
def decide(member_id: int, request_id: int):
    member = _member_or_404(member_id)
    associate_request = db.session.get(AssociateRequest, request_id)
    if associate_request is None or associate_request.member_id != member.id:
        abort(404)
    form = DecisionForm()
    if not form.validate():
        return _member_page(member, decision_form=form)
    try:
        members.decide_associate_request(
            db.session,
            associate_request,
            AssociateDecision(form.decision.data),
            form.decided_on.data,
            current_user,
        )
    except DomainError as error:  # decided already, or not the team's to decide
        flash(str(error), "error")
    else:
        flash(_("Decision recorded."), "success")
    return _back_to(member)


def _account_action(member_id: int, action, success: str):
    member = _member_or_404(member_id)
    try:
        action(member)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(success, "success")
    return _back_to(member)


@staff_bp.post("/<int:member_id>/deactivate")
@staff_required
def deactivate(member_id: int):
    return _account_action(
        member_id,
        lambda member: services.deactivate_member(db.session, member, current_user),
        _("Account deactivated: the member cannot log in any more. Their data is kept."),
    )


@staff_bp.post("/<int:member_id>/reactivate")
@staff_required
def reactivate(member_id: int):
    return _account_action(
        member_id,
        lambda member: services.reactivate_member(db.session, member, current_user),
        _("Account reactivated."),
    )


@staff_bp.post("/<int:member_id>/invitation")
@staff_required
def resend_invitation(member_id: int):
    return _account_action(
        member_id,
        lambda member: services.resend_invitation(
            db.session, member, current_user, utcnow(), _invitation_lifetime(), _invitation_link
        ),
        _("A new invitation is on its way; the earlier link no longer works."),
    )


# --- everyone's own profile ------------------------------------------------------------------


def _profile_page(**forms):
    """The member's own profile, with `forms` as submitted (shown with their errors)."""
    member = current_user
    profile_form = forms.get("profile_form") or ProfileForm(formdata=None, obj=member)
    language_form = forms.get("language_form") or LanguageForm(
        formdata=None, data={"locale": member.locale or "fr"}
    )
    now = utcnow()
    devices = auth.login_sessions_of(db.session, member, now)
    requests = members.associate_requests(db.session, member) if member.is_entrepreneur else []
    return render(
        "accounts/profile.html",
        member=member,
        profile_form=profile_form,
        iban_form=forms.get("iban_form") or IbanForm(formdata=None),
        language_form=language_form,
        password_form=forms.get("password_form") or PasswordForm(formdata=None),
        associate_form=forms.get("associate_form") or AssociateRequestForm(formdata=None),
        devices=[(device, auth.is_token_of(device, member.login_token)) for device in devices],
        associate_requests=requests,
        pending_request=next((r for r in requests if r.pending), None),
        notification_settings=_notification_settings_url(),
    )


def _notification_settings_url() -> str | None:
    """The notifications module's settings page, once that module is part of the portal."""
    if "notifications.settings" in current_app.view_functions:
        return url_for("notifications.settings")
    return None


@profile_bp.get("", endpoint="index")
@login_required
def show_profile():
    return _profile_page()


@profile_bp.post("")
@login_required
def update():
    form = ProfileForm()
    if not form.validate():
        return _profile_page(profile_form=form)
    try:
        members.update_profile(
            db.session,
            current_user,
            full_name=form.full_name.data,
            phone=form.phone.data or "",
            address=form.address.data or "",
        )
    except DomainError as error:
        form_error(form, error)
        return _profile_page(profile_form=form)
    flash(_("Profile saved."), "success")
    return redirect_after_post(url_for("profile.index"))


@profile_bp.post("/iban")
@login_required
def update_iban():
    form = IbanForm()
    if not form.validate():
        return _profile_page(iban_form=form)
    try:
        members.set_iban(db.session, current_user, form.iban.data)
    except DomainError as error:
        form_error(form, error)
        return _profile_page(iban_form=form)
    flash(_("IBAN saved."), "success")
    return redirect_after_post(url_for("profile.index"))


@profile_bp.post("/language")
@login_required
def update_language():
    form = LanguageForm()
    if not form.validate():
        return _profile_page(language_form=form)
    members.set_locale(current_user, form.locale.data)
    session["locale"] = form.locale.data
    flash(_("Language saved."), "success")
    return redirect_after_post(url_for("profile.index"))


@profile_bp.post("/password")
@login_required
def change_password():
    form = PasswordForm()
    if not form.validate():
        return _profile_page(password_form=form)
    try:
        auth.change_password(
            db.session,
            current_user,
            form.current_password.data,
            form.password.data,
            keep_token=current_user.login_token,
            ip=request.remote_addr or "",
            now=utcnow(),
            policy=lockout_policy(),
        )
    except DomainError as error:
        form_error(form, error)
        return _profile_page(password_form=form)
    flash(_("Password changed. Your other devices are signed out."), "success")
    return redirect_after_post(url_for("profile.index"))


@profile_bp.post("/devices/sign-out-others")
@login_required
def sign_out_others():
    ended = services.sign_out_other_devices(db.session, current_user, current_user.login_token)
    if ended:
        flash(
            ngettext(
                "Signed out of %(num)d other device.", "Signed out of %(num)d other devices.", ended
            ),
            "success",
        )
    else:
        flash(_("No other device was signed in."), "info")
    return redirect_after_post(url_for("profile.index"))


@profile_bp.post("/associate")
@login_required
def ask_associate():
    form = AssociateRequestForm()
    if not form.validate():
        return _profile_page(associate_form=form)
    try:
        members.ask_to_become_associate(db.session, current_user, form.message.data or "", utcnow())
    except DomainError as error:  # asked already: the form is no longer on the page
        flash(str(error), "error")
    else:
        flash(_("Your request is sent to the team."), "success")
    return redirect_after_post(url_for("profile.index"))
