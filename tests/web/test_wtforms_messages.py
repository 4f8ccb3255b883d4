"""WTForms' own messages stay in the reader's language while their catalogue is read once
per process instead of on every request with a form."""

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired

from portal.web.requests import wtforms_catalogue


class AgeForm(FlaskForm):
    class Meta:
        csrf = False

    age = IntegerField("Age", validators=[InputRequired()])


@pytest.mark.parametrize(
    ("locale", "message"),
    [("fr", "Ce champ est requis."), ("en", "This field is required.")],
)
def test_wtforms_messages_are_in_the_readers_language(app, locale, message):
    with app.test_request_context("/", method="POST", data={}), force_locale(locale):
        form = AgeForm()
        assert not form.validate()
        assert form.age.errors == [message]


def test_wtforms_catalogue_is_read_once_per_language():
    assert wtforms_catalogue("fr") is wtforms_catalogue("fr")
    assert wtforms_catalogue("fr") is not wtforms_catalogue("en")
