"""Sections of the support team's network page (`network.activity`) that other modules add:
each is a partial template and the function that loads what it shows. A module registers
its own when its views are imported; the page shows what is registered, nothing else."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ActivitySection:
    template: str  # a partial with its own <section> and <h2>
    load: Callable[[Session], dict]  # the partial's context


SECTIONS: list[ActivitySection] = []


def add_activity_section(template: str, load: Callable[[Session], dict]) -> None:
    section = ActivitySection(template, load)
    if section not in SECTIONS:  # a module imported twice registers once
        SECTIONS.append(section)
