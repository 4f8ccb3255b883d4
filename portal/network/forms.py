from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.i18n import lazy_gettext as _l
from portal.network.models import MAX_DETAILS_LENGTH, MAX_MESSAGE_LENGTH


class RequestForm(FlaskForm):
    title = StringField(
        _l("What are you looking for?"),
        validators=[
            InputRequired(message=_l("Say what you are looking for.")),
            Length(max=150),
        ],
        description=_l("“A photographer in Lyon on 12 March”, “Who can proofread English?”"),
    )
    tags = StringField(
        _l("Skills sought"),
        validators=[Length(max=400)],
        description=_l("Separated by commas: members with one of them are told."),
    )
    place = StringField(_l("Place"), validators=[Length(max=120)])
    details = TextAreaField(_l("Details"), validators=[Length(max=MAX_DETAILS_LENGTH)])
    ends_on = DateField(
        _l("Open until"),
        validators=[InputRequired(message=_l("Enter the date."))],
        description=_l("The request closes by itself after this day."),
    )


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[
            InputRequired(message=_l("Write your message.")),
            Length(max=MAX_MESSAGE_LENGTH),
        ],
    )
