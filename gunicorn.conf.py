"""gunicorn's settings for the portal, read from the folder gunicorn starts in (the project's;
`make bench` passes it to every server it starts, the bare Flask hello included, and the
systemd units in deploy/ to every app server)."""

import gc
import os
import sys

# gunicorn 25's control socket (~/.gunicorn/gunicorn.ctl) is not used, and two app servers on
# one machine would take the same one.
control_socket_disable = True


def on_starting(server):
    """Before any worker: build the portal once and reach its database, so that a missing
    setting or a database that does not answer stops the server with one clear message,
    rather than workers that fail to boot in a loop or answer every request with an error."""
    if not server.app.app_uri.startswith("portal:"):
        return  # a benchmark's bare app
    from portal import create_app
    from portal.db import check_database

    try:
        app = create_app()
        check_database(app)
    except RuntimeError as error:
        sys.exit(f"The portal cannot start: {error}")
    app.extensions["database"].engine.dispose()


def post_worker_init(worker):
    """Keep the loaded app out of the garbage collector's full passes. A worker holds about
    200,000 long-lived objects (modules, the app, SQLAlchemy's and Jinja's machinery); a full
    pass walks them all, about 100 ms here, in the middle of someone's request (a booking then
    holds its workshop's lock that long). Frozen, they are never walked; garbage made later
    is collected as before."""
    gc.freeze()


def child_exit(server, worker):
    """A worker that ended no longer counts in the app server's live metrics (connections
    in use and open, portal/web/monitoring.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
