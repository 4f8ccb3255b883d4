from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.identifiers import compact
from portal.sales.customers import CustomerInput
from portal.sales.models import CustomerKind, OperationType, PaymentMethod
from portal.sales.services import InvoiceInput
from portal.sales.totals import MAX_LINES, UNITS, VAT_RATES, LineInput
from portal.web.fields import LocalDecimalField, parse_decimal
from portal.web.ids import id_choice

# People type "542 107 651": the browser's maxlength must leave room for the spaces; the
# service checks the compacted identifier.
IDENTIFIER_TYPED_LENGTH = 24


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _rate_label(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",") + " %"


class LineForm(FlaskForm):
    class Meta:
        csrf = False

    description = StringField(_l("Description"), validators=[Optional(), Length(max=500)])
    quantity = LocalDecimalField(_l("Quantity"), validators=[Optional()])
    unit = SelectField(_l("Unit"), choices=choices(UNITS.items()), validate_choice=False)
    unit_price = LocalDecimalField(_l("Unit price excl. VAT (€)"), validators=[Optional()])
    discount = LocalDecimalField(_l("Discount (%)"), validators=[Optional()])
    vat_rate = SelectField(
        _l("VAT"),
        choices=choices((str(rate), _rate_label(rate)) for rate in VAT_RATES),
        validate_choice=False,
        default="20",
    )

    def is_blank(self) -> bool:
        return _is_blank(self.description.data, self.unit_price.data)

    def to_line(self) -> LineInput:
        return _line(
            self.description.data,
            self.quantity.data,
            self.unit.data,
            self.unit_price.data,
            self.discount.data,
            self.vat_rate.data,
        )


def _is_blank(description: str | None, unit_price: Decimal | None) -> bool:
    return not (description or "").strip() and unit_price is None


def _line(description, quantity, unit, unit_price, discount, vat_rate) -> LineInput:
    """A line from what its fields hold; DomainError when it is not complete."""
    if quantity is None or unit_price is None:
        raise DomainError(_l("Enter a quantity and a price on each line."), field="lines")
    try:
        rate = Decimal(vat_rate or "")
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite():
        # A signalling NaN would raise when compared with the rates of the list.
        raise DomainError(_l("Choose a VAT rate from the list."), field="lines")
    return LineInput(
        description=description or "",
        quantity=quantity,
        unit=unit or "",
        unit_price=unit_price,
        discount_percent=discount or Decimal(0),
        vat_rate=rate,
    )


def _typed_decimal(formdata, name: str) -> Decimal | None:
    """What a LocalDecimalField holds after reading the field: nothing when it is empty or
    not a number."""
    text = formdata.get(name)
    if text in ("", None):
        return None
    try:
        return parse_decimal(text)
    except ValueError:
        return None


def _line_numbers(formdata, prefix: str = "lines", separator: str = "-"):
    """The line numbers of the posted keys, as WTForms' FieldList finds them (a key starting
    with the prefix and one more character, then the number up to the separator), except that
    a number is decimal digits: WTForms takes any str.isdigit, and int("²") failed with a 500."""
    offset = len(prefix) + 1
    for key in formdata:
        if key.startswith(prefix):
            number = key[offset:].split(separator, 1)[0]
            if number.isdecimal():
                yield int(number)


def typed_lines(formdata) -> list[LineInput]:
    """The complete lines of a posted invoice form, as InvoiceForm reads them (its fields'
    defaults, first values, French numbers), without building the form: binding WTForms
    fields costs ~60 µs a line and live totals only need the numbers (the live totals
    request: 0.93 ms of CPU instead of 1.46 ms; its target, 40 % of hello, is far: see
    `totals` in portal/sales/views.py). Blank and incomplete lines are left out, as
    `InvoiceForm.complete_lines` leaves them."""
    lines = []
    for index in sorted(set(_line_numbers(formdata)))[: MAX_LINES + 1]:
        prefix = f"lines-{index}-"
        description = formdata.get(prefix + "description")
        unit_price = _typed_decimal(formdata, prefix + "unit_price")
        if _is_blank(description, unit_price):
            continue
        try:
            lines.append(
                _line(
                    description,
                    _typed_decimal(formdata, prefix + "quantity"),
                    formdata.get(prefix + "unit"),
                    unit_price,
                    _typed_decimal(formdata, prefix + "discount"),
                    formdata.get(prefix + "vat_rate", LineForm.vat_rate.kwargs["default"]),
                )
            )
        except DomainError:
            continue
    return lines


class QuickCustomerForm(FlaskForm):
    """The few fields to create a customer without leaving the invoice; checked by the
    service only when that button is pressed, so they never block saving the invoice."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Kind"),
        choices=choices((kind.value, kind.label) for kind in CustomerKind),
        default=CustomerKind.COMPANY.value,
        validate_choice=False,
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    siren = StringField(
        _l("SIREN"),
        filters=[compact],
        description=_l("Mandatory for French companies (9 digits)."),
        validators=[Optional(), Length(max=IDENTIFIER_TYPED_LENGTH)],
    )
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=300)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=10)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])

    def to_input(self) -> CustomerInput:
        try:
            kind = CustomerKind(self.kind.data)
        except ValueError:
            kind = CustomerKind.COMPANY
        return CustomerInput(
            kind=kind,
            name=self.name.data or "",
            siren=self.siren.data or "",
            address=self.address.data or "",
            postcode=self.postcode.data or "",
            city=self.city.data or "",
        )

    def clear(self) -> None:
        for field in (self.name, self.siren, self.address, self.postcode, self.city):
            field.data = ""
        self.kind.data = CustomerKind.COMPANY.value


class LineList(FieldList):
    """The invoice's lines, numbered as `_line_numbers` reads them."""

    def _extract_indices(self, prefix, formdata):
        return _line_numbers(formdata, prefix, self._field_separator)


