"""Compression and caching without a proxy (portal/web/static_files.py): pages compressed as
the client asks, static files named by their content, immutable, precompressed, with byte
ranges, and stale names from an older page still answered."""

import gzip
import hashlib
import json
import re
from pathlib import Path

import brotli
import pytest
from flask import url_for

from portal.web.static_files import build
from tests.helpers import login
from tests.web.test_expenses import make_receipt

STATIC = Path(__file__).resolve().parents[2] / "static"
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda body: body}


def without_token(page: bytes) -> bytes:
    """The page less its CSRF tokens, signed anew for each answer."""
    return re.sub(rb"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", b"", page)


def fetch(client, url: str, **headers):
    """A static file's answer, read whole and closed (WhiteNoise hands the open file over)."""
    with client.get(url, headers=headers) as response:
        response.get_data()
    return response


def hashed(client, filename: str) -> str:
    with client.application.test_request_context():
        return url_for("static", filename=filename)


def served(client, filename: str) -> bytes:
    """The bytes the file is served as under its hashed name (ours minified)."""
    return (STATIC / hashed(client, filename).removeprefix("/static/")).read_bytes()


def static_urls(html: str) -> list[str]:
    """Every static file a page makes the browser fetch: stylesheet, scripts, icons (the
    sprite's fragment aside), the web manifest."""
    return sorted({url.split("#")[0] for url in re.findall(r'"(/static/[^"]+)"', html)})


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("identity", None),
        ("", None),
        ("gzip;q=0, br;q=0", None),
    ],
)
def test_pages_are_compressed_as_the_client_asks_and_read_the_same(
    client, entrepreneur, accept, encoding
):
    login(client, entrepreneur.email)
    plain = without_token(client.get("/").data)
    response = client.get("/", headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert without_token(DECODE[encoding](response.data)) == plain
    if encoding:
        assert len(response.data) < len(plain) / 2


def test_api_json_is_compressed_for_a_client_that_asks(client):
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.data))["openapi"].startswith("3.1")


