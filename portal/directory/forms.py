from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from portal.directory.models import MAX_PRESENTATION_LENGTH
from portal.i18n import lazy_gettext as _l


class CardForm(FlaskForm):
    listed = BooleanField(_l("Show my card in the directory"))
    activity = StringField(
        _l("Your activity"),
        validators=[Length(max=120)],
        description=_l("What you do, in a few words: “Wedding photographer”."),
    )
    skills = StringField(
        _l("Skills"),
        validators=[Length(max=600)],
        description=_l(
            "Separated by commas: “photo, video, editing”. Requests to the network that name "
            "one of them reach you."
        ),
    )
    area = StringField(
        _l("Area"), validators=[Length(max=120)], description=_l("Where you work: town, region.")
    )
    presentation = TextAreaField(
        _l("Presentation"),
        validators=[Length(max=MAX_PRESENTATION_LENGTH)],
        description=_l("A few lines about your work. Markdown: **bold**, lists, links."),
    )
    # `file`: where the upload check puts its messages (portal.uploads).
    file = FileField(_l("Photo"), description=_l("A JPEG, PNG or HEIC photo."))
    show_email = BooleanField(_l("Show my email address on my card"))
    show_phone = BooleanField(_l("Show my phone number on my card"))
