"""Absolute links to the portal, for mail and calendars: always from the configured public
address (`PUBLIC_URL`), never from the request's `Host` header, which whoever sends the
request chooses (a reset link mailed to `evil.example` hands the token to its owner)."""

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` at the portal's public address; works with or without
    a request (a mail queued by a command)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def public_base_url() -> str:
    """The public address with a trailing slash ("https://portal.example/")."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/"


def portal_path(endpoint: str, **values) -> str:
    """The path of `endpoint` inside the portal ("/invoices/12"), whatever prefix the portal
    is served under: stored to make a link later, in a page (behind the request's prefix) or
    in a mail (`absolute_url`)."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return adapter.build(endpoint, values)


def absolute_url(path: str) -> str:
    """A portal path (`portal_path`) at the public address, for mail."""
    return public_base_url() + path.lstrip("/")
