from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from portal.audit.services import EVENTS
from portal.web.i18n import lazy_gettext as _l


class AuditFilterForm(FlaskForm):
    """The trail's filters, in the query string (a GET form: links to a page keep them)."""

    class Meta:
        csrf = False

    event = SelectField(
        _l("Event"),
        choices=[SelectChoice("", _l("All events"))]
        + [SelectChoice(kind, label) for kind, label in EVENTS.items()],
        default="",
        validators=[Optional()],
    )
    member = SearchField(
        _l("Member"),
        validators=[Optional(), Length(max=254)],
        description=_l("Part of a name or an email, as the one who acted or the one concerned."),
    )
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=1_000_000)])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
