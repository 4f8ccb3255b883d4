from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.i18n import lazy_gettext as _l
from portal.quotes.services import QuoteInput
from portal.sales.forms import DocumentForm
from portal.sales.models import OperationType
from portal.web.fields import LocalDecimalField


class QuoteForm(DocumentForm):
    """The invoice's line editor, with a validity date and payment terms."""

    issue_date = DateField(
        _l("Issue date"),
        validators=[DataRequired()],
        description=_l("When validated, the quote is dated that day, keeping its validity."),
    )
    valid_until = DateField(
        _l("Valid until"),
        validators=[Optional()],
        description=_l("30 days after the issue date if left empty; a year at most."),
    )
    payment_terms = StringField(
        _l("Payment terms"),
        validators=[Optional(), Length(max=300)],
        description=_l("For example: a deposit of a third on acceptance, the balance on delivery."),
    )

    def to_input(self, customer) -> QuoteInput:
        return QuoteInput(
            customer=customer,
            activity_id=self.chosen_activity_id(),
            issue_date=self.issue_date.data,
            valid_until=self.valid_until.data,
            operation_type=OperationType(self.operation_type.data),
            payment_terms=self.payment_terms.data or "",
            notes=self.notes.data or "",
            lines=[line.to_line() for line in self.filled_lines()],
        )


class DepositForm(FlaskForm):
    percent = LocalDecimalField(_l("Percentage of the quote"), validators=[Optional()])
    amount = LocalDecimalField(_l("Or an amount incl. VAT (€)"), validators=[Optional()])


class AcceptForm(FlaskForm):
    name = StringField(_l("Your full name"), validators=[Optional(), Length(max=200)])
    agreed = BooleanField(_l("Good for agreement: I accept this quote and its terms."))


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("Why do you refuse it?"), validators=[Optional(), Length(max=2000)])


class PaperAcceptanceForm(FlaskForm):
    name = StringField(_l("Signed by"), validators=[Optional(), Length(max=200)])
    signed_copy = FileField(_l("The signed quote (photo or PDF)"))
