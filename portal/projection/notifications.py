"""What the projection module tells members; its emails are in templates/emails/projection/."""

from sqlalchemy.orm import Session

from portal.links import portal_path
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import notify
from portal.projection.models import Payslip


def payslip_recorded(session: Session, payslip: Payslip) -> None:
    """The back office recorded a payslip: the member's projection now counts it."""
    notify(
        session,
        payslip.member,
        Kind.PAYSLIP_RECORDED,
        portal_path("home.index"),
        period_month=payslip.period,
        net_cents=payslip.net_cents,
    )
