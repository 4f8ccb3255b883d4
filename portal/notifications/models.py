"""What members are told, in the app and by email, and how each wants to be told by email.

A notification keeps its kind and the facts it needs (`params`, JSON), not a sentence: its
text is the kind's, translated when it is shown, in the reader's language of the moment."""

import enum
from datetime import datetime

from flask_babel import format_date, format_datetime
from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, LabelledEnum, UTCDateTime, str_enum, utcnow
from portal.formats import money_text
from portal.i18n import gettext
from portal.i18n import lazy_gettext as _l


def N_(message: str) -> str:
    """Mark a message for the catalogue; it is translated later, with its parameters."""
    return message


class Audience(enum.StrEnum):
    MEMBER = "member"  # what happened to their own invoices, receipts, bookings, meetings
    STAFF = "staff"  # new items in the support team's queue


class EmailDelivery(LabelledEnum):
    AT_ONCE = "at_once", _l("At once")
    DAILY = "daily", _l("In a daily summary")
    OFF = "off", _l("No email")


class NotificationKind(enum.StrEnum):
    """Each kind: the module whose templates hold its email (`emails/<module>/<kind>`), its
    text with `%(name)s` parameters (the in-app line and the email's subject), the label of
    its email setting, and whom it is for. Parameters named `*_at` are UTC timestamps,
    `*_cents` amounts, `*_month` months ("2026-11"): shown in the reader's language."""

    def __new__(cls, value: str, module: str, text: str, setting, audience=Audience.MEMBER):
        member = str.__new__(cls, value)
        member._value_ = value
        member.module = module
        member.text = text
        member.setting = setting
        member.audience = audience
        return member

    INVOICE_VALIDATED = (
        "invoice_validated",
        "sales",
        N_("Invoice %(number)s to %(customer)s is validated"),
        _l("An invoice is validated"),
    )
    INVOICE_RETURNED = (
        "invoice_returned",
        "sales",
        N_("Your invoice to %(customer)s was returned: %(comment)s"),
        _l("An invoice is returned to you"),
    )
    INVOICE_PAID = (
        "invoice_paid",
        "sales",
        N_("Invoice %(number)s to %(customer)s is paid"),
        _l("An invoice is paid"),
    )
    CREDIT_NOTE_REFUNDED = (
        "credit_note_refunded",
        "sales",
        N_("%(customer)s is paid back %(amount_cents)s on credit note %(number)s"),
        _l("A customer is paid back on a credit note"),
    )
    INVOICE_REMINDED = (
        "invoice_reminded",
        "sales",
        N_("An automatic reminder of invoice %(number)s went to %(customer)s"),
        _l("An automatic reminder goes to a customer"),
    )
    QUOTE_VALIDATED = (
        "quote_validated",
        "quotes",
        N_("Quote %(number)s to %(customer)s is validated"),
        _l("A quote is validated"),
    )
    QUOTE_RETURNED = (
        "quote_returned",
        "quotes",
        N_("Your quote to %(customer)s was returned: %(comment)s"),
        _l("A quote is returned to you"),
    )
    QUOTE_ACCEPTED = (
        "quote_accepted",
        "quotes",
        N_("%(customer)s accepted quote %(number)s"),
        _l("A customer accepts a quote"),
    )
    QUOTE_REFUSED = (
        "quote_refused",
        "quotes",
        N_("%(customer)s refused quote %(number)s: %(reason)s"),
        _l("A customer refuses a quote"),
    )
    RECEIPT_APPROVED = (
        "receipt_approved",
        "expenses",
        N_("Your receipt “%(label)s” is approved"),
        _l("A receipt is approved"),
    )
    RECEIPT_REFUSED = (
        "receipt_refused",
        "expenses",
        N_("Your receipt “%(label)s” was refused: %(reason)s"),
        _l("A receipt is refused"),
    )
    RECEIPT_REIMBURSED = (
        "receipt_reimbursed",
        "expenses",
        N_("Your receipt “%(label)s” is reimbursed: %(amount_cents)s"),
        _l("A receipt is reimbursed"),
    )
    PAYSLIP_RECORDED = (
        "payslip_recorded",
        "projection",
        N_("Your payslip of %(period_month)s is recorded"),
        _l("A payslip is recorded"),
    )
    BOOKING_CONFIRMED = (
        "booking_confirmed",
        "workshops",
        N_("Your seat is booked: %(title)s, %(starts_at)s"),
        _l("A workshop seat is booked"),
    )
    BOOKING_PROMOTED = (
        "booking_promoted",
        "workshops",
        N_("A seat came free: you are booked for %(title)s, %(starts_at)s"),
        _l("A seat comes free for you on a waiting list"),
    )
    WORKSHOP_CHANGED = (
        "workshop_changed",
        "workshops",
        N_("The workshop %(title)s has changed: now %(starts_at)s"),
        _l("A workshop you booked changes"),
    )
    WORKSHOP_CANCELLED = (
        "workshop_cancelled",
        "workshops",
        N_("Workshop cancelled: %(title)s, %(starts_at)s"),
        _l("A workshop you booked is cancelled"),
    )
    MEETING_INVITATION = (
        "meeting_invitation",
        "meetings",
        N_("You are invited: %(title)s, %(starts_at)s"),
        _l("You are invited to a meeting"),
    )
    MEETING_REMINDER = (
        "meeting_reminder",
        "meetings",
        N_("Reminder: %(title)s, %(starts_at)s"),
        _l("A reminder to answer an invitation"),
    )
    MEETING_NOTES = (
        "meeting_notes",
        "meetings",
        N_("The notes of %(title)s are published"),
        _l("A meeting's notes are published"),
    )
    NETWORK_REQUEST = (
        "network_request",
        "network",
        N_("%(member)s asks the network: %(title)s"),
        _l("A request to the network matches your skills"),
    )
    NETWORK_MESSAGE = (
        "network_message",
        "network",
        N_("%(member)s wrote to you about “%(title)s”"),
        _l("An answer or a message about a request to the network"),
    )
    TRANSFER_ISSUED = (
        "transfer_issued",
        "transfers",
        N_("%(member)s sent you an internal transfer of %(amount_cents)s to accept"),
        _l("An internal transfer is sent to you"),
    )
    TRANSFER_ACCEPTED = (
        "transfer_accepted",
        "transfers",
        N_("%(member)s accepted your internal transfer of %(amount_cents)s"),
        _l("Your internal transfer is accepted"),
    )
    TRANSFER_REFUSED = (
        "transfer_refused",
        "transfers",
        N_("%(member)s refused your internal transfer: %(reason)s"),
        _l("Your internal transfer is refused"),
    )
    TRANSFER_VALIDATED = (
        "transfer_validated",
        "transfers",
        N_("Internal transfer %(number)s is validated: %(amount_cents)s"),
        _l("An internal transfer is validated"),
    )
    INVOICE_SUBMITTED = (
        "invoice_submitted",
        "sales",
        N_("%(member)s sent an invoice to %(customer)s for validation"),
        _l("An invoice awaits validation"),
        Audience.STAFF,
    )
    TRANSFER_TO_VALIDATE = (
        "transfer_to_validate",
        "transfers",
        N_("An internal transfer from %(member)s to %(contractor)s awaits validation"),
        _l("An internal transfer awaits validation"),
        Audience.STAFF,
    )
    QUOTE_SUBMITTED = (
        "quote_submitted",
        "quotes",
        N_("%(member)s sent a quote to %(customer)s for validation"),
        _l("A quote awaits validation"),
        Audience.STAFF,
    )
    RECEIPT_SUBMITTED = (
        "receipt_submitted",
        "expenses",
        N_("%(member)s sent a receipt to check: “%(label)s”"),
        _l("A receipt awaits checking"),
        Audience.STAFF,
    )

    @property
    def default_delivery(self) -> EmailDelivery:
        # The support team's queue fills all day: one summary a day unless they ask.
        return EmailDelivery.DAILY if self.audience is Audience.STAFF else EmailDelivery.AT_ONCE

    @property
    def template(self) -> str:
        return f"{self.module}/{self.value}"

    @classmethod
    def for_audience(cls, audience: Audience) -> list["NotificationKind"]:
        return [kind for kind in cls if kind.audience is audience]


