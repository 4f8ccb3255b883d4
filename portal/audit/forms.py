from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from portal.audit.services import EVENTS
from portal.i18n import lazy_gettext as _l


def _plausible(_form, field):
    """The trail starts with the portal: a date in another millennium is a typing error (and
    9999-12-31 has no next day to end the range with)."""
    if field.data and not date(2000, 1, 1) <= field.data <= date(2999, 12, 31):
        raise ValidationError(_l("Choose a date between 2000 and 2999."))


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
    date_from = DateField(_l("From"), validators=[Optional(), _plausible])
    date_to = DateField(_l("To"), validators=[Optional(), _plausible])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=1_000_000)])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
