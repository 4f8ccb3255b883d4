"""gunicorn's settings for the portal, read from the folder gunicorn starts in (the project's;
`make bench` passes it to every server it starts, the bare Flask hello included)."""

import gc


def post_worker_init(worker):
    """Keep the loaded app out of the garbage collector's full passes. A worker holds about
    200,000 long-lived objects (modules, the app, SQLAlchemy's and Jinja's machinery); a full
    pass walks them all, about 100 ms here, in the middle of someone's request (a booking then
    holds its workshop's lock that long). Frozen, they are never walked; garbage made later
    is collected as before."""
    gc.freeze()
