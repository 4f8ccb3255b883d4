"""Payroll errors with user-facing messages that the web layer translates later.

A message is an English msgid marked with `N_` (a Babel extraction keyword) and formatted with
`message % params` after translation, so placeholders use `%(name)s`.
"""

from typing import Any


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now."""
    return message


class PayrollError(ValueError):
    """A payroll computation refused its input; `message % params` explains why.

    `field` names the input the message is about ("gross", "budget", "hours_per_week", "on",
    "withholding_rate", "employer"), so a form can show it next to that field.
    """

    def __init__(self, message: str, field: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
        self.field = field

    def __str__(self) -> str:
        return self.message % self.params


class InvalidInputError(PayrollError):
    """An amount, a number of hours, a rate or a setting is outside what payroll accepts."""


class UnsupportedDateError(PayrollError):
    """No rates file covers the payroll date."""
