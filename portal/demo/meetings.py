"""A year of monthly meetings with their notes, and a general assembly coming."""

from collections.abc import Iterator
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dates import paris_to_utc
from portal.db import utcnow
from portal.meetings import services as meetings
from portal.meetings.models import Meeting
from portal.members.services import member_by_email

MEETING_THEMES = (
    ("Trésorerie et délais de paiement", "relances clients, acomptes, délais de paiement"),
    ("Prospection et réseau", "salons, bouche-à-oreille, sous-traitance entre membres"),
    ("Fixer ses prix", "calcul du prix de revient, contribution coopérative, marge"),
    ("Assurances et responsabilité", "responsabilité civile professionnelle, sinistres"),
    ("Outils numériques", "facturation sur le portail, photos des justificatifs"),
    ("Devenir associé", "parts sociales, vote en assemblée générale, engagement"),
    ("Formation professionnelle", "plan de formation, OPCO, ateliers thématiques"),
    ("Congés et temps de travail", "heures du contrat, congés payés, saisonnalité"),
    ("Communication", "site web, réseaux sociaux, cartes de visite de la coopérative"),
    ("Frais professionnels", "notes de frais, indemnités kilométriques, justificatifs"),
    ("Bilan de l'année", "chiffre d'affaires collectif, projets, nouveaux membres"),
    ("Entraide et sous-traitance", "annuaire des compétences, chantiers communs"),
)


def _first_tuesday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def _month_back(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 - months
    return index // 12, index % 12 + 1


def seed_meetings(session: Session) -> Iterator[str]:
    """A year of monthly meetings with notes (camille has not read the last two), the next
    one that camille has not answered yet, and a general assembly for the associés (sam)."""
    if session.scalar(select(Meeting.id).limit(1)) is not None:
        return
    now = utcnow()
    today = meetings.paris_time(now).date()
    camille, leo, sam = (
        member_by_email(session, f"{name}@demo.coop") for name in ("camille", "leo", "sam")
    )
    past = []
    for months_back in range(12, 0, -1):
        year, month = _month_back(today, months_back)
        day = _first_tuesday(year, month)
        theme, topics = MEETING_THEMES[month - 1]
        details = meetings.MeetingDetails(
            title=f"Réunion mensuelle : {theme}",
            day=day,
            start=time(18, 30),
            end=time(20, 30),
            location="Salle commune, 12 rue de la Coopération, Lyon",
            agenda=f"1. Tour de table\n2. {theme} ({topics})\n3. Questions diverses",
        )
        starts = paris_to_utc(day, time(18, 30))
        meeting = meetings.schedule_meeting(session, details, starts - timedelta(days=20))
        for member, answer, comment in (
            (camille, "yes", ""),
            (leo, "maybe" if month % 3 else "no", "Chantier en cours" if month % 3 == 0 else ""),
            (sam, "yes", "J'arriverai vers 19 h" if month % 4 == 0 else ""),
        ):
            meetings.answer_invitation(
                session, meeting, member, answer, comment, starts - timedelta(days=5)
            )
        notes = (
            f"## {theme}\n\nPrésents : Camille, Sam et l'équipe d'accompagnement.\n\n"
            f"Nous avons parlé de : {topics}.\n\n"
            "- Chacun partage une difficulté du mois et une réussite.\n"
            "- L'équipe rappelle que les factures se saisissent sur le portail.\n\n"
            "**Prochaine étape** : un atelier sur le sujet sera proposé.\n"
        )
        after = starts + timedelta(days=1)
        meetings.publish_notes(session, meeting, notes, [], after)
        meetings.set_attendance(session, meeting, {camille.id, sam.id}, after)
        past.append((meeting, after))
    for meeting, after in past[:-2]:
        invitation = meetings.invitation_for(session, meeting, camille)
        meetings.mark_notes_read(session, invitation, after + timedelta(days=1))
    yield "Meetings: a year of monthly meetings with notes"

    year, month = _month_back(today, -1)
    upcoming = _first_tuesday(year, month)
    meeting = meetings.schedule_meeting(
        session,
        meetings.MeetingDetails(
            title="Réunion mensuelle : préparer la rentrée",
            day=upcoming,
            start=time(18, 30),
            end=time(20, 30),
            location="Salle commune, 12 rue de la Coopération, Lyon",
            video_url="https://visio.example.org/cae-reunion",
            agenda="1. Nouvelles des membres\n2. Ateliers du trimestre\n3. Pot de l'amitié",
        ),
        now,
    )
    meetings.answer_invitation(session, meeting, leo, "yes", "", now)
    meetings.schedule_meeting(
        session,
        meetings.MeetingDetails(
            title="Assemblée générale ordinaire",
            day=today + timedelta(days=24),
            start=time(10, 0),
            end=time(12, 30),
            location="Maison des associations, Lyon",
            agenda="1. Rapport de gestion\n2. Approbation des comptes\n3. Élection du conseil",
            general_assembly=True,
        ),
        now,
    )
    yield "Meetings: the next monthly meeting and a general assembly"
