"""OAuth2 client credentials with Authlib: the token endpoint, and bearer tokens checked on
every API request."""

from dataclasses import dataclass

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ResourceProtector, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from flask import Flask, current_app, g, request

from portal.api.errors import ApiError
from portal.api.models import SCOPES, OAuthClient, OAuthToken
from portal.api.services import (
    MAX_TOKEN_SECONDS,
    active_client,
    count_request,
    save_token,
    token_for_bearer,
    verify_client_secret,
)
from portal.db import db, utcnow
from portal.transaction import write_transaction

READ_SCOPE, WRITE_SCOPE = SCOPES


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _query_client(client_id: str) -> OAuthClient | None:
    if not client_id or len(client_id) > 48 or "\x00" in client_id:
        return None
    client = active_client(db.session, client_id)
    return OAuthClient(client, verify_client_secret) if client else None


def _save_token(token: dict, oauth_request) -> None:
    save_token(db.session, oauth_request.client.client, token, utcnow())


authorization = AuthorizationServer()


def init_oauth(app: Flask) -> None:
    seconds = min(int(app.config["API_TOKEN_SECONDS"]), MAX_TOKEN_SECONDS)
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"client_credentials": seconds}
    app.config["OAUTH2_SCOPES_SUPPORTED"] = list(SCOPES)
    authorization.init_app(app, query_client=_query_client, save_token=_save_token)
    authorization.register_grant(ClientCredentialsGrant)


# --- resource protection -------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who is calling, once the bearer token is checked: kept on `g.api_caller`."""

    client_pk: int
    client_id: str
    scopes: frozenset[str]


class _Validator(BearerTokenValidator):
    def __init__(self, session, now) -> None:
        super().__init__()
        self.session = session
        self.now = now

    def authenticate_token(self, token_string: str) -> OAuthToken | None:
        if len(token_string) > 200 or "\x00" in token_string:
            return None
        token = token_for_bearer(self.session, token_string)
        return OAuthToken(token, self.now) if token else None


def authenticate_request() -> Caller:
    """Check the bearer token (401 if missing, unknown, expired or revoked; 403 if its scope
    does not cover the method: reads need sync:read, writes sync:write) and count the
    request against the client's rate limit (429).

    This runs in its own short transaction, committed at once: the count holds even when the
    request then fails and rolls back. On SQLite it takes the write lock from its first
    statement, so concurrent requests queue instead of failing on a stale snapshot."""
    scope = READ_SCOPE if request.method in ("GET", "HEAD", "OPTIONS") else WRITE_SCOPE
    now = utcnow()
    session = current_app.extensions["database"].sessionmaker()
    try:
        with write_transaction(session):
            protector = ResourceProtector()
            protector.register_token_validator(_Validator(session, now))
            try:
                token = protector.validate_request([scope], _HeadersOnly(request.headers))
            except OAuth2Error as error:
                raise _api_error(error, scope) from None
            client = token.token.client
            limit = int(current_app.config["API_RATE_LIMIT"])
            wait = count_request(session, client.id, now, limit)
            caller = Caller(client.id, client.client_id, frozenset(token.get_scope().split()))
    finally:
        session.close()
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            "Too many requests for this client; wait before trying again.",
            headers={"Retry-After": str(wait)},
        )
    g.api_caller = caller
    return caller


class _HeadersOnly:
    """What Authlib's resource protector reads of a request: its headers."""

    def __init__(self, headers) -> None:
        self.headers = headers


def _api_error(error: OAuth2Error, scope: str) -> ApiError:
    """Authlib's verdict in the API's error shape, with RFC 6750's WWW-Authenticate."""
    if error.status_code == 403:
        challenge = f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'
        return ApiError(
            403,
            "insufficient_scope",
            f"The token's scope does not allow this; it needs {scope}.",
            headers={"WWW-Authenticate": challenge},
        )
    challenge = 'Bearer realm="api"'
    if isinstance(error, InvalidTokenError):
        challenge += ', error="invalid_token"'
    return ApiError(
        401,
        "invalid_token",
        "A valid bearer token is needed: get one from /oauth/token.",
        headers={"WWW-Authenticate": challenge},
    )


def current_caller() -> Caller:
    return g.api_caller
