"""`@idempotent`: the `Idempotency-Key` contract of every API write (POST, PUT, PATCH).

A retry with the same key and the same request gets the first response again, byte for
byte, with `Idempotent-Replayed: true`, and changes nothing; the same key with another
request is a 422; a missing key is a 400. Only successful responses are kept: a request that
failed changed nothing, and may be retried with the same key. Keys are kept 24 hours
(`API_IDEMPOTENCY_HOURS`)."""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from flask import Response, current_app, make_response, request

from portal.api.errors import ApiError
from portal.api.oauth import current_caller
from portal.api.services import (
    IDEMPOTENCY_KEY_FORMAT,
    KeyReused,
    StoredResponse,
    claim_idempotency_key,
    record_response,
)
from portal.db import db, utcnow


def request_fingerprint() -> str:
    """Method, path, query and body; a JSON body in canonical form, so that a client that
    re-serialises its retry with keys in another order is still recognised."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def idempotent(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            raise ApiError(
                400, "idempotency_key_missing", "Send an Idempotency-Key header with every write."
            )
        if not IDEMPOTENCY_KEY_FORMAT.match(key):
            raise ApiError(
                400,
                "idempotency_key_invalid",
                "The Idempotency-Key is 1 to 255 visible ASCII characters (a UUID is ideal).",
            )
        keep = timedelta(hours=current_app.config["API_IDEMPOTENCY_HOURS"])
        try:
            claim = claim_idempotency_key(
                db.session, current_caller().client_pk, key, request_fingerprint(), utcnow(), keep
            )
        except KeyReused:
            raise ApiError(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was already used with a different request.",
            ) from None
        if isinstance(claim, StoredResponse):
            replay = Response(claim.body, claim.status, content_type=claim.content_type)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:
            record_response(
                db.session,
                claim,
                response.status_code,
                response.content_type,
                response.get_data(as_text=True),
            )
        return response

    wrapper.idempotent = True
    return wrapper
