from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from portal.notifications.models import EmailDelivery, NotificationKind


class EmailSettingsForm(FlaskForm):
    """One choice per kind the member can be told of; the fields are the kinds' values."""

    def choices(self) -> dict[NotificationKind, EmailDelivery]:
        return {
            NotificationKind(field.name): EmailDelivery(field.data)
            for field in self
            if field.name != "csrf_token"
        }


def email_settings_form(current: dict[NotificationKind, EmailDelivery]) -> EmailSettingsForm:
    """The form for `current` (a member's settings): a field per kind, in the kinds' order."""
    options = [SelectChoice(delivery.value, delivery.label) for delivery in EmailDelivery]

    class Form(EmailSettingsForm):
        pass

    for kind, delivery in current.items():
        field = SelectField(kind.setting, choices=options, default=delivery.value)
        setattr(Form, kind.value, field)
    return Form()
