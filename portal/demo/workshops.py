"""A year of workshops, past and coming, with bookings and a waiting list."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from portal.dates import PARIS
from portal.db import utcnow
from portal.members.services import member_by_email
from portal.workshops.models import Attendance
from portal.workshops.services import (
    book_seat,
    create_or_update_workshop,
    record_attendance,
    workshop_by_ref,
)

# (ref, days from today, start hour, hours, seats, title, place, description, who books)
# Who books: members' emails in booking order; seats run out, the rest wait.
DEMO_WORKSHOPS = (
    (
        "DEMO-PAST-1",
        -300,
        9,
        3,
        12,
        "Bien démarrer dans la coopérative",
        "Salle Jacquard",
        "Le fonctionnement de la CAE, le parcours **accompagné → salarié → associé**, "
        "et les outils du portail.",
        ("camille@demo.coop", "leo@demo.coop"),
    ),
    (
        "DEMO-PAST-2",
        -200,
        14,
        2,
        10,
        "Fixer ses prix",
        "Salle Jacquard",
        "Calculer un prix de revient, un taux journalier, et savoir dire non.",
        ("camille@demo.coop", "sam@demo.coop"),
    ),
    (
        "DEMO-PAST-3",
        -90,
        9,
        3,
        8,
        "Prospecter sans se décourager",
        "En ligne",
        "- Trouver ses premiers clients\n- Relancer sans gêner\n- Suivre ses contacts",
        ("camille@demo.coop", "leo@demo.coop", "sam@demo.coop"),
    ),
    (
        "DEMO-PAST-4",
        -30,
        14,
        2,
        15,
        "Notes de frais et justificatifs",
        "Salle Jacquard",
        "Ce qui est remboursable, comment photographier un ticket, les délais.",
        ("camille@demo.coop",),
    ),
    (
        "DEMO-NEXT-1",
        6,
        9,
        3,
        12,
        "Réseaux sociaux pour indépendants",
        "Salle Jacquard",
        "Choisir **un** réseau et s'y tenir. Apportez votre téléphone.",
        ("camille@demo.coop", "sam@demo.coop"),
    ),
    (
        "DEMO-NEXT-2",
        13,
        14,
        2,
        2,
        "Devis et factures : les mentions obligatoires",
        "Salle Soie",
        "Atelier en petit groupe : venez avec un devis en cours.",
        ("leo@demo.coop", "sam@demo.coop", "camille@demo.coop"),
    ),
    (
        "DEMO-NEXT-3",
        20,
        18,
        2,
        20,
        "Devenir associé : questions-réponses",
        "En ligne",
        "Parts sociales, vote en assemblée générale, ce que cela change.",
        (),
    ),
    (
        "DEMO-NEXT-4",
        34,
        9,
        7,
        10,
        "Journée comptabilité",
        "Salle Jacquard",
        "Lire son compte de résultat et sa trésorerie dans le portail.",
        (),
    ),
)


def _paris(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def seed_demo_workshops(session: Session) -> Iterator[str]:
    """A year of workshops: past ones with attendance, coming ones with bookings, one full
    with a waiting list (Camille waits)."""
    today = utcnow().astimezone(PARIS).date()
    for ref, days, hour, hours, seats, title, place, description, emails in DEMO_WORKSHOPS:
        if workshop_by_ref(session, ref) is not None:
            continue
        starts_at = _paris(today + timedelta(days=days), hour)
        workshop = create_or_update_workshop(
            session,
            ref,
            {
                "title": title,
                "description": description,
                "facilitator": "Nadia Benali",
                "place": "" if place == "En ligne" else place,
                "video_url": "https://visio.example.org/atelier" if place == "En ligne" else "",
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(hours=hours),
                "seats": seats,
            },
        )
        booked_at = starts_at - timedelta(days=10)
        bookings = []
        for number, email in enumerate(emails):
            member = member_by_email(session, email)
            at = booked_at + timedelta(minutes=number)
            bookings.append(book_seat(session, workshop, member, by=member, now=at))
        if days < 0 and bookings:
            session.flush()  # the bookings' ids
            marks = {b.id: Attendance.PRESENT for b in bookings}
            marks[bookings[-1].id] = Attendance.EXCUSED if days == -90 else Attendance.PRESENT
            record_attendance(session, workshop, marks, starts_at + timedelta(hours=hours))
        yield f"Workshop: {title}"
