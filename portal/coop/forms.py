from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.identifiers import compact, is_valid_siren, is_valid_siret, is_valid_vat_number
from portal.web.fields import LocalDecimalField


def _checked(check, message):
    def validator(_form, field):
        if field.data and not check(field.data):
            raise ValidationError(message)

    return validator


class CoopSettingsForm(FlaskForm):
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    legal_form = StringField(_l("Legal form"), validators=[Optional(), Length(max=120)])
    address = TextAreaField(_l("Address"), validators=[DataRequired(), Length(max=500)])
    siren = StringField(
        _l("SIREN"),
        filters=[compact],
        validators=[
            Optional(),
            _checked(is_valid_siren, _l("A SIREN has 9 digits with a valid check digit.")),
        ],
    )
    siret = StringField(
        _l("SIRET of the head office"),
        filters=[compact],
        validators=[
            Optional(),
            _checked(is_valid_siret, _l("A SIRET has 14 digits with a valid check digit.")),
        ],
    )
    vat_number = StringField(
        _l("VAT number"),
        filters=[compact],
        validators=[
            Optional(),
            _checked(
                is_valid_vat_number,
                _l("This VAT number is not valid (for France: FR, 2-digit key, SIREN)."),
            ),
        ],
    )
    rcs = StringField(
        _l("Trade register (RCS)"),
        validators=[Optional(), Length(max=120)],
        description=_l("For example: RCS Lyon 123 456 789"),
    )
    share_capital = LocalDecimalField(
        _l("Share capital (€)"), validators=[Optional(), NumberRange(min=0, max=Decimal("1e9"))]
    )
    default_contribution_percent = LocalDecimalField(
        _l("Default contribution rate (percentage of revenue excl. VAT)"),
        validators=[InputRequired(), NumberRange(min=0, max=50)],
    )
    headcount = IntegerField(
        _l("Headcount"),
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        description=_l("Sets the payroll rates that depend on size."),
    )

    def validate_siret(self, field):
        if field.data and self.siren.data and not field.data.startswith(self.siren.data):
            raise ValidationError(_l("The SIRET must start with the SIREN."))
