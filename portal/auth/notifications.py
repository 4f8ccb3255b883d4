"""The mail of the login module, rendered from templates/emails/auth/ with the links its
callers pass in."""

from flask_babel import get_locale
from sqlalchemy.orm import Session

from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.outbox.services import queue_email, render_email


def email_password_reset(session: Session, member: Member, link: str, minutes: int) -> None:
    """The reset link, in the member's language (else the page's, where they asked)."""
    locale = member.locale or str(get_locale() or "fr")
    email = render_email(
        "auth/reset_password", locale, _l("Reset your password"), link=link, minutes=minutes
    )
    queue_email(session, member.email, email.subject, email.text, email.html)