def test_a_repeat_visit_downloads_only_the_page(client, entrepreneur):
    """Every static file the home page names is named by its content's hash and may be kept
    a year without asking again: a browser's second visit fetches the HTML alone."""
    login(client, entrepreneur.email)
    page = client.get("/")
    assert page.headers["Cache-Control"] == "no-store"
    urls = static_urls(page.text)
    names = {url.rsplit("/", 1)[-1].split(".")[0] for url in urls}
    assert {"portal", "htmx", "confirm", "offline", "icons", "icon", "manifest"} <= names
    for url in urls:
        response = fetch(client, url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
        digest = re.search(r"\.([0-9a-f]{12})\.[a-z]+$", url).group(1)
        assert hashlib.sha256(response.data).hexdigest()[:12] == digest, url


def test_the_web_manifest_names_the_icon_by_its_hashed_name(client):
    page = client.get("/login").text
    manifest_url = re.search(r'rel="manifest" href="([^"]+)"', page).group(1)
    response = fetch(client, manifest_url)
    assert response.mimetype == "application/manifest+json"
    icon = json.loads(response.data)["icons"][0]["src"]
    assert re.fullmatch(r"/static/icon\.[0-9a-f]{12}\.svg", icon)
    assert fetch(client, icon).data == (STATIC / "icon.svg").read_bytes()


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("identity", None),
        ("gzip;q=0, br;q=0.0", None),
    ],
)
def test_static_files_are_sent_precompressed_as_the_client_asks(client, accept, encoding):
    url = hashed(client, "vendor/htmx.min.js")
    response = fetch(client, url, **{"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert DECODE[encoding](response.data) == (STATIC / "vendor/htmx.min.js").read_bytes()


def test_byte_ranges_of_a_static_file_are_served(client):
    source = served(client, "css/portal.css")
    url = hashed(client, "css/portal.css")
    first = fetch(client, url, Range="bytes=0-99")
    assert first.status_code == 206
    assert first.headers["Content-Range"] == f"bytes 0-99/{len(source)}"
    assert first.data == source[:100]
    last = fetch(client, url, Range="bytes=-50")
    assert last.status_code == 206
    assert last.data == source[-50:]
    beyond = fetch(client, url, Range=f"bytes={len(source) + 10}-")
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(source)}"


def test_a_stale_hashed_name_from_an_older_page_gets_todays_file_never_kept(client):
    """An old page names `portal.<old hash>.css`, gone since a fresh deploy: it gets today's
    stylesheet, to revalidate on each use, so no cache keeps it under that name."""
    response = fetch(client, "/static/css/portal.0123456789ab.css")
    assert response.status_code == 200
    assert response.data == served(client, "css/portal.css")
    assert response.headers["Cache-Control"] == "no-cache"
    ranged = fetch(client, "/static/css/portal.0123456789ab.css", Range="bytes=0-9")
    assert ranged.status_code == 206
    assert ranged.data == served(client, "css/portal.css")[:10]


def test_an_unknown_static_file_is_not_found(client):
    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404
    assert client.get("/static/css/nothing.css").status_code == 404


def test_build_keeps_older_copies_and_writes_a_new_one_for_new_content(tmp_path):
    (tmp_path / "css").mkdir()
    style = tmp_path / "css" / "site.css"
    style.write_text("/* The site's colours. */\n" + "body { color: black; }\n" * 50)
    (tmp_path / "app.webmanifest").write_text('{"icons": [{"src": "/static/css/site.css"}]}')
    first = build(tmp_path, "/static")
    again = build(tmp_path, "/static")
    assert again == first
    old = tmp_path / first["css/site.css"]
    assert old.read_bytes() == b"body{color:black}" * 50  # minified, the source untouched
    assert style.read_text().startswith("/* The site's colours. */")
    assert brotli.decompress(Path(f"{old}.br").read_bytes()) == old.read_bytes()
    assert gzip.decompress(Path(f"{old}.gz").read_bytes()) == old.read_bytes()
    manifest = (tmp_path / first["app.webmanifest"]).read_text()
    assert f"/static/{first['css/site.css']}" in manifest

    style.write_text("body { color: navy; }\n" * 50)
    second = build(tmp_path, "/static")
    assert second["css/site.css"] != first["css/site.css"]
    assert second["app.webmanifest"] != first["app.webmanifest"]  # it names the new one
    assert old.exists()  # an older page still finds it


def test_our_scripts_and_stylesheets_are_served_minified_and_vendored_ones_as_they_came(client):
    """Comments and spaces are for the people who read static/, not for a phone's data plan;
    a vendored `.min.js` is served byte for byte."""
    for name in ("css/portal.css", "js/confirm.js", "js/offline.js", "js/receipt-queue.js"):
        source, sent = (STATIC / name).read_text(), served(client, name).decode()
        assert "/*" in source or "//" in source
        assert "/*" not in sent and "\n  " not in sent, name
        assert len(sent) < len(source) * 0.8, name
    assert served(client, "vendor/htmx.min.js") == (STATIC / "vendor/htmx.min.js").read_bytes()


def test_the_receipt_scripts_load_on_the_receipt_pages_alone(client, entrepreneur, app, db_session):
    """Capture, reading and the photo's zoom are for the receipt pages: the home page's first
    visit does without them (issue 20's 30 KB)."""
    with app.app_context():
        receipt = make_receipt(db_session, entrepreneur)
    login(client, entrepreneur.email)
    scripts = {"js/receipts.js", "js/reading.js"}
    for path in ("/", "/invoices", "/receipts"):
        named = set(static_urls(client.get(path).text))
        assert not {hashed(client, name) for name in scripts} & named, path
    for path in ("/receipts/new", f"/receipts/{receipt.id}", f"/receipts/{receipt.id}/edit"):
        named = set(static_urls(client.get(path).text))
        assert {hashed(client, name) for name in scripts} <= named, path
