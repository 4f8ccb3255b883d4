from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.i18n import lazy_gettext as _l
from portal.members.models import AssociateDecision, MemberStatus, Role
from portal.members.services import CONTRACT_LIMITS, MemberFilter
from portal.web.fields import LocalDecimalField

LANGUAGES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]
STATUSES = [SelectChoice(status.value, status.label) for status in MemberStatus]


def _plausible(_form, field):
    """A decision or a step of a career dates from this century: another one is a typo."""
    if field.data and not date(2000, 1, 1) <= field.data <= date(2999, 12, 31):
        raise ValidationError(_l("Choose a date between 2000 and 2999."))


class MemberSearchForm(FlaskForm):
    """The list's search and filter, in the query string."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or email"), validators=[Optional(), Length(max=100)])
    which = SelectField(
        _l("Show"),
        choices=[
            SelectChoice(MemberFilter.ACTIVE, _l("Active members")),
            SelectChoice(MemberFilter.ASKING, _l("Asking to become associate")),
            SelectChoice(MemberFilter.DEACTIVATED, _l("Deactivated members")),
            SelectChoice(MemberFilter.ALL, _l("Everyone")),
        ],
        default=MemberFilter.ACTIVE,
        validators=[Optional()],
    )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "off", "inputmode": "email"},
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.ENTREPRENEUR.value, _l("Entrepreneur")),
            SelectChoice(Role.STAFF.value, _l("Support team")),
            SelectChoice(Role.ADMIN.value, _l("Admin")),
        ],
        default=Role.ENTREPRENEUR.value,
    )
    status = SelectField(
        _l("Status (entrepreneurs)"), choices=STATUSES, default=MemberStatus.SUPPORTED.value
    )
    locale = SelectField(
        _l("Language of the invitation"),
        choices=LANGUAGES,
        default="fr",
        description=_l("The member can change it later in their profile."),
    )


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=STATUSES)
    effective_on = DateField(_l("From"), validators=[InputRequired(), _plausible])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


def _within(limit: str, cents: bool = False) -> NumberRange:
    """The contract limit named `limit` (members.services.CONTRACT_LIMITS), in the form's
    unit, with the limit's own message."""
    lowest, highest, refusal, _field = CONTRACT_LIMITS[limit]
    if cents:
        lowest, highest = Decimal(lowest) / 100, Decimal(highest) / 100
    return NumberRange(min=lowest, max=highest, message=refusal)


class ContractForm(FlaskForm):
    """Within the contract's limits, which the service checks again for every other caller;
    here they also keep a huge number from reaching the arithmetic."""

    hours_per_week = LocalDecimalField(
        _l("Hours per week"),
        validators=[InputRequired(), _within("contract_hours_per_week")],
        description=_l("35 is full time."),
    )
    hourly_rate = LocalDecimalField(
        _l("Hourly gross rate (€)"),
        validators=[InputRequired(), _within("hourly_gross_rate_cents", cents=True)],
    )
    monthly_gross = LocalDecimalField(
        _l("Fixed monthly gross (€)"),
        validators=[Optional(), _within("contract_monthly_gross_cents", cents=True)],
        description=_l("Only if the contract fixes it instead of hours × rate."),
    )
    contribution_percent = LocalDecimalField(
        _l("Contribution rate (%)"),
        validators=[Optional(), NumberRange(min=0, max=99.99)],
        description=_l("Empty: the coop's default rate."),
    )


class ActivitiesForm(FlaskForm):
    activities = TextAreaField(
        _l("Activities"),
        validators=[Length(max=3000)],
        description=_l("One per line."),
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice(d.value, d.label) for d in AssociateDecision],
        validators=[InputRequired()],
    )
    decided_on = DateField(_l("Decided on"), validators=[InputRequired(), _plausible])


class ProfileForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    phone = TelField(
        _l("Phone"), validators=[Optional(), Length(max=30)], render_kw={"autocomplete": "tel"}
    )
    address = TextAreaField(
        _l("Postal address"),
        validators=[Optional(), Length(max=500)],
        render_kw={"autocomplete": "street-address", "rows": 3},
    )


class IbanForm(FlaskForm):
    iban = StringField(
        _l("IBAN for reimbursements"),
        validators=[DataRequired(), Length(max=50)],
        description=_l("Your receipts are reimbursed to this account."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=LANGUAGES)


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=12, max=128)],
        description=_l("At least 12 characters. A short sentence is easy to remember."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class AssociateRequestForm(FlaskForm):
    message = TextAreaField(
        _l("A word for the team (optional)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 3},
    )
