"""The request class: htmx's headers, and WTForms' own messages read once per language."""

import functools

from babel.support import Translations
from flask_babel import get_locale
from htmx_flask.requests import HtmxAwareRequest
from wtforms.i18n import messages_path


@functools.cache
def wtforms_catalogue(locale: str) -> Translations:
    """WTForms' messages ("Not a valid choice") in `locale`, parsed once per process: the
    files ship with WTForms and never change while it runs."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class PortalRequest(HtmxAwareRequest):
    @functools.cached_property
    def wtforms_translations(self) -> Translations:
        # Flask-WTF looks for the catalogue here before loading it from disk (parsing the
        # file and compiling its plural rule), which it did on every request with a form.
        return wtforms_catalogue(str(get_locale()))
