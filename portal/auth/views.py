from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import services
from portal.auth.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm
from portal.db import db, utcnow
from portal.errors import DomainError
from portal.extensions import login_manager
from portal.links import public_url
from portal.web.htmx import redirect_after_post, render
from portal.web.redirects import safe_next
from portal.web.security import renew_csrf_token

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_member(token: str):
    return services.member_for_token(db.session, token, utcnow())


def lockout_policy() -> services.LockoutPolicy:
    config = current_app.config
    return services.LockoutPolicy(
        max_failures=config["LOGIN_MAX_FAILURES"],
        max_failures_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
    )


def reset_policy() -> services.ResetPolicy:
    config = current_app.config
    return services.ResetPolicy(
        max_per_account=config["PASSWORD_RESET_MAX_PER_ACCOUNT"],
        max_per_address=config["PASSWORD_RESET_MAX_PER_ADDRESS"],
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            member = services.authenticate(
                db.session,
                form.email.data,
                form.password.data,
                ip=request.remote_addr or "",
                now=utcnow(),
                policy=lockout_policy(),
            )
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            config = current_app.config
            lifetime = (
                timedelta(days=config["REMEMBER_DAYS"])
                if form.remember.data
                else timedelta(hours=config["SESSION_HOURS"])
            )
            services.start_login_session(
                db.session,
                member,
                utcnow(),
                form.remember.data,
                lifetime,
                request.user_agent.string,
            )
            session.permanent = bool(form.remember.data)
            renew_csrf_token()
            login_user(member)
            target = safe_next(request.args.get("next"), url_for("home.index"))
            return redirect_after_post(target)
    return render("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.end_login_session_of(db.session, current_user, current_user.login_token)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect_after_post(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        minutes = current_app.config["PASSWORD_RESET_MINUTES"]
        services.request_password_reset(
            db.session,
            form.email.data,
            utcnow(),
            timedelta(minutes=minutes),
            link_for=lambda token: public_url("auth.reset_password", token=token),
            ip=request.remote_addr or "",
            policy=reset_policy(),
        )
        # The same answer whether or not the account exists.
        flash(_("If an account exists for this email, a reset link is on its way."), "info")
        return redirect_after_post(url_for("auth.login"))
    return render("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    try:
        services.reset_token_member(db.session, token, utcnow())
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.forgot_password"))
    if form.validate_on_submit():
        try:
            services.reset_password(db.session, token, form.password.data, utcnow())
        except DomainError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Your password is changed. Log in with it now."), "success")
            return redirect_after_post(url_for("auth.login"))
    return render("auth/reset_password.html", form=form)
