import uuid
from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
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
    Regexp,
    ValidationError,
)

from portal.expenses.models import PaidBy
from portal.i18n import lazy_gettext as _l
from portal.reading import Suggestions
from portal.web.fields import LocalDecimalField
from portal.web.ids import id_choice

_KEY = Regexp(
    r"^[0-9a-f]{32}$", message=_l("This form had expired: check what you typed and send it again.")
)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def _optional_id(value):
    return id_choice(value) if value not in (None, "", "0", 0) else None


class _CaptureForm(FlaskForm):
    # Made when the form is first shown and sent back with every attempt: a retry of the
    # same form is recognised and never creates a second receipt.
    idempotency_key = HiddenField(validators=[_KEY])
    spent_on = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    activity_id = SelectField(_l("Related activity"), coerce=_optional_id, validate_choice=False)
    paid_by = RadioField(
        _l("Paid by"),
        choices=[SelectChoice(choice.value, choice.label) for choice in PaidBy],
        default=PaidBy.MEMBER.value,
        validators=[InputRequired(message=_l("Say who paid."))],
    )

    def __init__(self, *args, activities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.activity_id.choices = [SelectChoice(0, _l("No particular activity"))] + [
            SelectChoice(activity.id, activity.name) for activity in activities
        ]
        if not self.idempotency_key.data:
            self.idempotency_key.data = new_idempotency_key()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.idempotency_key.errors:
            # Not a key this portal made (a page from long ago, or tampered with): what was
            # typed is shown again with a fresh key, so that sending it again works.
            self.idempotency_key.data = new_idempotency_key()
        return valid


def _vat_field(label):
    return LocalDecimalField(
        label, validators=[Optional(), NumberRange(min=0, message=_l("Cannot be negative."))]
    )


class ReceiptForm(_CaptureForm):
    file = FileField(
        _l("Photo or PDF of the receipt"),
        description=_l("JPEG, PNG, HEIC or PDF, 15 MB at most."),
    )
    supplier = StringField(
        _l("Supplier"),
        validators=[DataRequired(message=_l("Enter the supplier's name.")), Length(max=200)],
    )
    amount = LocalDecimalField(
        _l("Amount incl. VAT (€)"),
        validators=[InputRequired(message=_l("Enter the amount.")), NumberRange(min=0)],
    )
    vat_20 = _vat_field(_l("VAT at %(rate)s (€)", rate="20\u00a0%"))
    vat_10 = _vat_field(_l("VAT at %(rate)s (€)", rate="10\u00a0%"))
    vat_5_5 = _vat_field(_l("VAT at %(rate)s (€)", rate="5,5\u00a0%"))
    vat_2_1 = _vat_field(_l("VAT at %(rate)s (€)", rate="2,1\u00a0%"))
    category_id = SelectField(
        _l("Category"),
        coerce=_optional_id,
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a category from the list."))],
    )
    customer_id = SelectField(
        _l("Related customer"),
        coerce=_optional_id,
        validate_choice=False,
        description=_l("Optional: the customer this expense was for."),
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=2000)],
        description=_l("What it was for; for a meal, the guests."),
    )

    VAT_FIELDS = {
        "vat_20": Decimal("0.20"),
        "vat_10": Decimal("0.10"),
        "vat_5_5": Decimal("0.055"),
        "vat_2_1": Decimal("0.021"),
    }

    def __init__(self, *args, categories=(), customers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice(0, _l("Choose…"))] + [
            SelectChoice(category.id, category.name) for category in categories
        ]
        self.customer_id.choices = [SelectChoice(0, _l("No particular customer"))] + [
            SelectChoice(customer_id, name) for customer_id, name in customers
        ]

    def suggest(self, suggestions: Suggestions, today: date) -> dict[str, float]:
        """Fill the fields still empty with what the reading found (the date also while it
        holds its default, today); what was typed stays. Gives the filled fields' names with
        how sure the reading is of each."""
        filled = {}
        proposals = [
            (self.spent_on, suggestions.date, "date"),
            (self.amount, suggestions.total, "total"),
            (self.supplier, suggestions.supplier, "supplier"),
        ] + [
            (getattr(self, name), suggestions.vat.get(rate * 100), "vat")
            for name, rate in self.VAT_FIELDS.items()
        ]
        for field, value, reading in proposals:
            empty = field.data in (None, "") or (field is self.spent_on and field.data == today)
            if value is not None and empty:
                field.data, field.raw_data = value, None
                filled[field.name] = suggestions.confidence.get(reading, 0.0)
        return filled

    def vat_by_rate(self) -> dict[Decimal, Decimal]:
        return {
            rate: getattr(self, name).data
            for name, rate in self.VAT_FIELDS.items()
            if getattr(self, name).data
        }


class MileageForm(_CaptureForm):
    distance_km = LocalDecimalField(
        _l("Distance (km)"),
        validators=[InputRequired(message=_l("Enter the distance.")), NumberRange(min=0)],
    )
    fiscal_horsepower = IntegerField(
        _l("Fiscal horsepower (CV)"),
        description=_l("Shown on the registration card, box P.6."),
        validators=[InputRequired(message=_l("Enter the fiscal horsepower."))],
    )
    electric = BooleanField(_l("Electric vehicle"))
    purpose = StringField(
        _l("Purpose of the trip"),
        description=_l("For example: Lyon – Villeurbanne, workshop at a customer's"),
        validators=[DataRequired(message=_l("Say what the trip was for.")), Length(max=500)],
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Say why the receipt is rejected.")), Length(max=2000)],
    )


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    vat_recovery_percent = LocalDecimalField(
        _l("VAT recoverable (percentage)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    active = BooleanField(_l("Offered in the list"), default=True)

    def validate_name(self, field):
        if field.data and not field.data.strip():
            raise ValidationError(_l("Give the category a name."))
