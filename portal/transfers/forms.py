from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from portal.i18n import lazy_gettext as _l
from portal.money import MAX_AMOUNT_CENTS, from_cents
from portal.transfers.services import TransferInput, TransferLineInput
from portal.web.fields import LocalDecimalField

LINE_ROWS = 5


class TransferLineForm(Form):
    """One line: what was done, and its amount excl. VAT (the coop's limit is the rule's)."""

    work = StringField(_l("What was done"), validators=[Optional(), Length(max=500)])
    amount = LocalDecimalField(
        _l("Amount excl. VAT (€)"),
        validators=[
            Optional(),
            NumberRange(
                min=Decimal("0.01"),
                max=from_cents(MAX_AMOUNT_CENTS),
                message=_l("Enter an amount between 0.01 € and 10 M€."),
            ),
        ],
    )


class TransferForm(FlaskForm):
    # The contractor's list follows the search box (`q`); its choices are set
    # by the view from the active entrepreneurs.
    # by the view from the active entrepreneurs; the service judges the one posted (oneself,
    # a member who left), so the list does not refuse it first with a vaguer message.
    contractor_id = SelectField(
        _l("Entrepreneur you worked for"), coerce=str, choices=[], validate_choice=False
    )
    lines = FieldList(FormField(TransferLineForm), min_entries=LINE_ROWS, max_entries=LINE_ROWS)
    form_token = HiddenField()

    def transfer_input(self, contractor) -> TransferInput:
        return TransferInput(
            contractor=contractor,
            lines=[TransferLineInput(row.work.data or "", row.amount.data) for row in self.lines],
        )


class RefuseForm(FlaskForm):
    reason = TextAreaField(_l("Why you refuse it"), validators=[Optional(), Length(max=2000)])
