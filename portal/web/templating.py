"""What every template can use: navigation, money and date formats."""

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import format_date, get_locale
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal.formats import money_text, number_format
from portal.i18n import catalogue
from portal.i18n import lazy_gettext as _l
from portal.web.confirm import confirmation_for
from portal.web.markdown import render_markdown


@dataclass(frozen=True)
class NavItem:
    path: str  # the page's URL: the item shows once a view answers it
    label: str
    icon: str  # the id of a symbol in static/icons.svg
    # The blueprints whose pages belong to the item: it stays marked on them (a bottom bar
    # holds six items on a phone, so quotes and transfers live under the invoices' item).
    section: tuple[str, ...] = ()


# Bottom bar on phones, top bar on wide screens. An item shows once its module exists.
NAVIGATION = (
    NavItem("/", _l("Home"), "home"),
    NavItem("/invoices", _l("Invoices"), "invoice", ("sales", "quotes", "customers", "transfers")),
    NavItem("/receipts", _l("Receipts"), "receipt"),
    NavItem("/workshops", _l("Workshops"), "workshop"),
    NavItem("/meetings/", _l("Meetings"), "meeting"),
    NavItem("/directory/", _l("Directory"), "members", ("directory", "network")),
)
# The support team's: their work queue (their home page) and the sections they run. The
# counts beside the queues come from `navigation_counts` (portal/home/views.py).
STAFF_NAVIGATION = (
    NavItem("/", _l("To do"), "queue"),
    NavItem("/staff/invoices/queue", _l("To validate"), "invoice"),
    NavItem("/receipts/queue", _l("Receipts"), "receipt"),
    NavItem("/staff/members", _l("Members"), "members"),
    NavItem("/workshops", _l("Workshops"), "workshop"),
    NavItem("/meetings/", _l("Meetings"), "meeting"),
)


@dataclass(frozen=True)
class NavLink:
    endpoint: str  # what the page's view is (the current one is marked)
    url: str
    label: str
    icon: str
    section: tuple[str, ...]  # the blueprints of the pages under it (marked too)


def _links(app: Flask, items: tuple[NavItem, ...]) -> list[NavLink]:
    """The items whose page exists in this app, found once by their URL."""
    adapter = app.url_map.bind("")
    links = []
    for item in items:
        path = item.path
        try:
            try:
                endpoint, _args = adapter.match(path, method="GET")
            except RequestRedirect as redirect:  # the page's URL ends with a slash
                path = urlsplit(redirect.new_url).path
                endpoint, _args = adapter.match(path, method="GET")
        except HTTPException:
            continue
        links.append(NavLink(endpoint, path, item.label, item.icon, item.section))
    return links


def number(value: Decimal) -> str:
    return number_format(str(get_locale()), "#,##0.##")(value)


def percent(rate: Decimal, places: int = 2) -> str:
    """A fraction as a percentage: 0.0315 → `3,15 %`; up to `places` decimals shown."""
    pattern = "#,##0." + "#" * places if places else "#,##0"
    return number_format(str(get_locale()), pattern)(Decimal(rate) * 100) + "\u00a0%"


def calendar_date(value: date | datetime, form: str | None = None) -> str:
    """Flask-Babel's `format_date`, remembered for calendar dates: a list shows the same few
    days again and again, and a day's name in a language never changes. Timestamps, which
    depend on the reader's time zone, are formatted each time."""
    if type(value) is date:
        return _calendar_date(value, form, str(get_locale()))
    return format_date(value, form)


@functools.lru_cache(maxsize=4096)
def _calendar_date(value: date, form: str | None, locale: str) -> str:
    # `locale` is the request's, which format_date uses: it is part of the key only.
    return format_date(value, form)


def long_date(value: date) -> str:
    """`1 juin 2026` in French, `June 1, 2026` in English."""
    return calendar_date(value, "long")


def month(value: date, form: str = "LLLL yyyy") -> str:
    """ "octobre 2026"; `form="LLL"` for a short label ("oct.")."""
    return calendar_date(value, form)


def day(value: date) -> str:
    """ "26 nov. 2026" in French."""
    return calendar_date(value, "medium")


@pass_context
def template_gettext(context, string: str, **variables) -> str:
    """Jinja's newstyle `_()`, as jinja2.ext has it, without its second lookup of the
    callable nor the formatting of a string that holds no `%` (which leaves it unchanged):
    a page shows fifty of them. Against Flask-Babel's callables (measured in-process on
    2026-12-02, machine loaded): 27-34 µs a call instead of 79-100 µs; the invoice list (45
    calls, a target of 40 % of hello, at 6 %) 6.3-7.7 ms instead of 7.9-8.4 ms (best of 11
    rounds, three alternations)."""
    translated = catalogue().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 (our own catalogue, as Jinja does)
    return translated % variables if variables or "%" in translated else translated


@pass_context
def template_ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    translated = catalogue().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 (our own catalogue, as Jinja does)
    return translated % variables


def init_templating(app: Flask) -> None:
    # After Flask-Babel's init_app, which installed callables looking the catalogue up anew
    # for each string (portal.i18n).
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: catalogue().ugettext(string),
        ngettext=lambda singular, plural, n: catalogue().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: catalogue().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: catalogue().unpgettext(
            context, singular, plural, n
        ),
    )
    app.jinja_env.globals.update(
        _=template_gettext,
        gettext=template_gettext,
        ngettext=template_ngettext,
        confirmation_for=confirmation_for,
    )
    app.jinja_env.filters["money"] = money_text
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["month"] = month
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["date"] = long_date
    app.jinja_env.filters["dateformat"] = calendar_date  # Flask-Babel's, remembered
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def navigation():
        if not current_user.is_authenticated:
            items = []
        else:
            staff = current_user.is_staff
            key = "portal.staff_navigation" if staff else "portal.navigation"
            items = current_app.extensions.get(key)
            if items is None:
                items = _links(current_app, STAFF_NAVIGATION if staff else NAVIGATION)
                current_app.extensions[key] = items
        return {
            "navigation": items,
            "current_endpoint": request.endpoint,
            "current_locale": str(get_locale()),
        }
