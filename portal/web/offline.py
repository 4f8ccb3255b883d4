"""Installable, and usable offline: the service worker, served from the site's root so that
its scope is every page, the page it shows when there is no connection, and what a receipt
kept on the phone needs to be sent later (static/js/receipt-queue.js).

URL map
    /sw.js              service_worker   the worker, with this release's static files named
    /offline            page             "no connection", cached by the worker at install
    /offline/session    session          who is logged in and a CSRF token, for a late send

The worker's script names every static file by its hashed name (portal/web/static_files.py)
and carries a version made from its own text: a release that changes any static file, the
worker or the offline page changes the script's bytes, so the browser installs the new
worker, which fills a new cache and deletes the old one."""

import hashlib

from flask import Blueprint, current_app, make_response, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

bp = Blueprint("offline", __name__)

# What the worker caches at install: everything a page loads, none of the vendored notes.
PRECACHED = (".css", ".js", ".svg", ".png", ".webmanifest")


@bp.get("/sw.js")
def service_worker():
    names = current_app.extensions["static_names"]
    static = sorted(url_for("static", filename=name) for name in names if name.endswith(PRECACHED))
    worker, _path, _uptodate = current_app.jinja_env.loader.get_source(
        current_app.jinja_env, "offline/sw.js"
    )
    made_of = "\n".join([*static, worker, render_template("offline/offline.html")])
    response = make_response(
        render_template(
            "offline/sw.js",
            static=static,
            queue=url_for("static", filename="js/receipt-queue.js"),
            version=hashlib.sha256(made_of.encode()).hexdigest()[:12],
        )
    )
    response.mimetype = "text/javascript"
    # Browsers look for a new worker at each visit: asked again every time, answered 304
    # while nothing changed.
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")  # the offline page it caches is in the member's language
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/offline")
def page():
    """The same for everyone but for the language: no name, no figure, no CSRF token, since
    the worker keeps it on the phone."""
    return render_template("offline/offline.html")


@bp.get("/offline/session")
def session():
    """For the queue of receipts kept on the phone: send only to the member who captured
    them, with a CSRF token of today's session (the page they were typed in may be old)."""
    if not current_user.is_authenticated:
        return {"member": None}, 401
    response = make_response({"member": str(current_user.id), "csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response
