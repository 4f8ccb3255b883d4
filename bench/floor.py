"""The portal's floor: the whole portal, plus two logged-in requests that do no work of their
own. Served beside the pages, they show what a page or a write costs before its own work, as
a share of the bare Flask hello (bench_portal) and beside a booking (bench_workshops)."""

from flask_login import current_user, login_required

from portal import create_app
from portal.db import db
from portal.sync.services import record_change
from portal.transaction import transaction

app = create_app()


@app.get("/bench/empty")
@login_required
def empty() -> str:
    """A page: session cookie, login, a transaction, security headers."""
    return ""


@app.post("/bench/write")
@transaction("write", lock="late")
@login_required
def write() -> str:
    """The least a write can cost, taken the way a booking takes it: a page's floor, plus
    the form's CSRF check, the write lock (taken late, at the first write), one row (a
    change in the sync log) and the commit."""
    record_change(db.session, "bench", current_user.id)
    return ""
