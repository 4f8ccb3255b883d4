"""The admins' page of the audit trail, the purge command, and the web layer's part of the
trail: naming the address each request comes from."""

import click
from flask import Blueprint, current_app, request
from flask_login import current_user

from portal.audit import services
from portal.audit.forms import AuditFilterForm
from portal.db import db, utcnow
from portal.transaction import write_transaction
from portal.web.access import admin_required
from portal.web.csv import exported
from portal.web.htmx import render

bp = Blueprint("audit", __name__, url_prefix="/admin/audit", cli_group=None)


@bp.get("")
@admin_required
def index():
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        results = None
    else:
        filters = services.AuditFilters(
            event=form.event.data or "",
            member=form.member.data or "",
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
        results = services.search(db.session, filters, form.page.data or 1)
    return render(
        "audit/index.html", "audit/_events.html", form=form, results=results, events=services.EVENTS
    )


@bp.cli.command("purge-audit")
@click.option("--months", type=click.IntRange(min=1), default=None, help="Keep this many months.")
def purge_audit(months: int | None) -> None:
    """Delete audit events older than the retention (AUDIT_RETENTION_MONTHS, 13). Run it
    daily from cron."""
    months = months or current_app.config["AUDIT_RETENTION_MONTHS"]
    count = services.purge(db.session, utcnow(), months)
    db.session.commit()
    click.echo(f"Deleted {count} audit events older than {months} months.")


@bp.before_app_request
def name_origin():
    """Every request names its address (the proxy's X-Forwarded-For once PROXY_COUNT trusts
    it) for the events it records."""
    services.set_origin(request.remote_addr or "")


@bp.teardown_app_request
def forget_origin(_error=None):
    services.set_origin("")


@exported.connect
def record_export(app, filename: str) -> None:
    """An export is recorded in its own short transaction, committed at once: the export is
    a read, whose own transaction never writes."""
    session = app.extensions["database"].sessionmaker()
    try:
        with write_transaction(session):
            actor = current_user if current_user.is_authenticated else None
            services.record(session, "export", actor=actor, target=filename)
    finally:
        session.close()
