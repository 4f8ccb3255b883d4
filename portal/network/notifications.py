"""What the network tells members; its emails are in templates/emails/network/."""

from sqlalchemy.orm import Session

from portal.directory.queries import members_with_skills
from portal.links import portal_path
from portal.members.models import Member
from portal.network.models import NetworkMessage, NetworkRequest, NetworkThread
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import notify, notify_all


def request_posted(session: Session, request: NetworkRequest) -> list[Member]:
    """Members whose listed skills match one of the request's tags are told (never its
    author). Returns them."""
    told = members_with_skills(session, request.tag_names, exclude_member_id=request.member_id)
    link = portal_path("network.detail", request_id=request.id)
    facts = {"member": request.member.full_name, "title": request.title}
    notify_all(session, told, Kind.NETWORK_REQUEST, link, **facts)
    return told


def message_written(session: Session, thread: NetworkThread, message: NetworkMessage) -> None:
    """The other one in the thread is told: the request's author of an answer, the answerer
    of a reply."""
    link = portal_path("network.thread", thread_id=thread.id)
    reader = thread.other_than(message.author)
    facts = {"member": message.author.full_name, "title": thread.request.title}
    notify(session, reader, Kind.NETWORK_MESSAGE, link, **facts)
