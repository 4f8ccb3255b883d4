"""Translations looked up once per request and locale.

Flask-Babel looks the catalogue up again for each string: a dozen context lookups, about 5 µs,
and a page shows fifty strings or more (a status label per row of a list). The catalogue is
kept on Flask-Babel's own request context beside the locale it belongs to, so `force_locale`
(an email in its reader's language) switches catalogue with the locale, and nothing outlives
the request."""

from flask import g
from flask_babel import get_translations
from flask_babel.speaklater import LazyString


def catalogue():
    """The translations of the locale in force."""
    context = g.get("_flask_babel") if g else None
    remembered = getattr(context, "portal_catalogue", None)
    if remembered is not None and remembered[0] is getattr(context, "babel_locale", None):
        return remembered[1]
    translations = get_translations()
    context = g.get("_flask_babel") if g else None  # get_translations() may have made it
    if context is not None and getattr(context, "babel_locale", None) is not None:
        context.portal_catalogue = (context.babel_locale, translations)
    return translations


def gettext(string: str, **variables) -> str:
    translated = catalogue().ugettext(string)
    return translated % variables if variables else translated


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's `lazy_gettext`, translated through the request's catalogue."""
    return LazyString(gettext, string, **variables)


def pgettext(context: str, string: str) -> str:
    """A word whose translation depends on what it speaks of ("Validated": a quote is
    « validé », an invoice « validée »)."""
    return catalogue().upgettext(context, string)


def lazy_pgettext(context: str, string: str) -> LazyString:
    return LazyString(pgettext, context, string)
