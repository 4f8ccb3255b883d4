"""The API's URL map. Every endpoint needs a bearer token (reads: sync:read, writes:
sync:write) except the OpenAPI document; every write is `@idempotent`.

Another module adds its endpoints to `bp` in its own `api.py`, imported by
`portal.api.register_api` (see the README's "Sync API" section)."""

import importlib
from decimal import Decimal
from functools import cache
from pathlib import Path

import orjson
import yaml
from flask import Blueprint, Response, current_app, jsonify, request, url_for

from portal.api import inputs
from portal.api.errors import ApiError, problem
from portal.api.idempotency import idempotent
from portal.api.oauth import authenticate_request, authorization, current_caller
from portal.api.serializers import BATCH_SERIALIZERS, SERIALIZERS, member_representation
from portal.api.services import BadCursor, decode_cursor, feed_page
from portal.db import db
from portal.errors import DomainError
from portal.members.models import MemberStatus
from portal.members.services import member_by_ref, put_entrepreneur
from portal.money import to_cents

bp = Blueprint("api", __name__, url_prefix="/api/v1")
oauth_bp = Blueprint("oauth", __name__, url_prefix="/oauth")

# Endpoints anyone may read: the contract itself.
PUBLIC_ENDPOINTS = {"api.openapi"}
OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")


@bp.before_request
def require_token():
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate_request()


@bp.after_request
def cache_headers(response: Response) -> Response:
    """Reads carry an ETag and answer 304 to a matching If-None-Match; nothing is kept in a
    shared cache."""
    if request.method == "GET" and response.status_code == 200 and response.is_json:
        response.add_etag()
        response = response.make_conditional(request)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    return problem(ApiError(422, "rule_broken", str(error), field=error.field))


@oauth_bp.post("/token")
def token():
    """OAuth2 client credentials: client_secret_basic or client_secret_post."""
    return authorization.create_token_response()


@bp.get("/openapi.json")
def openapi():
    return jsonify(_openapi_document())


@cache
def _openapi_document() -> dict:
    return yaml.safe_load(OPENAPI_FILE.read_text())


# --- change feed ---------------------------------------------------------------------------

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


@bp.get("/changes")
def changes():
    after = 0
    if "after" in request.args:
        try:
            after = decode_cursor(request.args["after"])
        except BadCursor:
            raise ApiError(
                400, "invalid_cursor", "`after` is a cursor returned as `next` by this feed."
            ) from None
    limit_text = request.args.get("limit", str(DEFAULT_LIMIT))
    digits = limit_text.isascii() and limit_text.isdigit()
    if not digits or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise ApiError(400, "invalid_limit", f"`limit` is a whole number from 1 to {MAX_LIMIT}.")
    page = feed_page(db.session, after, int(limit_text), SERIALIZERS, BATCH_SERIALIZERS)
    return _feed_json({"items": page.items, "next": page.next, "has_more": page.has_more})


# Keys sorted, no spaces, dates and dataclasses left to Flask's encoder: what `jsonify` writes,
# except that text is UTF-8 rather than \u escapes.
FEED_JSON_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _feed_json(body: dict) -> Response:
    """A page of up to 1,000 items, so written by orjson: a tenth of what the standard
    library's encoder costs for the same JSON."""
    data = orjson.dumps(body, default=current_app.json.default, option=FEED_JSON_OPTIONS)
    return Response(data + b"\n", mimetype=current_app.json.mimetype)


# --- members -------------------------------------------------------------------------------


def _member_or_404(ref: str):
    member = member_by_ref(db.session, ref)
    if member is None:
        raise ApiError(404, "not_found", "No member has this id or email.")
    return member


@bp.get("/members/<ref>")
def member(ref: str):
    return member_representation(db.session, _member_or_404(ref))


MEMBER_FIELDS = (
    "email",
    "name",
    "status",
    "hours_per_week",
    "hourly_rate",
    "contribution_rate",
    "activities",
)


@bp.put("/members/<ref>")
@idempotent
def put_member(ref: str):
    body = inputs.json_body()
    inputs.only_fields(body, MEMBER_FIELDS)
    existing = member_by_ref(db.session, ref)
    email = inputs.email(body, "email")
    if existing is None:
        if "@" not in ref:
            raise ApiError(404, "not_found", "No member has this id; create one by its email.")
        ref_email = inputs.email({"ref": ref}, "ref")
        if email is not None and email != ref_email:
            raise inputs.invalid("email", "On creation, `email` is the email in the URL.")
        email = ref_email
    _check_if_match(existing)
    status = inputs.choice(body, "status", tuple(s.value for s in MemberStatus))
    rate = inputs.money(body, "hourly_rate")
    changes = {
        "full_name": inputs.text(body, "name", 120),
        "status": MemberStatus(status) if status else None,
        "contract_hours_per_week": inputs.decimal(body, "hours_per_week", Decimal(0), Decimal(48)),
        "hourly_gross_rate_cents": to_cents(rate) if rate is not None else None,
        "activities": inputs.string_list(body, "activities", 20, 120),
    }
    if "contribution_rate" in body:
        changes["contribution_rate"] = inputs.decimal(
            body, "contribution_rate", Decimal(0), Decimal("0.9999"), nullable=True
        )
    by = f"API {current_caller().client_id}"
    saved, created = put_entrepreneur(
        db.session, existing, email or existing.email, by=by, **changes
    )
    response = jsonify(member_representation(db.session, saved))
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = url_for("api.member", ref=str(saved.id))
    return response


def _check_if_match(member) -> None:
    """`If-Match` with the ETag of a read: refused with 412 if the member changed since, so
    that a write never overwrites what its sender has not seen."""
    if not request.if_match:
        return
    if member is None:
        raise ApiError(412, "precondition_failed", "The member does not exist.")
    current = current_app.make_response(member_representation(db.session, member))
    current.add_etag()
    if not request.if_match.contains(current.get_etag()[0]):
        raise ApiError(412, "precondition_failed", "The member changed since it was read.")


# Modules whose endpoints join this blueprint, imported here so that their routes exist
# before the blueprint is registered: each module adds its `portal.<module>.api` in one line.
API_MODULES: tuple[str, ...] = (
    "portal.sales.api",
    "portal.expenses.api",
    "portal.workshops.api",
    "portal.meetings.api",
    "portal.projection.api",
)

for _module in API_MODULES:
    importlib.import_module(_module)
