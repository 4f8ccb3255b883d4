from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms.validators import NumberRange, Optional, StopValidation

from portal.i18n import lazy_gettext as _l
from portal.projection.figures import MAX_WHAT_IF_EXTRA, MAX_WHAT_IF_GROSS, WhatIf
from portal.web.fields import LocalDecimalField


def _number_entered(_form, field):
    """A value that is not a number already has its message: stop there."""
    if field.data is None and field.raw_data and field.raw_data[0].strip():
        raise StopValidation()


class WhatIfForm(FlaskForm):
    """A read-only simulation sent with GET: nothing to protect with a CSRF token."""

    class Meta:
        csrf = False

    hours = LocalDecimalField(
        _l("Hours a week"),
        validators=[
            _number_entered,
            Optional(),
            NumberRange(min=1, max=48, message=_l("Hours a week must be between 1 and 48.")),
        ],
    )
    gross = LocalDecimalField(
        _l("Monthly gross salary (€)"),
        validators=[
            _number_entered,
            Optional(),
            NumberRange(
                min=1,
                max=MAX_WHAT_IF_GROSS,
                message=_l("The gross salary must be between 1 and 50,000 €."),
            ),
        ],
    )
    extra = LocalDecimalField(
        _l("If I invoice this much more this month, paid (€ excl. VAT)"),
        validators=[
            _number_entered,
            Optional(),
            NumberRange(
                min=0,
                max=MAX_WHAT_IF_EXTRA,
                message=_l("The extra revenue must be between 0 and 1,000,000 €."),
            ),
        ],
    )

    def what_if(self) -> WhatIf:
        return WhatIf(
            hours_per_week=self.hours.data,
            gross=self.gross.data,
            extra_revenue=self.extra.data or Decimal(0),
        )
