"""French company identifiers: SIREN, SIRET and intra-EU VAT numbers (format and checksums)."""

import re

_VAT_FORMAT = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")


def compact(value: str) -> str:
    """Without spaces, dots and dashes, upper case: how people type them varies."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def is_valid_siren(value: str) -> bool:
    value = compact(value)
    return len(value) == 9 and value.isdigit() and _luhn_ok(value)


def is_valid_siret(value: str) -> bool:
    value = compact(value)
    if len(value) != 14 or not value.isdigit() or not is_valid_siren(value[:9]):
        return False
    # La Poste's establishments (SIREN 356000000) use a digit sum instead of Luhn.
    if value.startswith("356000000"):
        return sum(int(c) for c in value) % 5 == 0
    return _luhn_ok(value)


def french_vat_number(siren: str) -> str:
    """The French VAT number derived from a SIREN: FR + key + SIREN."""
    siren = compact(siren)
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def is_valid_vat_number(value: str) -> bool:
    """Any EU format; French numbers must also carry the right key for their SIREN."""
    value = compact(value)
    if not _VAT_FORMAT.match(value):
        return False
    if value.startswith("FR"):
        return (
            len(value) == 13
            and value[4:].isdigit()
            and is_valid_siren(value[4:])
            and value[2:4].isdigit()
            and french_vat_number(value[4:]) == value
        )
    return True


_IBAN_FORMAT = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC_FORMAT = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def is_valid_iban(value: str) -> bool:
    """ISO 13616: country, check digits, account; the whole passes the mod-97 check
    (French IBANs are 27 characters)."""
    value = compact(value)
    if not _IBAN_FORMAT.match(value) or (value.startswith("FR") and len(value) != 27):
        return False
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def is_valid_bic(value: str) -> bool:
    """ISO 9362: bank (4 letters), country (2 letters), location (2), optional branch (3)."""
    return bool(_BIC_FORMAT.match(compact(value)))


# An electronic invoicing address of the French directory (scheme 0225): what rule BR-FR-23
# of the e-invoicing schematron accepts.
_EINVOICING_ADDRESS_FORMAT = re.compile(r"^[A-Za-z0-9+\-_.]{1,125}$")


def is_valid_einvoicing_address(value: str) -> bool:
    """Letters, digits and `+ - _ .`, up to 125 characters: "542107651" (a SIREN, the
    default), "542107651_compta"."""
    return bool(_EINVOICING_ADDRESS_FORMAT.match(value))
