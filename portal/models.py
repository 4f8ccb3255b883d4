"""Every model, imported once so that Alembic and the tests see the whole schema."""

from portal.api.models import ApiClient, ApiToken, IdempotencyKey, RateWindow
from portal.auth.models import LoginFailure, LoginSession, PasswordResetToken
from portal.coop.models import CoopSettings
from portal.db import Base
from portal.members.models import Activity, Member
from portal.outbox.models import OutboxMessage
from portal.sync.models import Change

__all__ = [
    "Activity",
    "ApiClient",
    "ApiToken",
    "Base",
    "Change",
    "CoopSettings",
    "IdempotencyKey",
    "LoginFailure",
    "LoginSession",
    "Member",
    "OutboxMessage",
    "PasswordResetToken",
    "RateWindow",
]
