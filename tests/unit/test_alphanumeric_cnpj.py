"""CPF and CNPJ normalization, including the alphanumeric CNPJ issued since July 2026."""

from __future__ import annotations

import pytest

from resolvers.contact import InvalidContact
from resolvers.documents import is_valid_cnpj, normalize_document, search_prefix


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("12.ABC.345/01DE-35", "12ABC34501DE35"),  # the Receita Federal's example
        ("12abc34501de35", "12ABC34501DE35"),
        (" 12 ABC 345 01DE 35 ", "12ABC34501DE35"),
        ("11.222.333/0001-81", "11222333000181"),  # numeric CNPJs check as before
        ("529.982.247-25", "52998224725"),  # CPF
    ],
)
def test_documents_are_stored_upper_case_without_punctuation(raw, stored):
    assert normalize_document(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "12.ABC.345/01DE-36",  # wrong check digit
        "12.ABC.345/01DE-3A",  # check digits are always numeric
        "12.ABC.345/01D-35",  # too short
        "AAAAAAAAAAAAAA",
        "00.000.000/0000-00",
        "529.982.247-26",
        "12.ABÇ.345/01DE-35",
        "CPF 529.982.247-25",
    ],
)
def test_documents_that_do_not_check_are_refused(raw):
    with pytest.raises(InvalidContact):
        normalize_document(raw)


def test_the_check_digits_use_ascii_minus_48():
    # 'A' counts 17, 'Z' counts 42: a CNPJ with the same digits in other letters does not check
    assert is_valid_cnpj("12ABC34501DE35")
    assert not is_valid_cnpj("12ABD34501DE35")


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("12.ABC.345", "12ABC345"),
        ("12abc", "12ABC"),
        ("123.456", "123456"),
        ("99 Taxis", None),
        ("Ana", None),
        ("12a", None),
        ("12.ABC.345/01DE-35", "12ABC34501DE35"),
    ],
)
def test_search_text_that_reads_like_a_document(text, prefix):
    assert search_prefix(text) == prefix
