"""Every model, imported once so that Alembic and the tests see the whole schema."""

from portal.auth.models import LoginFailure, LoginSession, PasswordResetToken
from portal.coop.models import ContributionBand, CoopSettings
from portal.db import Base
from portal.members.models import Activity, Member
from portal.outbox.models import OutboxMessage
from portal.projection.models import BalanceSnapshot, Payslip
from portal.sync.models import Change

__all__ = [
    "Activity",
    "BalanceSnapshot",
    "Base",
    "Change",
    "ContributionBand",
    "CoopSettings",
    "LoginFailure",
    "LoginSession",
    "Member",
    "OutboxMessage",
    "PasswordResetToken",
    "Payslip",
]
