"""An entrepreneur's pages kept between requests, under what they show: the member's and the
coop's page tokens (`portal/page_versions.py`, read with the login), the day, the language,
the address with its query, and the browser's session (whose CSRF token the page carries).
A write replaces the tokens in its own transaction, so a kept page is served only while the
data it was rendered from is the data. A page that also changes with the hour (a workshop's
bookings close, a meeting starts) says until when it holds (`holds_until`).

Each app process keeps its own pages, least recently used first out, within
PAGE_CACHE_BYTES. Only GET pages of members who are not staff are kept (the team's pages
count the whole coop's queues), never with a message waiting to be shown.

A page that is computed anew for each request (a what-if follows the figures typed) may keep
what it computes from under the same tokens and day (`kept_value`)."""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import TypeVar

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from portal.dates import paris_today
from portal.db import utcnow
from portal.web.htmx import wants_fragment


@dataclass(frozen=True)
class KeptPage:
    body: bytes
    headers: list[tuple[str, str]]
    holds_until: datetime | None

    def response(self) -> Response:
        return Response(self.body, 200, headers=self.headers)


class Store:
    """Entries by key, the least recently used dropped first once their weights (`weight`:
    a page's bytes, or 1 for each value) pass `capacity`."""

    def __init__(self, capacity: int, weight: Callable[[object], int] = lambda _entry: 1):
        self.capacity = capacity
        self.weight = weight
        self.size = 0
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()  # a threaded server's requests share the store

    def get(self, key: tuple):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry) -> None:
        weight = self.weight(entry)
        if weight > self.capacity:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= self.weight(old)
            self._entries[key] = entry
            self.size += weight
            while self.size > self.capacity:
                _key, dropped = self._entries.popitem(last=False)
                self.size -= self.weight(dropped)


# Values kept per app process: one a member's what-if, say; a few hundred KB at most.
KEPT_VALUES = 1_000


def init_page_cache(app: Flask) -> None:
    # A developer editing templates (debug mode reloads them) sees each change at once.
    reloading = app.debug or app.config.get("TEMPLATES_AUTO_RELOAD")
    capacity = 0 if reloading else app.config["PAGE_CACHE_BYTES"]
    app.extensions["page_cache"] = Store(capacity, weight=lambda page: len(page.body))
    app.extensions["kept_values"] = Store(KEPT_VALUES if capacity else 0)


def _key() -> tuple | None:
    """What the page shows and carries, or None when it is not to be kept."""
    if (
        request.method != "GET"
        or not current_user.is_authenticated
        or current_user.is_staff
        or session.get("_flashes")
    ):
        return None
    versions, csrf = current_user.page_versions, session.get("csrf_token")
    if versions is None or csrf is None:
        return None
    return (
        current_user.id,
        *versions,
        paris_today(),
        str(get_locale()),
        request.full_path,
        wants_fragment(),
        csrf,
    )


T = TypeVar("T")


def kept_value(name: str, compute: Callable[[], T]) -> T:
    """What `compute` gives for the current member, kept as their pages are: under their
    and the coop's page tokens and the day, so computed again once a write replaces them.
    `compute` must read nothing else that changes (not the hour, not the request)."""
    store: Store = current_app.extensions["kept_values"]
    versions = current_user.page_versions if store.capacity else None
    if versions is None or current_user.is_staff:
        return compute()
    key = (name, current_user.id, *versions, paris_today())
    value = store.get(key)
    if value is None:
        value = compute()
        store.put(key, value)
    return value


def holds_until(*moments: datetime | None) -> None:
    """The page being rendered changes at the earliest of these moments still to come."""
    now = utcnow()
    later = [moment for moment in moments if moment is not None and moment > now]
    if later:
        g.page_holds_until = min([*later, *filter(None, [g.get("page_holds_until")])])


def kept(view):
    """Serve the view's page from the store while what it shows has not changed."""

    @wraps(view)
    def serve(*args, **kwargs):
        store: Store = current_app.extensions["page_cache"]
        key = _key() if store.capacity else None
        if key is not None:
            page = store.get(key)
            if page is not None and (page.holds_until is None or utcnow() < page.holds_until):
                return page.response()
        g.page_holds_until = None
        response = view(*args, **kwargs)
        if key is not None and response.status_code == 200 and not session.get("_flashes"):
            headers = [(name, value) for name, value in response.headers.items()]
            store.put(key, KeptPage(response.get_data(), headers, g.page_holds_until))
        return response

    return serve
