"""A service's refusal (`DomainError`) shown on the form that asked for the change, or
flashed for a button that has no form."""

from collections.abc import Callable

from flask import flash
from wtforms import Field, FieldList, Form

from portal.errors import DomainError


def form_error(form: Form, error: DomainError, field: Field | None = None) -> None:
    """Show `error` under the field of `form` it names (`error.field`), else under `field`,
    else at the top of the form. A list of fields (an invoice's lines) shows only its
    entries' own errors, so a message about the whole list goes on top."""
    named = getattr(form, error.field, None) if error.field else None
    target = named if isinstance(named, Field) and not isinstance(named, FieldList) else field
    if target is None:
        form.form_errors.append(str(error))
    else:  # a field not validated yet has a tuple of errors
        target.errors = [*target.errors, str(error)]


def flash_outcome(action: Callable[[], object], success: str) -> None:
    """Run the service `action`: flash its refusal as an error, else `success`."""
    try:
        action()
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(success, "success")
