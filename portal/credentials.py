"""A member's credentials: the email that names them and their password's hash, used by
members (creating accounts) and auth (logging in, resetting a password)."""

from argon2 import PasswordHasher

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l

# argon2id with OWASP's first recommended setting: 19 MiB of memory, 2 passes, 1 lane.
hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128


def hash_password(password: str) -> str:
    check_password_rules(password)
    return hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise DomainError(
            _l("Choose a password of at least %(n)d characters.", n=PASSWORD_MIN_LENGTH),
            field="password",
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise DomainError(
            _l("Choose a password of at most %(n)d characters.", n=PASSWORD_MAX_LENGTH),
            field="password",
        )


def normalise_email(email: str) -> str:
    return email.strip().lower()
