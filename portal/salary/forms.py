from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.web.fields import LocalDecimalField
from portal.web.forms import form_error

GROSS = "gross"
BUDGET = "budget"


class SimulatorForm(FlaskForm):
    """A GET form: it only reads, so it needs no CSRF token and its URL can be shared.

    The amount and hours are checked by the payroll engine (one place for the rules); their
    refusals come back as DomainErrors that `show_error` puts next to the field.
    """

    class Meta:
        csrf = False

    mode = RadioField(
        _l("I know"),
        choices=[
            SelectChoice(GROSS, _l("the gross salary")),
            SelectChoice(BUDGET, _l("my monthly budget (employer cost)")),
        ],
        default=GROSS,
    )
    amount = LocalDecimalField(_l("Amount per month (€)"))
    hours_per_week = LocalDecimalField(
        _l("Hours per week"),
        description=_l("Your contract hours; 35 is full time."),
    )

    def has_amount(self) -> bool:
        return bool(self.amount.raw_data and self.amount.raw_data[0].strip())

    def inputs(self, default_hours) -> dict:
        """The engine's inputs: `gross` or `budget` as the mode says; empty hours: the default."""
        hours = self.hours_per_week.data
        return {
            BUDGET if self.mode.data == BUDGET else GROSS: self.amount.data,
            "hours_per_week": default_hours if hours is None else hours,
        }

    def show_error(self, error: DomainError) -> None:
        """The engine names the amount after the mode (`gross`, `budget`): here, `amount`."""
        form_error(self, error, field=self.amount if error.field in (GROSS, BUDGET) else None)
