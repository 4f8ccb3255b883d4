"""Compression and caching without a proxy: pages compressed by Flask-Compress, static files
named by their content, cached for a year and precompressed, served by WhiteNoise.

At start-up each file of static/ gets a copy beside it named by its content's hash
(`css/portal.css` → `css/portal.1a2b3c4d5e6f.css`; our scripts and stylesheets minified,
by rjsmin and rcssmin) with its brotli and gzip versions
(`.br`, `.gz`, WhiteNoise's compressor at its strongest levels); a copy already on disk is
not written again, and none is ever removed, so a page served before a deploy still finds
the files it names. `url_for("static", filename="css/portal.css")` gives the hashed name,
which is served with `Cache-Control: public, max-age=31536000, immutable`: a repeat visit
downloads the page alone. A hashed name whose file is gone (a fresh checkout) is answered
with today's file, revalidated on each use (`no-cache`), never stored as immutable. nginx
may serve static/ directly (`gzip_static`, `brotli_static`): the same files are there.

The web manifest names the icons: its `/static/...` addresses are rewritten to the hashed
names before it is hashed itself. Stylesheets and scripts name no other static file; one
that did would need the same rewriting. The service worker is no static file: a view writes
it with every hashed name (portal/web/offline.py)."""

import hashlib
import os
import re
import tempfile
from pathlib import Path

import rcssmin
import rjsmin
from flask import Flask, Response, current_app
from flask_compress import Compress
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from portal.web.security import STATIC_SECURITY_HEADERS

YEAR = 365 * 24 * 60 * 60
# A built copy: the content's hash before the extension, perhaps compressed.
BUILT = re.compile(r"\.[0-9a-f]{12}(\.[^./]+)?(\.gz|\.br)?$")
HASH_IN_NAME = re.compile(r"\.[0-9a-f]{12}(?=(\.[^./]+)?$)")
# Files whose `/static/...` references are rewritten to the hashed names.
REWRITTEN = (".webmanifest",)
# Our own scripts and stylesheets are served without their comments and spaces (a third
# fewer bytes once compressed); the files in static/ stay as written. A vendored `.min.js`
# is served as it came.
MINIFIERS = {".js": rjsmin.jsmin, ".css": rcssmin.cssmin}
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/manifest+json",
    "image/svg+xml",
    "text/calendar",
    "text/plain",
]


# A coding the client refuses: `gzip;q=0`.
REFUSED = re.compile(r";\s*q\s*=\s*0*(\.0*)?\s*$")


class StaticFiles(WhiteNoise):
    FOREVER = YEAR  # WhiteNoise's is ten years; a year is what caches honour


def without_refused_codings(app):
    """WSGI middleware: the codings a client refuses (`br;q=0`) are taken out of its
    Accept-Encoding. Both libraries read them as accepted: Flask-Compress 1.25 picks among
    codings of equal quality, zero included, and WhiteNoise looks for the coding's name."""

    def middleware(environ, start_response):
        accept = environ.get("HTTP_ACCEPT_ENCODING")
        if accept and "q" in accept:
            environ["HTTP_ACCEPT_ENCODING"] = ", ".join(
                part.strip() for part in accept.split(",") if not REFUSED.search(part)
            )
        return app(environ, start_response)

    return middleware


def init_static_files(app: Flask) -> None:
    """Before the other response hooks, so compression runs after them all."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])  # the first when equal
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    # Streamed answers (CSV exports, files, byte ranges) are sent as they are.
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)
    folder = Path(app.static_folder)
    names = build(folder, app.static_url_path)
    app.extensions["static_names"] = names
    app.url_defaults(_hashed_name)
    app.view_functions["static"] = _static_file
    app.wsgi_app = without_refused_codings(
        StaticFiles(
            app.wsgi_app,
            root=str(folder),
            prefix=app.static_url_path,
            allow_all_origins=False,
            mimetypes={".webmanifest": "application/manifest+json"},
            immutable_file_test=lambda path, url: bool(BUILT.search(url)),
            add_headers_function=_add_security_headers,
        )
    )


def build(folder: Path, url_path: str) -> dict[str, str]:
    """Write the hashed copies of the files under `folder` that lack one; return each file's
    hashed name by its own (both relative to `folder`)."""
    sources = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not BUILT.search(path.name)
    )
    names: dict[str, str] = {}
    # Plain files first: the rewritten ones name them.
    for name in sorted(sources, key=lambda name: name.endswith(REWRITTEN)):
        content = (folder / name).read_bytes()
        minify = MINIFIERS.get(Path(name).suffix)
        if minify and not name.endswith(".min.js"):
            content = minify(content.decode()).encode()
        if name.endswith(REWRITTEN):
            text = content.decode()
            for source, hashed in names.items():
                text = text.replace(f"{url_path}/{source}", f"{url_path}/{hashed}")
            content = text.encode()
        stem, dot, extension = name.rpartition(".")
        digest = hashlib.sha256(content).hexdigest()[:12]
        names[name] = f"{stem}.{digest}.{extension}" if dot else f"{name}.{digest}"
        _write_once(folder / names[name], content)
    return names


def _write_once(path: Path, content: bytes) -> None:
    """The compressed versions first and the copy last, each renamed into place: a process
    that sees the copy sees its versions whole (workers start side by side)."""
    if path.exists():
        return
    compressor = Compressor(quiet=True)
    if compressor.should_compress(path.name):
        for suffix, compress in (
            (".br", compressor.compress_brotli),
            (".gz", compressor.compress_gzip),
        ):
            packed = compress(content)
            if compressor.is_compressed_effectively(suffix, str(path), len(content), packed):
                _replace(path.with_name(path.name + suffix), packed)
    _replace(path, content)


def _replace(path: Path, content: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as file:
        file.write(content)
    os.chmod(file.name, 0o644)
    os.replace(file.name, path)


def _hashed_name(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values:
        names = current_app.extensions["static_names"]
        values["filename"] = names.get(values["filename"], values["filename"])


def _static_file(filename: str) -> Response:
    """What WhiteNoise did not find: a file added since start-up, or a hashed name from an
    older page whose file is gone, answered with today's version, revalidated each time."""
    names = current_app.extensions["static_names"]
    current = names.get(HASH_IN_NAME.sub("", filename, count=1))
    if current is None or current == filename:
        return current_app.send_static_file(filename)
    response = current_app.send_static_file(current)
    response.cache_control.max_age = None
    response.cache_control.public = False
    response.cache_control.no_cache = True
    return response


def _add_security_headers(headers, path: str, url: str) -> None:
    for name, value in STATIC_SECURITY_HEADERS.items():
        headers[name] = value
