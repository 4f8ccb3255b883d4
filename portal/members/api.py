"""The members in the sync API: `GET` and `PUT /api/v1/members/{ref}` and the feed's
`member`."""

from decimal import Decimal

from flask import Blueprint, current_app, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.api import inputs
from portal.api.errors import ApiError
from portal.api.idempotency import idempotent
from portal.api.oauth import current_caller
from portal.api.serializers import (
    decimal_string,
    iso,
    money,
    register,
    register_batch,
    row_ids,
)
from portal.coop.models import CoopSettings
from portal.coop.services import contribution_rate_for, get_coop_settings
from portal.db import db, id_from_text
from portal.members.models import Activity, Member, MemberStatus
from portal.members.services import CONTRACT_LIMITS, member_by_ref, put_entrepreneur
from portal.money import to_cents

# Nested under the API's blueprint: /api/v1 and its token check (portal/blueprints.py).
bp = Blueprint("members", __name__)


MEMBER_COLUMNS = (
    Member.id,
    Member.email,
    Member.full_name,
    Member.role,
    Member.status,
    Member.active,
    Member.contract_hours_per_week,
    Member.hourly_gross_rate_cents,
    Member.contribution_rate,
    Member.created_at,
)


def member_representation(
    session: Session, member: Member, settings: CoopSettings | None = None
) -> dict:
    activity_names = [activity.name for activity in member.activities]
    return _member_data(member, activity_names, settings or get_coop_settings(session))


def _member_data(member, activity_names: list[str], settings: CoopSettings) -> dict:
    """`member`: a Member, or a row of MEMBER_COLUMNS."""
    return {
        "id": member.id,
        "email": member.email,
        "name": member.full_name,
        "role": str(member.role),
        "status": str(member.status) if member.status else None,
        "active": member.active,
        "contract": {
            "hours_per_week": decimal_string(member.contract_hours_per_week),
            "hourly_rate": money(cents=member.hourly_gross_rate_cents),
            "contribution_rate": decimal_string(member.contribution_rate),
            "effective_contribution_rate": decimal_string(contribution_rate_for(member, settings)),
        },
        "activities": sorted(activity_names),
        "created_at": iso(member.created_at),
    }


@register_batch("member")
def members_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    """Members with their activities' names, read as plain rows: two queries a page (the
    initial sync reads every member in pages of 1,000)."""
    ids = row_ids(entity_ids)
    activity_names: dict[int, list[str]] = {}
    activities = select(Activity.member_id, Activity.name).where(Activity.member_id.in_(ids))
    for member_id, name in session.execute(activities):
        activity_names.setdefault(member_id, []).append(name)
    settings = get_coop_settings(session)
    rows = session.execute(select(*MEMBER_COLUMNS).where(Member.id.in_(ids)))
    return {
        str(row.id): _member_data(row, activity_names.get(row.id, []), settings) for row in rows
    }


@register("member")
def member_data(session: Session, entity_id: str) -> dict | None:
    member_id = id_from_text(entity_id)
    if member_id is None:
        return None
    member = session.get(Member, member_id, options=[selectinload(Member.activities)])
    return member_representation(session, member) if member else None


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
    hours = CONTRACT_LIMITS["contract_hours_per_week"]
    changes = {
        "full_name": inputs.text(body, "name", 120),
        "status": MemberStatus(status) if status else None,
        "contract_hours_per_week": inputs.decimal(
            body, "hours_per_week", hours.lowest, hours.highest
        ),
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
        response.headers["Location"] = url_for("api.members.member", ref=str(saved.id))
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
