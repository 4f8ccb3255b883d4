"""Meetings in the sync API: meetings and RSVPs in the feed, and who answered what to a
meeting (every invited member, answered or not)."""

import re

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.api.errors import ApiError
from portal.api.serializers import iso, register_batch, register_rows, row_ids
from portal.db import db
from portal.meetings.models import Meeting, MeetingRsvp
from portal.meetings.services import answers_overview

# Nested under the API's blueprint: /api/v1 and its token check (portal/blueprints.py).
bp = Blueprint("meetings", __name__)

REF_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,12}$")


def meeting_representation(meeting: Meeting) -> dict:
    return {
        "id": meeting.id,
        "ref": meeting.ref,
        "title": meeting.title,
        "starts_at": iso(meeting.starts_at),
        "ends_at": iso(meeting.ends_at),
        "location": meeting.location,
        "video_url": meeting.video_url or None,
        "is_general_assembly": meeting.is_general_assembly,
        "audience": meeting.audience_statuses,
        "notes_published_at": iso(meeting.notes_published_at),
    }


def rsvp_representation(rsvp: MeetingRsvp, meeting: Meeting) -> dict:
    return {
        "id": rsvp.id,
        "meeting_id": meeting.id,
        "meeting_ref": meeting.ref,
        "member_id": rsvp.member_id,
        "member": rsvp.member.email,
        "answer": rsvp.answer.value,
        "comment": rsvp.comment,
        "answered_at": iso(rsvp.answered_at),
    }


register_rows("meeting", Meeting, meeting_representation)


@register_batch("rsvp")
def rsvps_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    rows = session.execute(
        select(MeetingRsvp, Meeting)
        .join(Meeting, Meeting.id == MeetingRsvp.meeting_id)
        .where(MeetingRsvp.id.in_(row_ids(entity_ids)))
        .options(joinedload(MeetingRsvp.member))
    )
    return {str(rsvp.id): rsvp_representation(rsvp, meeting) for rsvp, meeting in rows}


@bp.get("/meetings/<ref>/rsvps")
def meeting_rsvps(ref: str):
    """Every invited member, by name: `answer` is null for those who have not answered yet,
    `attended` null until the support team marks attendance."""
    meeting = (
        db.session.scalar(select(Meeting).where(Meeting.ref == ref))
        if REF_FORMAT.match(ref)
        else None
    )
    if meeting is None:
        raise ApiError(404, "not_found", "No meeting has this ref.")
    return {
        "meeting": meeting_representation(meeting),
        "items": [
            {
                "member": row.member.email,
                "name": row.member.full_name,
                "answer": row.rsvp.answer.value if row.rsvp else None,
                "comment": row.rsvp.comment if row.rsvp else None,
                "answered_at": iso(row.rsvp.answered_at) if row.rsvp else None,
                "attended": row.invitation.attended,
            }
            for row in answers_overview(db.session, meeting).rows
        ],
    }
