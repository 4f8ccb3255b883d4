"""The French catalogue reads like French: its typography, its plurals and one word per thing,
as docs/glossary.md lists them."""

import re

from babel.messages.pofile import read_po

from portal import ROOT

CATALOGUE = ROOT / "portal" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
GLOSSARY = ROOT / "docs" / "glossary.md"


def french_texts() -> list[str]:
    with CATALOGUE.open("rb") as file:
        messages = [m for m in read_po(file) if m.id]
    return [s for m in messages for s in (m.string if isinstance(m.string, tuple) else [m.string])]


def forbidden_words() -> dict[str, str]:
    """The glossary's "not" column: each word, with the one to use instead."""
    words = {}
    for line in GLOSSARY.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2] not in ("", "not", "---"):
            words |= {word.strip(): cells[1] for word in cells[2].split(",")}
    return words


def test_the_glossary_names_forbidden_synonyms():
    words = forbidden_words()
    assert words["équipe d'appui"] == "équipe d'accompagnement"
    assert words["justificatif"] == "dépense"


def test_french_texts_use_one_word_per_thing():
    found = {
        (word, text)
        for word in forbidden_words()
        for text in french_texts()
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE)
    }
    assert found == set()


def test_french_punctuation_has_its_non_breaking_space():
    """ ":" takes a non-breaking space (U+00A0 or the narrow U+202F) before it, ";", "?" and
    "!" too, so that the sign never starts a line; a URL's or a time's colon is not
    punctuation."""
    wrong = [
        text
        for text in french_texts()
        if re.search(r"(^|[^\u00a0\u202f])[:;?!](?=\s|$)", text, re.MULTILINE)
        or re.search(r"« | »", text)
    ]
    assert wrong == []


def test_plurals_are_words_not_brackets():
    assert [text for text in french_texts() if re.search(r"\w\((e?s|e)\)", text)] == []
