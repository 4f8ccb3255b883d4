from decimal import ROUND_HALF_UP, Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.coop.models import DEFAULT_QUOTE_NUMBER_PATTERN, ContributionBasis, ContributionScheme
from portal.coop.services import (
    FIXED_FEE_LABEL_LENGTH,
    ProvisionSettings,
    check_provisions,
    reminder_schedule,
)
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.identifiers import (
    compact,
    is_valid_bic,
    is_valid_einvoicing_address,
    is_valid_iban,
    is_valid_siren,
    is_valid_siret,
    is_valid_vat_number,
)
from portal.money import MAX_AMOUNT_CENTS, to_cents
from portal.salary.services import check_health_plan, check_payroll_settings
from portal.sales.numbering import check_number_pattern, check_number_patterns
from portal.web.fields import LocalDecimalField

# Whole euros, so that the range message reads 10000000 rather than 1E+7.
MAX_AMOUNT_EUROS = Decimal(MAX_AMOUNT_CENTS // 100)


def percent_to_rate(percent: Decimal | None) -> Decimal | None:
    """2,08 (%) → 0.0208, kept to the 5 decimals the settings store."""
    if percent is None:
        return None
    return (percent / 100).quantize(Decimal("0.00001"), ROUND_HALF_UP)


def _checked(check, message):
    def validator(_form, field):
        if field.data and not check(field.data):
            raise ValidationError(message)

    return validator


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


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
        _l("Share capital (€)"), validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT_EUROS)]
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
    work_accident_percent = LocalDecimalField(
        _l("Work-accident rate (AT/MP), in percent"),
        validators=[Optional(), NumberRange(min=Decimal("0.01"), max=100)],
        description=_l("The rate the CARSAT notified; empty: the national average."),
    )
    mobility_levy_percent = LocalDecimalField(
        _l("Mobility levy rate, in percent"),
        validators=[Optional(), NumberRange(min=0, max=100)],
        description=_l("Set by the commune of the office; due from 11 employees. Empty: none."),
    )
    transfer_limit = LocalDecimalField(
        _l("Largest internal transfer (€ excl. VAT)"),
        validators=[
            Optional(),
            NumberRange(
                min=Decimal(1),
                max=MAX_AMOUNT_EUROS,
                message=_l("Enter an amount between 1 € and 10 M€."),
            ),
        ],
        description=_l(
            "An entrepreneur cannot charge another one more in one transfer. Empty: unchanged."
        ),
    )
    invoice_number_pattern = StringField(
        _l("Invoice number pattern"),
        filters=[_stripped],
        validators=[DataRequired(), Length(max=40)],
        description=_l(
            "{year} and {number} are replaced at validation; {number:05} pads to 5 digits. "
            "Issued invoices keep their number."
        ),
    )
    credit_note_number_pattern = StringField(
        _l("Credit note number pattern"),
        filters=[_stripped],
        validators=[DataRequired(), Length(max=40)],
    )
    quote_number_pattern = StringField(
        _l("Quote number pattern"),
        filters=[_stripped],
        default=DEFAULT_QUOTE_NUMBER_PATTERN,
        validators=[DataRequired(), Length(max=40)],
    )
    iban = StringField(
        _l("IBAN for payments"),
        filters=[compact],
        validators=[
            Optional(),
            _checked(is_valid_iban, _l("This IBAN is not valid: check the digits you typed.")),
        ],
    )
    bic = StringField(
        _l("BIC"),
        filters=[compact],
        validators=[
            Optional(),
            _checked(is_valid_bic, _l("A BIC has 8 or 11 characters, for example AGRIFRPP.")),
        ],
    )
    late_penalty_terms = TextAreaField(
        _l("Late-payment penalties"),
        filters=[_stripped],
        validators=[DataRequired(), Length(max=300)],
        description=_l(
            "The rate owed on late payment: by default the ECB rate plus 10 points, "
            "never below three times the legal interest rate."
        ),
    )
    early_payment_terms = TextAreaField(
        _l("Early-payment discount"),
        filters=[_stripped],
        validators=[DataRequired(), Length(max=300)],
        description=_l("The discount for early payment, or that there is none."),
    )
    vat_on_debits = BooleanField(
        _l("VAT on debits"),
        description=_l("The coop opted to pay VAT when invoicing rather than when paid."),
    )
    einvoicing_address = StringField(
        _l("Electronic invoicing address"),
        filters=[_stripped],
        validators=[
            Optional(),
            Length(max=125),
            _checked(
                is_valid_einvoicing_address,
                _l("Letters, digits and + - _ . only, without spaces."),
            ),
        ],
        description=_l(
            "The coop's address in the e-invoicing directory, on every Factur-X. Empty: its SIREN."
        ),
    )
    reminder_days = StringField(
        _l("Automatic reminders, days after the due date"),
        filters=[_stripped],
        validators=[Optional(), Length(max=40)],
        description=_l(
            "For example 7, 30: a polite reminder 7 days after the due date, a firmer one "
            "after 30. Empty: no automatic reminder."
        ),
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            check_number_patterns(
                self.invoice_number_pattern.data, self.credit_note_number_pattern.data
            )
            check_number_pattern(self.quote_number_pattern.data, "quote_number_pattern")
        except DomainError as error:
            getattr(self, error.field).errors.append(error.message)
            return False
        try:
            check_payroll_settings(
                headcount=self.headcount.data,
                work_accident_rate=percent_to_rate(self.work_accident_percent.data),
                mobility_levy_rate=percent_to_rate(self.mobility_levy_percent.data) or Decimal(0),
            )
        except DomainError as error:
            field = {
                "work_accident_rate": self.work_accident_percent,
                "mobility_levy_rate": self.mobility_levy_percent,
            }.get(error.field, self.headcount)
            field.errors.append(error.message)
            return False
        return True

    def validate_siret(self, field):
        if field.data and self.siren.data and not field.data.startswith(self.siren.data):
            raise ValidationError(_l("The SIRET must start with the SIREN."))

    def validate_reminder_days(self, field):
        try:
            reminder_schedule(field.data or "")
        except DomainError as error:
            raise ValidationError(error.message) from None


class BandForm(Form):
    """One contribution band: from this cumulative revenue on, this rate."""

    start = LocalDecimalField(
        _l("From yearly revenue (€)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT_EUROS)],
    )
    percent = LocalDecimalField(
        _l("Rate (percentage)"),
        validators=[
            Optional(),
            NumberRange(
                min=0, max=Decimal("99.99"), message=_l("A rate must be at least 0 and below 100.")
            ),
        ],
    )

    def validate(self, extra_validators=None):
        # Optional() ends each field's checks when it is empty, so a half-filled row is
        # caught here, once both fields have been read.
        valid = super().validate(extra_validators)
        if valid and (self.start.data is None) != (self.percent.data is None):
            empty = self.percent if self.percent.data is None else self.start
            empty.errors = [_l("Give both where the band starts and its rate.")]
            return False
        return valid


BAND_ROWS = 5


class FeeForm(Form):
    """One fixed fee: a label and what it takes from every margin each month."""

    title = StringField(
        _l("Fee"),
        filters=[_stripped],
        validators=[
            Optional(),
            Length(
                max=FIXED_FEE_LABEL_LENGTH,
                message=_l("A fee's label has 80 characters at most."),
            ),
        ],
    )
    monthly = LocalDecimalField(
        _l("Monthly amount (€)"),
        validators=[
            Optional(),
            NumberRange(
                min=Decimal("0.01"),
                max=Decimal(100_000),
                message=_l("A monthly amount must be between 0.01 and 100000 €."),
            ),
        ],
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and bool(self.title.data) != (self.monthly.data is not None):
            empty = self.monthly if self.monthly.data is None else self.title
            empty.errors = [_l("Give both the fee's label and its monthly amount.")]
            return False
        return valid


FEE_ROWS = 6
PERCENT_CHECKED_BY_SERVICE = Decimal(1000)


class ProvisionsForm(FlaskForm):
    """What the coop keeps back from the margins (terms.Provisions has the rules)."""

    # Rates up to 1000 % reach the service (check_provisions), whose messages say why
    # 100 % is the limit; beyond, a plain range message (and no overflowing Decimal).
    reserve_percent = LocalDecimalField(
        _l("Safety reserve, percentage of the margin"),
        validators=[Optional(), NumberRange(min=0, max=PERCENT_CHECKED_BY_SERVICE)],
        description=_l("Kept out of the margin available. Or give an amount below. Empty: none."),
    )
    reserve_amount = LocalDecimalField(
        _l("Safety reserve, fixed amount (€)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT_EUROS)],
    )
    paid_leave_percent = LocalDecimalField(
        _l("Paid-leave provision, percentage of the employer cost"),
        validators=[Optional(), NumberRange(min=0, max=PERCENT_CHECKED_BY_SERVICE)],
        description=_l(
            "Set aside with each salary, on its gross plus employer contributions: about 10 %."
        ),
    )
    meal_vouchers = LocalDecimalField(
        _l("Meal vouchers, employer's share a month (€)"),
        validators=[Optional(), NumberRange(min=0, max=Decimal(100_000))],
        description=_l(
            "Paid with each salary. For a share per day worked: the share × days a month."
        ),
    )
    health_plan_employer = LocalDecimalField(
        _l("Mutuelle and prévoyance, employer's share a month (€)"),
        validators=[InputRequired(), NumberRange(min=0, max=Decimal(100_000))],
        description=_l("In the employer cost of every salary."),
    )
    health_plan_employee = LocalDecimalField(
        _l("Mutuelle and prévoyance, employee's share a month (€)"),
        validators=[InputRequired(), NumberRange(min=0, max=Decimal(100_000))],
        description=_l("Withheld from every salary."),
    )

    def provisions(self) -> ProvisionSettings:
        return ProvisionSettings(
            reserve_rate=percent_to_rate(self.reserve_percent.data) or Decimal(0),
            reserve_amount_cents=to_cents(self.reserve_amount.data or Decimal(0)),
            paid_leave_rate=percent_to_rate(self.paid_leave_percent.data) or Decimal(0),
            meal_vouchers_cents=to_cents(self.meal_vouchers.data or Decimal(0)),
            health_plan_employer_cents=to_cents(self.health_plan_employer.data),
            health_plan_employee_cents=to_cents(self.health_plan_employee.data),
        )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            provisions = self.provisions()
            check_provisions(provisions)
            check_health_plan(
                provisions.health_plan_employer_cents, provisions.health_plan_employee_cents
            )
        except DomainError as error:
            field = {
                "reserve_rate": self.reserve_percent,
                "paid_leave_rate": self.paid_leave_percent,
            }.get(error.field) or getattr(self, error.field, self.health_plan_employee)
            field.errors.append(error.message)
            return False
        return True


class ContributionForm(FlaskForm):
    scheme = RadioField(
        _l("Contribution scheme"),
        choices=[SelectChoice(s.value, s.label) for s in ContributionScheme],
        validators=[InputRequired()],
    )
    basis = RadioField(
        _l("Contribution due on"),
        choices=[SelectChoice(b.value, b.label) for b in ContributionBasis],
        validators=[InputRequired()],
    )
    yearly_minimum = LocalDecimalField(
        _l("Yearly minimum contribution, CESA contract (€)"),
        validators=[Optional(), NumberRange(min=0, max=Decimal(1_000_000))],
        description=_l(
            "Entrepreneur-employees and associates. Charged a twelfth per month an "
            "entrepreneur is in the coop. Empty: none."
        ),
    )
    yearly_minimum_cape = LocalDecimalField(
        _l("Yearly minimum contribution, CAPE contract (€)"),
        validators=[Optional(), NumberRange(min=0, max=Decimal(1_000_000))],
        description=_l("Supported entrepreneurs, charged the same way. Empty: none."),
    )
    bands = FieldList(FormField(BandForm), min_entries=BAND_ROWS, max_entries=BAND_ROWS)
    fees = FieldList(FormField(FeeForm), min_entries=FEE_ROWS, max_entries=FEE_ROWS)

    @property
    def band_list_errors(self) -> list[str]:
        """Errors about the bands as a whole; each row's own are shown by its fields."""
        return [str(error) for error in self.bands.errors if not isinstance(error, (dict, list))]

    def validate_bands(self, field):
        if self.scheme.data != ContributionScheme.BANDED.value:
            return
        starts = [row.start.data for row in field if row.start.data is not None]
        if not starts:
            raise ValidationError(_l("A banded scheme needs at least one band."))
        if min(starts) != 0:
            raise ValidationError(_l("The first band must start at 0 €."))
        if len(set(starts)) != len(starts):
            raise ValidationError(_l("Two bands cannot start at the same amount."))
