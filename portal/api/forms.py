from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.api.models import SCOPES
from portal.i18n import lazy_gettext as _l

SCOPE_LABELS = {
    "sync:read": _l("Read (change feed, members, invoices...)"),
    "sync:write": _l("Write (members, payments, payslips, balances...)"),
}


class ApiClientForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("Which program uses it, for example: Accounting software"),
    )
    scopes = SelectMultipleField(
        _l("Permissions"),
        choices=[SelectChoice(scope, SCOPE_LABELS[scope]) for scope in SCOPES],
        default=list(SCOPES),
        validators=[DataRequired()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
