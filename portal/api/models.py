from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow

SCOPES = ("sync:read", "sync:write")


class ApiClient(Base):
    """A program allowed to call the API (the back office), authenticated by OAuth2 client
    credentials. Only a hash of its secret is stored; the secret is shown once, at creation."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(48), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def scope_list(self) -> list[str]:
        return scope_to_list(self.scopes) or []

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ApiToken(Base):
    """A bearer access token, short-lived; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[ApiClient] = relationship()


class IdempotencyKey(Base):
    """The first response to a write sent with an `Idempotency-Key`, replayed to retries.

    Written in the same transaction as the write itself, so either both the effect and its
    recorded response exist, or neither; the unique (client, key) pair means two concurrent
    requests with one key cannot both apply."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("client_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RateWindow(Base):
    """Requests a client made in one minute: kept in the database so that every app process
    counts against the same limit."""

    __tablename__ = "api_rate_windows"
    __table_args__ = (
        UniqueConstraint("client_id", "window_start"),
        Index("ix_api_rate_windows_window_start", "window_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)


class OAuthClient(ClientMixin):
    """What Authlib needs to know of an `ApiClient`, checked by the token endpoint."""

    def __init__(self, client: ApiClient, verify_secret) -> None:
        self.client = client
        self._verify_secret = verify_secret

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """What was asked, within what the client may have (everything it may, if it asked
        for nothing); None, which Authlib answers with `invalid_scope`, if nothing is left."""
        allowed = self.client.scope_list
        granted = allowed if not scope else [s for s in scope_to_list(scope) if s in allowed]
        return list_to_scope(granted) if granted else None

    def check_redirect_uri(self, redirect_uri) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return self._verify_secret(self.client, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class OAuthToken(TokenMixin):
    """What Authlib's resource protector needs to know of an `ApiToken`."""

    def __init__(self, token: ApiToken, now: datetime) -> None:
        self.token = token
        self.now = now

    def check_client(self, client) -> bool:
        return client.get_client_id() == self.token.client.client_id

    def get_scope(self) -> str:
        return self.token.scope

    def get_expires_in(self) -> int:
        return int((self.token.expires_at - self.token.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.token.expires_at <= self.now

    def is_revoked(self) -> bool:
        return self.token.revoked_at is not None or self.token.client.is_revoked

    def get_user(self):
        return None

    def get_client(self):
        return self.token.client
