from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    MultipleFileField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.i18n import lazy_gettext as _l
from portal.members.models import MemberStatus


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeetingForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=200)], default=_l("Monthly meeting")
    )
    day = DateField(_l("Date"), validators=[InputRequired()])
    start = TimeField(_l("Starts at"), validators=[InputRequired()], description=_l("Paris time"))
    end = TimeField(_l("Ends at"), validators=[InputRequired()])
    location = StringField(
        _l("Place"),
        validators=[Optional(), Length(max=300)],
        description=_l("Address or room; leave empty for a video meeting."),
    )
    video_url = StringField(
        _l("Video link"),
        validators=[
            Optional(),
            Length(max=500),
            URL(message=_l("Enter a link starting with https://.")),
        ],
    )
    agenda = TextAreaField(
        _l("Agenda"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Markdown: **bold**, lists with -, links."),
    )
    general_assembly = BooleanField(
        _l("General assembly (associés only)"),
        description=_l("Only entrepreneur-associates are invited, whatever is ticked below."),
    )
    statuses = CheckboxesField(
        _l("Invite"),
        choices=[SelectChoice(status.value, status.label) for status in MemberStatus],
        default=[status.value for status in MemberStatus],
    )


class RsvpForm(FlaskForm):
    answer = StringField(validators=[Optional()])
    comment = StringField(
        _l("Comment"),
        validators=[Optional(), Length(max=200)],
        description=_l("For example: I'll be 15 minutes late."),
    )


class NotesForm(FlaskForm):
    notes = TextAreaField(
        _l("Notes"),
        validators=[DataRequired(), Length(max=100_000)],
        description=_l("Markdown. Members invited to the meeting can read them."),
    )
    attachments = MultipleFileField(
        _l("Attachments"),
        description=_l("PDF or photos (a whiteboard, a paper board), 15 MB each at most."),
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
