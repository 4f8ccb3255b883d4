"""The admin's page for API clients: list, create (the secret is shown once), revoke."""

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.api.forms import ApiClientForm
from portal.api.services import create_client, list_clients, revoke_client
from portal.db import db, utcnow
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.web.access import admin_required
from portal.web.confirm import asks, unconfirmed
from portal.web.htmx import redirect_after_post, render

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-clients")


@bp.route("", methods=["GET", "POST"])
@admin_required
def clients():
    form = ApiClientForm()
    created = secret = None
    if form.validate_on_submit():
        # Shown on this response only, never stored nor put in a cookie: no redirect.
        scopes = " ".join(form.scopes.data)
        created, secret = create_client(db.session, form.name.data, scopes, by=current_user)
        form = ApiClientForm(formdata=None)
    return render(
        "api/clients.html",
        form=form,
        clients=list_clients(db.session),
        created=created,
        secret=secret,
    )


@bp.post("/<client_id>/revoke")
@admin_required
@asks(
    _l("Revoke this API client?"),
    _l("Revoke"),
    _l("The programs using it stop working at once."),
)
def revoke(client_id: str):
    if asked := unconfirmed(url_for("api_admin.clients"), subject=client_id):
        return asked
    try:
        client = revoke_client(db.session, client_id, utcnow(), by=current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        message = _("Client “%(name)s” revoked: its tokens no longer work.", name=client.name)
        flash(message, "success")
    return redirect_after_post(url_for("api_admin.clients"))
