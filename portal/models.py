"""Every model, imported once so that Alembic and the tests see the whole schema."""

from portal.auth.models import LoginFailure, LoginSession, PasswordResetToken
from portal.coop.models import ContributionBand, CoopSettings
from portal.db import Base
from portal.expenses.models import ExpenseCategory, Receipt, ReceiptVat
from portal.members.models import Activity, Member
from portal.outbox.models import OutboxMessage
from portal.projection.models import BalanceSnapshot, Payslip
from portal.sales.models import Customer, Invoice, InvoiceCounter, InvoiceLine, Payment
from portal.sync.models import Change

__all__ = [
    "Activity",
    "BalanceSnapshot",
    "Base",
    "Change",
    "ContributionBand",
    "CoopSettings",
    "Customer",
    "ExpenseCategory",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "LoginFailure",
    "LoginSession",
    "Member",
    "OutboxMessage",
    "PasswordResetToken",
    "Payment",
    "Payslip",
    "Receipt",
    "ReceiptVat",
]
