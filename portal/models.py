"""Every model, imported once so that Alembic and the tests see the whole schema."""

from portal.api.models import ApiClient, ApiToken, IdempotencyKey, RateWindow
from portal.audit.models import AuditEvent
from portal.auth.models import LoginFailure, LoginSession, PasswordResetRequest, PasswordResetToken
from portal.calendar.models import CalendarFeedToken
from portal.coop.models import ContributionBand, CoopSettings
from portal.db import Base
from portal.directory.models import CardSkill, DirectoryCard
from portal.expenses.models import ExpenseCategory, Receipt, ReceiptVat
from portal.meetings.models import Meeting, MeetingAttachment, MeetingInvitation, MeetingRsvp
from portal.members.models import Activity, Member
from portal.network.models import NetworkMessage, NetworkRequest, NetworkThread, RequestTag
from portal.notifications.models import Notification, NotificationSetting
from portal.outbox.models import OutboxMessage
from portal.page_versions import PageVersion

# Its flush hooks keep MonthTotals true wherever the models are loaded.
from portal.projection import running_totals  # noqa: F401
from portal.projection.models import BalanceSnapshot, MonthTotals, Payslip
from portal.quotes.models import Quote, QuoteLine
from portal.sales.models import (
    Customer,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payment,
    QuoteInvoice,
)
from portal.sync.models import Change, FeedDocument
from portal.transfers.models import InternalTransfer, InternalTransferLine
from portal.workshops.models import Booking, Workshop, WorkshopAudience

__all__ = [
    "Activity",
    "ApiClient",
    "ApiToken",
    "AuditEvent",
    "BalanceSnapshot",
    "Base",
    "Booking",
    "CalendarFeedToken",
    "CardSkill",
    "Change",
    "ContributionBand",
    "CoopSettings",
    "Customer",
    "DirectoryCard",
    "ExpenseCategory",
    "FeedDocument",
    "IdempotencyKey",
    "InternalTransfer",
    "InternalTransferLine",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "LoginFailure",
    "LoginSession",
    "Meeting",
    "MeetingAttachment",
    "MeetingInvitation",
    "MeetingRsvp",
    "Member",
    "MonthTotals",
    "NetworkMessage",
    "NetworkRequest",
    "NetworkThread",
    "Notification",
    "NotificationSetting",
    "OutboxMessage",
    "PageVersion",
    "PasswordResetRequest",
    "PasswordResetToken",
    "Payment",
    "Payslip",
    "Quote",
    "QuoteInvoice",
    "QuoteLine",
    "RateWindow",
    "Receipt",
    "ReceiptVat",
    "RequestTag",
    "Workshop",
    "WorkshopAudience",
]
