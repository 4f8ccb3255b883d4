"""Form fields for how people type on a French phone."""

from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from wtforms import DecimalField
from wtforms.widgets import TextInput

from portal.i18n import lazy_gettext as _l


def parse_decimal(text: str) -> Decimal:
    """`1 234,50`, `1234.50` and `1 234,5 €` all mean 1234.50. Raises ValueError otherwise."""
    cleaned = (text or "").strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    cleaned = cleaned.removesuffix("€").replace(",", ".")
    if not cleaned or cleaned.count(".") > 1:
        raise ValueError(text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


class LocalDecimalField(DecimalField):
    """A decimal that accepts a comma or a dot and spaces between thousands.

    A text input with a decimal keypad: browsers refuse "1 234,50" in a number input."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        try:
            self.data = parse_decimal(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a number, for example 1234,50.")) from None

    def _value(self):
        if self.raw_data is not None:
            return self.raw_data[0] if self.raw_data else ""
        if self.data is None:
            return ""
        return format_decimal(self.data, format="0.##").replace("\u00a0", "")
