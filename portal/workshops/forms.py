from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.dates import PARIS, paris_to_utc
from portal.i18n import lazy_gettext as _l
from portal.members.models import MemberStatus


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WorkshopForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Markdown: **bold**, *italics*, lists with -, links [text](https://...)."),
    )
    facilitator = StringField(_l("Facilitator"), validators=[Optional(), Length(max=120)])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    video_url = URLField(
        _l("Video link"),
        validators=[Optional(), URL(message=_l("Enter a full link, starting with https://"))],
    )
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter a date."))])
    start_time = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter a time."))])
    end_time = TimeField(_l("End time"), validators=[InputRequired(_l("Enter a time."))])
    seats = IntegerField(
        _l("Seats"),
        validators=[
            InputRequired(_l("Enter a number of seats.")),
            NumberRange(min=1, max=10_000, message=_l("Between 1 and 10000 seats.")),
        ],
    )
    booking_deadline = DateTimeLocalField(
        _l("Bookings close"),
        validators=[Optional()],
        description=_l("Leave empty to take bookings until the workshop starts."),
    )
    audience = CheckboxesField(
        _l("For"),
        choices=[SelectChoice(status.value, status.label) for status in MemberStatus],
        description=_l("Tick none for everyone."),
    )

    def service_fields(self) -> dict:
        """What `create_or_update_workshop` takes, times converted from Paris to UTC."""
        deadline = self.booking_deadline.data
        return {
            "title": self.title.data,
            "description": self.description.data or "",
            "facilitator": self.facilitator.data or "",
            "place": self.place.data or "",
            "video_url": self.video_url.data or "",
            "starts_at": paris_to_utc(self.day.data, self.start_time.data, "start_time"),
            "ends_at": paris_to_utc(self.day.data, self.end_time.data, "end_time"),
            "seats": self.seats.data,
            "booking_deadline": deadline.replace(tzinfo=PARIS) if deadline else None,
            "audience": [MemberStatus(value) for value in self.audience.data or ()],
        }

    def fill_from(self, workshop) -> None:
        starts = workshop.starts_at.astimezone(PARIS)
        self.day.data = starts.date()
        self.start_time.data = starts.time().replace(tzinfo=None)
        self.end_time.data = workshop.ends_at.astimezone(PARIS).time().replace(tzinfo=None)
        if workshop.booking_deadline:
            self.booking_deadline.data = workshop.booking_deadline.astimezone(PARIS).replace(
                tzinfo=None
            )
        self.audience.data = [status.value for status in workshop.audience_statuses]


class AddParticipantForm(FlaskForm):
    email = EmailField(
        _l("Member's email"),
        validators=[DataRequired(), Email(message=_l("Enter a valid email address."))],
    )
