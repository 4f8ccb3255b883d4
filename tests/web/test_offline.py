"""Installable, and offline (portal/web/offline.py): the icons a phone asks for, under their
hashed names; the service worker and what it caches; the offline page; and the session a
receipt kept on the phone is sent with. The browser side: tests/e2e/test_offline_journey.py."""

import io
import json
import re

from flask import url_for
from PIL import Image

from portal.expenses.models import Receipt
from tests.helpers import login
from tests.web.test_expenses import form_data, receipt_count
from tests.web.test_static_files import fetch, hashed

ICONS = {
    "icon-192.png": ((192, 192), "any"),
    "icon-512.png": ((512, 512), "any"),
    "icon-maskable-512.png": ((512, 512), "maskable"),
}


def manifest(client) -> dict:
    return json.loads(fetch(client, hashed(client, "manifest.webmanifest")).data)


def worker_static_files(script: str) -> list[str]:
    return json.loads(re.search(r"var STATIC_FILES = (\[.*?\]);", script).group(1))


def test_the_manifest_lists_png_icons_for_phones_by_their_hashed_names(client):
    icons = {icon["src"]: icon for icon in manifest(client)["icons"]}
    for name, (size, purpose) in ICONS.items():
        src = hashed(client, name)
        assert re.fullmatch(rf"/static/{name[:-4]}\.[0-9a-f]{{12}}\.png", src)
        assert icons[src]["sizes"] == "{}x{}".format(*size)
        assert icons[src]["purpose"] == purpose
        response = fetch(client, src)
        assert response.mimetype == "image/png"
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
        assert Image.open(io.BytesIO(response.data)).size == size


def test_a_maskable_and_an_apple_icon_are_opaque_full_squares(client):
    """A launcher's mask and iOS round the corners themselves: transparent corners would
    show as black (iOS) or as a white ring (Android)."""
    page = client.get("/login").text
    apple = re.search(r'rel="apple-touch-icon" href="([^"]+)"', page).group(1)
    assert apple == hashed(client, "apple-touch-icon.png")
    for src, size in ((apple, (180, 180)), (hashed(client, "icon-maskable-512.png"), (512, 512))):
        image = Image.open(io.BytesIO(fetch(client, src).data)).convert("RGBA")
        assert image.size == size
        assert image.getextrema()[3] == (255, 255)  # no pixel lets the ground through
        assert image.getpixel((0, 0)) == image.getpixel((size[0] // 2, 4))  # the brand green


def test_the_service_worker_is_served_from_the_root_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Service-Worker-Allowed" not in response.headers  # at the root: scope "/" already
    again = client.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_service_worker_precaches_every_static_file_a_page_loads(client, entrepreneur):
    login(client, entrepreneur.email)
    script = client.get("/sw.js").text
    precached = set(worker_static_files(script))
    page = client.get("/receipts/new").text
    loaded = {url.split("#")[0] for url in re.findall(r'"(/static/[^"]+)"', page)}
    assert loaded and loaded <= precached
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", url) for url in precached)
    assert hashed(client, "js/receipt-queue.js") in script  # importScripts, for the sync
    assert not any(url.endswith(".md") for url in precached)


def test_a_new_release_of_any_static_file_is_a_new_worker_with_a_new_cache(app, client):
    version = re.compile(r'var VERSION = "([0-9a-f]{12})"')
    before = client.get("/sw.js").text
    names = app.extensions["static_names"]
    original = names["css/portal.css"]
    names["css/portal.css"] = "css/portal.0123456789ab.css"
    try:
        after = client.get("/sw.js").text
    finally:
        names["css/portal.css"] = original
    assert version.search(before).group(1) != version.search(after).group(1)
    assert "/static/css/portal.0123456789ab.css" in worker_static_files(after)


def test_the_offline_page_is_in_french_and_holds_nothing_of_the_member(client, entrepreneur):
    login(client, entrepreneur.email)
    response = client.get("/offline")
    assert response.status_code == 200
    page = response.text
    assert '<html lang="fr">' in page
    assert "Pas de connexion" in page
    assert "Camille" not in page
    assert "csrf" not in page.lower()
    assert "<script" not in page
    # What it names (the stylesheet) is precached by the worker, so it shows offline.
    stylesheet = re.search(r'rel="stylesheet" href="([^"]+)"', page).group(1)
    assert stylesheet in worker_static_files(client.get("/sw.js").text)


def test_the_offline_page_follows_the_chosen_language(client):
    client.post("/language", data={"locale": "en"})
    page = client.get("/offline").text
    assert '<html lang="en">' in page and "No connection" in page


def test_the_receipt_form_says_how_many_wait_in_french_with_its_plural(client, entrepreneur):
    login(client, entrepreneur.email)
    page = client.get("/receipts/new").text
    assert "data-offline-capture" in page
    assert 'data-one="{n} dépense en attente d\'envoi"' in page
    assert 'data-other="{n} dépenses en attente d\'envoi"' in page


def test_editing_a_receipt_is_never_kept_offline(logged_in, db_session):
    logged_in.post("/receipts/new", data=form_data(db_session))
    receipt = db_session.query(Receipt).one()
    assert "data-offline-capture" not in logged_in.get(f"/receipts/{receipt.id}/edit").text


def test_the_session_for_a_late_send_is_refused_without_login(client):
    response = client.get("/offline/session")
    assert response.status_code == 401
    assert response.json == {"member": None}


def test_a_receipt_kept_offline_is_sent_once_with_the_sessions_fresh_token(
    app, client, entrepreneur, db_session, monkeypatch
):
    """What static/js/receipt-queue.js does when the connection returns: asks who is logged
    in and for a token, then posts the kept form with its own key; sending it twice (the
    page and the worker at once) records one receipt."""
    login(client, entrepreneur.email)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = client.post("/receipts/new", data=form_data(db_session))
    assert refused.status_code == 400 and receipt_count(db_session) == 0

    session = client.get("/offline/session")
    assert session.headers["Cache-Control"] == "no-store"
    assert session.json["member"] == str(entrepreneur.id)
    kept = form_data(db_session, idempotency_key="0123456789abcdef" * 2)
    for _ in range(2):
        sent = client.post("/receipts/new", data={**kept, "csrf_token": session.json["csrf_token"]})
        assert sent.status_code == 303
        assert re.fullmatch(r"/receipts/\d+", sent.location)
    assert receipt_count(db_session) == 1


def test_the_logout_form_is_marked_for_the_pages_cache_to_be_forgotten(logged_in):
    page = logged_in.get("/").text
    assert re.search(r'<form method="post" action="/logout"[^>]*data-logout', page)
    with logged_in.application.test_request_context():
        assert url_for("auth.logout") == "/logout"
