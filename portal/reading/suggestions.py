"""What reading a receipt suggests: each field with how sure the reading is of it (0 to 1).

A suggestion is never a decision: the person confirms or corrects every field. A field the
reading could not find, or found contradicted, is None (its confidence absent)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

SOURCES = ("facturx", "text", "ocr")
# The VAT rates of the receipt form, as the JSON names them ("5.5", not "5.50").
RATES = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"))


def rate_key(rate: Decimal) -> str:
    """A rate as JSON and the form name it: 20 → "20", 5.50 → "5.5"."""
    text = f"{rate.normalize():f}"
    return text


@dataclass(frozen=True)
class Suggestions:
    source: str | None = None
    date: datetime.date | None = None
    total: Decimal | None = None  # incl. VAT
    vat: dict[Decimal, Decimal] = field(default_factory=dict)  # VAT amount by rate (percent)
    supplier: str | None = None
    siret: str | None = None
    confidence: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.date or self.total is not None or self.vat or self.supplier or self.siret)

    def as_json(self) -> dict:
        """Money as strings with two decimals, dates as ISO text, rates as "20", "5.5"."""
        return {
            "date": self.date.isoformat() if self.date else None,
            "total": f"{self.total:.2f}" if self.total is not None else None,
            "vat": {rate_key(rate): f"{amount:.2f}" for rate, amount in self.vat.items()},
            "supplier": self.supplier,
            "siret": self.siret,
            "source": self.source,
            "confidence": {name: round(value, 2) for name, value in self.confidence.items()},
        }

    @classmethod
    def from_json(cls, values: dict) -> "Suggestions":
        """Back from `as_json` (what the worker sends the request)."""
        return cls(
            source=values.get("source"),
            date=datetime.date.fromisoformat(values["date"]) if values.get("date") else None,
            total=Decimal(values["total"]) if values.get("total") else None,
            vat={Decimal(rate): Decimal(amount) for rate, amount in values["vat"].items()},
            supplier=values.get("supplier"),
            siret=values.get("siret"),
            confidence=dict(values.get("confidence") or {}),
        )


NOTHING = Suggestions()
