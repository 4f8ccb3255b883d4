import contextvars
from pathlib import Path

from babel.messages.pofile import read_po

from portal import ROOT
from tests.helpers import login

CATALOGUE = ROOT / "portal" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
TEMPLATE = ROOT / "portal" / "translations" / "messages.pot"


def test_pages_are_in_french_by_default_whatever_the_browser_says(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en"}).text
    assert '<html lang="fr">' in page
    assert "Mot de passe oublié\u202f?" in page


def test_language_switch_to_english_before_login(client):
    response = client.post("/language", data={"locale": "en", "next": "/login"})
    assert response.status_code == 303 and response.location == "/login"
    page = client.get("/login").text
    assert '<html lang="en">' in page and "Forgot your password?" in page


def test_language_choice_is_kept_on_the_account(app, client, entrepreneur, db_session):
    login(client, entrepreneur.email)
    client.post("/language", data={"locale": "en"})
    db_session.refresh(entrepreneur)
    assert entrepreneur.locale == "en"
    other_device = app.test_client()
    login(other_device, entrepreneur.email)
    assert "Hello Camille" in other_device.get("/").text


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"locale": "xx"})
    assert '<html lang="fr">' in client.get("/login").text


def test_language_switch_never_redirects_off_site(client):
    response = client.post("/language", data={"locale": "en", "next": "https://evil.example"})
    assert response.location == "/"


def test_french_catalogue_translates_every_message():
    with TEMPLATE.open("rb") as file:
        expected = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(file) if m.id}
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert expected - translated == set()


def test_message_template_is_up_to_date_with_the_code(tmp_path):
    """`make messages` was run after the last text change."""
    from babel.messages.extract import extract_from_dir

    found = set()
    sources = (
        (ROOT / "portal", "**.py", "python"),
        (ROOT / "templates", "**.html", "jinja2"),
        (ROOT / "templates", "**.txt", "jinja2"),  # text emails
    )
    for directory, pattern, method in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
            directory,
            method_map=[(pattern, method)],
            options_map={pattern: {}},
            keywords={
                "_": None,
                "_l": None,
                "N_": None,
                "gettext": None,
                "ngettext": (1, 2),
                "lazy_gettext": None,
            },
        ):
            found.add(message if isinstance(message, str) else message[0])
    with TEMPLATE.open("rb") as file:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(file) if m.id}
    assert found - template == set()
    assert Path(CATALOGUE).exists()


def test_templates_and_labels_follow_a_forced_locale_and_come_back_after_it(app):
    """The catalogue is looked up once per request and locale (portal.i18n): an email
    rendered in its reader's language inside a French request must still switch, for the
    templates' strings and for lazy labels alike."""

    # A context of its own, as a request has: the test's services context speaks English.
    contextvars.Context().run(_forced_locale_switches_and_comes_back, app)


def _forced_locale_switches_and_comes_back(app):
    from flask import render_template_string
    from flask_babel import force_locale

    from portal.sales.models import InvoiceStatus

    with app.test_request_context("/"):
        assert render_template_string("{{ _('Home') }}") == "Accueil"
        assert str(InvoiceStatus.PAID.label) == "Payée"
        with force_locale("en"):
            assert render_template_string("{{ _('Home') }}") == "Home"
            assert str(InvoiceStatus.PAID.label) == "Paid"
            months = "{{ ngettext('%(num)d month', '%(num)d months', 2) }}"
            assert render_template_string(months) == "2 months"
        assert render_template_string("{{ _('Home') }}") == "Accueil"
        assert render_template_string("{{ status.label }}", status=InvoiceStatus.PAID) == "Payée"


def test_template_strings_escape_their_variables_and_read_double_percent_as_percent(app):
    """Jinja's newstyle `_()` semantics, kept by the portal's faster one."""
    from flask import render_template_string

    with app.test_request_context("/"):
        assert render_template_string("{{ _('%(name)s', name='<b>') }}") == "&lt;b&gt;"
        assert render_template_string("{{ _('100%% sure') }}") == "100% sure"
        assert render_template_string("{{ _('Plain <text>') }}") == "Plain <text>"
        months = "{{ ngettext('%(num)d <b>month</b>', '%(num)d months', 1) }}"
        assert render_template_string(months) == "1 <b>month</b>"
