from flask_babel.speaklater import LazyString


class DomainError(Exception):
    """An expected failure of a rule, with a message for the user (translated lazily).

    Views turn it into a form error or a flash message; the CLI prints it and exits with 2.
    `field` names the form field the message belongs to, when there is one."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


# What a model's `refusal_to_*` predicate answers: why the action is refused, or None.
Refusal = LazyString | None


def refuse(refusal: Refusal) -> None:
    """Raise the refusal a model's predicate gave, if it gave one."""
    if refusal is not None:
        raise DomainError(refusal)
