from portal.identifiers import (
    french_vat_number,
    is_valid_bic,
    is_valid_iban,
    is_valid_siren,
    is_valid_siret,
    is_valid_vat_number,
)


def test_siren_check_digit():
    assert is_valid_siren("732 829 320")
    assert not is_valid_siren("732829321")
    assert not is_valid_siren("73282932")
    assert not is_valid_siren("abcdefghi")


def test_siret_check_digit_and_la_poste_exception():
    assert is_valid_siret("73282932000074")
    assert not is_valid_siret("73282932000075")
    assert is_valid_siret("35600000049837")  # La Poste: digit sum divisible by 5
    assert not is_valid_siret("35600000049838")


def test_french_vat_number_key_comes_from_the_siren():
    assert french_vat_number("732829320") == "FR44732829320"
    assert is_valid_vat_number("FR 44 732 829 320")
    assert not is_valid_vat_number("FR45732829320")


def test_other_eu_vat_numbers_are_checked_for_format_only():
    assert is_valid_vat_number("DE123456789")
    assert not is_valid_vat_number("D1")


def test_iban_mod_97_check():
    assert is_valid_iban("FR76 3000 6000 0112 3456 7890 189")
    assert is_valid_iban("DE89370400440532013000")
    assert not is_valid_iban("FR7630006000011234567890188")  # one digit off
    assert not is_valid_iban("FR76300060000112345678901")  # a French IBAN has 27 characters
    assert not is_valid_iban("not an iban")


def test_bic_shape():
    assert is_valid_bic("AGRIFRPP")
    assert is_valid_bic("agri fr pp 882")
    assert not is_valid_bic("AGRI FR")
    assert not is_valid_bic("1GRIFRPP")
    assert not is_valid_bic("AGRIFRPP88")
