"""The mail of the members module, rendered from templates/emails/members/."""

from sqlalchemy.orm import Session

from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.outbox.services import queue_email, render_email


def email_login_changed(session: Session, member: Member, old_email: str) -> None:
    """Tell both addresses, in the member's language: the old one may be the only one its
    owner still reads, if the change was not theirs."""
    email = render_email(
        "members/email_changed",
        member.locale or "fr",
        _l("Your login email for the portal has changed"),
        member=member,
        old_email=old_email,
    )
    for recipient in (old_email, member.email):
        queue_email(session, recipient, email.subject, email.text, email.html)


def email_invitation(session: Session, member: Member, by: Member, link: str, days: int) -> None:
    """The link to choose a password, in the language chosen for the member."""
    email = render_email(
        "members/invitation",
        member.locale or "fr",
        _l("You are invited to your coop's portal"),
        member=member,
        by=by,
        link=link,
        days=days,
    )
    queue_email(session, member.email, email.subject, email.text, email.html)
