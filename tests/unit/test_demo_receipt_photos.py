"""The demo's receipt photos, drawn by `portal/demo/expenses.py`, show French names whole."""

from portal.demo.expenses import DEMO_RECEIPTS, till_font

# A private-use code point no font draws: what a font shows for a character it lacks.
MISSING = "\U000f0000"


def test_the_demo_receipts_type_draws_every_letter_of_their_suppliers():
    font = till_font(38)
    missing = bytes(font.getmask(MISSING))
    letters = {letter for supplier, *_ in DEMO_RECEIPTS for letter in supplier if letter != " "}
    assert "é" in letters  # "Bureau Vallée", "Hôtel du Parc"...
    assert [letter for letter in sorted(letters) if bytes(font.getmask(letter)) == missing] == []
