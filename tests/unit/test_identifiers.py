from portal.identifiers import (
    french_vat_number,
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