EMAIL_COMPOSER = "notification"


class Notification(Base):
    """One thing that happened to a member, written in the transaction of the change."""

    __tablename__ = "notifications"
    # The header's unread count on every page: one look-up in this index.
    __table_args__ = (Index("ix_notifications_member_unread", "member_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        str_enum(NotificationKind, "notification_kind", length=40)
    )
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # A path inside the portal ("/invoices/12"), made absolute for mail (portal.links).
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Waiting for the member's daily summary (`portal send-digest`).
    awaits_digest: Mapped[bool] = mapped_column(Boolean, default=False)

    def text(self) -> str:
        """The notification's sentence in the reader's language (`display_params`)."""
        return gettext(self.kind.text, **display_params(self.params))


def display_params(params: dict) -> dict:
    """Parameters as the reader reads them: timestamps in Paris time, amounts in euros,
    months by name, in the language in force."""
    shown = {}
    for name, value in params.items():
        if name.endswith("_at") and value:
            value = format_datetime(datetime.fromisoformat(value), "EEEE d MMMM y, HH:mm")
        elif name.endswith("_cents") and value is not None:
            value = money_text(value, cents=True)
        elif name.endswith("_month") and value:
            value = format_date(datetime.fromisoformat(value + "-01").date(), "LLLL y")
        shown[name] = value
    return shown


class NotificationSetting(Base):
    """A member's choice of email for one kind; without a row, the kind's default."""

    __tablename__ = "notification_settings"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(
        str_enum(NotificationKind, "notification_kind", length=40), primary_key=True
    )
    email: Mapped[EmailDelivery] = mapped_column(str_enum(EmailDelivery, "email_delivery"))