class DocumentForm(FlaskForm):
    """What an invoice's and a quote's forms share: the customer (found, chosen or created on
    the spot), the activity, and the line editor."""

    form_token = HiddenField()
    customer_query = SearchField(_l("Find a customer"), validators=[Optional(), Length(max=100)])
    new_customer = FormField(QuickCustomerForm)
    # Set by the view after a quick creation: the panel stays open on an error, and the
    # created customer is named.
    quick_customer_open = False
    customer_created = ""
    # "Choose a customer" is the choice 0: left there, the draft is refused with a message,
    # its lines kept (it used to reach the customer's look-up, a 404).
    customer_id = SelectField(
        _l("Customer"),
        coerce=id_choice,
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a customer"))],
    )
    activity_id = SelectField(_l("Activity"), validate_choice=False)
    operation_type = SelectField(
        _l("Type of operation"),
        choices=choices((kind.value, kind.label) for kind in OperationType),
        default=OperationType.SERVICES.value,
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    lines = LineList(FormField(LineForm), min_entries=1, max_entries=MAX_LINES + 1)

    def filled_lines(self):
        return [entry.form for entry in self.lines if not entry.form.is_blank()]

    def complete_lines(self) -> list[LineInput]:
        """The lines typed so far that are complete (for a preview of the totals)."""
        lines = []
        for line in self.filled_lines():
            try:
                lines.append(line.to_line())
            except DomainError:
                continue
        return lines

    def chosen_activity_id(self) -> int | None:
        activity = self.activity_id.data
        try:
            return int(activity) if activity else None
        except ValueError:
            raise DomainError(_l("Choose one of your activities."), field="activity_id") from None


class InvoiceForm(DocumentForm):
    issue_date = DateField(
        _l("Issue date"),
        validators=[DataRequired()],
        description=_l("When validated, the invoice is dated that day, keeping its term."),
    )
    due_date = DateField(
        _l("Due date"),
        validators=[Optional()],
        description=_l("30 days after the issue date if left empty; 60 days at most."),
    )
    service_date = DateField(_l("Date of the service or delivery"), validators=[Optional()])
    purchase_order = StringField(
        _l("Customer's purchase order number"), validators=[Optional(), Length(max=60)]
    )

    def to_input(self, customer) -> InvoiceInput:
        return InvoiceInput(
            customer=customer,
            activity_id=self.chosen_activity_id(),
            issue_date=self.issue_date.data,
            due_date=self.due_date.data,
            service_date=self.service_date.data,
            operation_type=OperationType(self.operation_type.data),
            purchase_order=self.purchase_order.data or "",
            notes=self.notes.data or "",
            lines=[line.to_line() for line in self.filled_lines()],
        )


class CustomerForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=choices((kind.value, kind.label) for kind in CustomerKind),
        default=CustomerKind.COMPANY.value,
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=300)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=10)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    country = StringField(_l("Country code"), default="FR", validators=[Optional(), Length(max=2)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    siren = StringField(
        _l("SIREN"),
        filters=[compact],
        description=_l("Mandatory for French companies (9 digits)."),
        validators=[Optional(), Length(max=IDENTIFIER_TYPED_LENGTH)],
    )
    siret = StringField(
        _l("SIRET"), filters=[compact], validators=[Optional(), Length(max=IDENTIFIER_TYPED_LENGTH)]
    )
    vat_number = StringField(
        _l("VAT number"),
        filters=[compact],
        validators=[Optional(), Length(max=IDENTIFIER_TYPED_LENGTH)],
    )
    einvoicing_address = StringField(
        _l("Electronic invoicing address"),
        description=_l("Its address in the e-invoicing directory. Empty: its SIREN."),
        validators=[Optional(), Length(max=125)],
    )

    def to_input(self) -> CustomerInput:
        return CustomerInput(
            kind=CustomerKind(self.kind.data),
            name=self.name.data or "",
            address=self.address.data or "",
            postcode=self.postcode.data or "",
            city=self.city.data or "",
            country_code=self.country.data or "FR",
            email=self.email.data or "",
            siren=self.siren.data or "",
            siret=self.siret.data or "",
            vat_number=self.vat_number.data or "",
            einvoicing_address=self.einvoicing_address.data or "",
        )


class PaymentForm(FlaskForm):
    amount = LocalDecimalField(_l("Amount received (€)"), validators=[InputRequired()])
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    method = SelectField(
        _l("Payment method"),
        choices=choices((method.value, method.label) for method in PaymentMethod),
        default=PaymentMethod.TRANSFER.value,
    )
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=100)])


class RefundForm(FlaskForm):
    amount = LocalDecimalField(_l("Amount paid back (€)"), validators=[InputRequired()])
    paid_on = DateField(_l("Paid back on"), validators=[DataRequired()])
    method = SelectField(
        _l("Payment method"),
        choices=choices((method.value, method.label) for method in PaymentMethod),
        default=PaymentMethod.TRANSFER.value,
    )
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=100)])


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("What to correct"), validators=[DataRequired(), Length(max=2000)])


class SendForm(FlaskForm):
    """The email that takes an issued invoice to its customer, pre-filled, then edited."""

    locale = HiddenField()
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    message = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)])
