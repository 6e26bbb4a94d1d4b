"""Phone and email normalization, table-driven."""

from __future__ import annotations

import pytest

from resolvers.contact import InvalidContact, normalize_email, normalize_phone, phone_key


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        # Brazil: formatting, spaces, dashes, parentheses, trunk 0, carrier code, country code
        ("(11) 99999-9999", "BR", "+5511999999999"),
        ("11999999999", "BR", "+5511999999999"),
        ("+55 11 9 9999 9999", "BR", "+5511999999999"),
        ("011 99999-9999", "BR", "+5511999999999"),
        ("0xx11 99999-9999", "BR", "+5511999999999"),
        ("55 11 99999-9999", "BR", "+5511999999999"),
        ("5511999999999", "BR", "+5511999999999"),
        ("+55 (21) 3333-4444", "BR", "+552133334444"),  # landline
        ("21 3333 4444", "BR", "+552133334444"),
        # Brazil: an old 8-digit mobile gains its ninth digit
        ("(11) 8888-7777", "BR", "+5511988887777"),
        ("+55 11 8888-7777", "BR", "+5511988887777"),
        # Portugal
        ("912 345 678", "PT", "+351912345678"),
        ("+351 21 234 5678", "BR", "+351212345678"),
        ("00351 912 345 678", "PT", "+351912345678"),
        # United States
        ("(415) 555-2671", "US", "+14155552671"),
        ("1-415-555-2671", "US", "+14155552671"),
        ("+1 415 555 2671", "BR", "+14155552671"),
        # Argentina: mobiles with 9, local 15 prefix
        ("+54 9 11 1234-5678", "AR", "+5491112345678"),
        ("011 15-1234-5678", "AR", "+5491112345678"),
        ("11 15 1234 5678", "AR", "+5491112345678"),
    ],
)
def test_valid_numbers_normalize_to_e164(raw, region, e164):
    assert normalize_phone(raw, region).e164 == e164


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("99999-9999", "BR"),  # a local number without its area code
        ("3333-4444", "BR"),
        ("12345", "BR"),
        ("not a number", "BR"),
        ("", "BR"),
        ("+55 11 1234", "BR"),
        ("555-2671", "US"),  # US local number without area code
        ("+999 123 456", "BR"),  # no such country
        ("(11) 99999-99999", "BR"),  # one digit too many
    ],
)
def test_invalid_numbers_are_refused(raw, region):
    with pytest.raises(InvalidContact):
        normalize_phone(raw, region)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("(11) 99999-9999", "(11) 9999-9999"),  # with and without the ninth digit
        ("+55 11 98888-7777", "11 8888 7777"),
        ("011 97777-6666", "+551177776666"),
    ],
)
def test_brazilian_mobiles_with_and_without_the_ninth_digit_share_a_key(a, b):
    assert normalize_phone(a, "BR").key == normalize_phone(b, "BR").key


def test_landlines_and_foreign_numbers_keep_their_e164_as_key():
    assert normalize_phone("21 3333-4444", "BR").key == "+552133334444"
    assert phone_key("+14155552671") == "+14155552671"
    assert normalize_phone("(11) 99999-9999", "BR").key != normalize_phone("(21) 99999-9999", "BR").key


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("  Ana.Silva@Example.COM ", "ana.silva@example.com"),
        ("ANA@EXAMPLE.COM", "ana@example.com"),
        ("joão@exemplo.com.br", "joão@exemplo.com.br"),
    ],
)
def test_emails_are_trimmed_and_case_insensitive(raw, normalized):
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize("raw", ["ana@", "@example.com", "ana example.com", "ana@@example.com", "ana@example"])
def test_invalid_emails_are_refused(raw):
    with pytest.raises(InvalidContact):
        normalize_email(raw)
