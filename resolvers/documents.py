"""Brazilian tax ids: CPF (11 digits) and CNPJ (14 characters).

Since July 2026 new companies get alphanumeric CNPJs: 12 letters or digits and 2 numeric check
digits (``12.ABC.345/01DE-35``). Each character counts as its ASCII code minus 48, so a numeric
CNPJ checks exactly as before; validate-docbr 2 implements that algorithm. Documents are stored
upper case without punctuation.
"""

from __future__ import annotations

import re

from validate_docbr import CNPJ, CPF

from resolvers.contact import InvalidContact

_PUNCTUATION = re.compile(r"[\s./\-]+")
_CNPJ_SHAPE = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_cpf, _cnpj = CPF(), CNPJ()


def compact(raw: str) -> str:
    """Upper case, without the punctuation and spaces a document is written with."""
    return _PUNCTUATION.sub("", raw).upper()


def is_valid_cnpj(text: str) -> bool:
    """``text`` compacted: 14 characters, check digits matching, not one character repeated."""
    return bool(_CNPJ_SHAPE.fullmatch(text)) and _cnpj.validate(text)


def normalize_document(raw: str) -> str:
    """A CPF or CNPJ as stored: upper case, no punctuation; InvalidContact when it does not check."""
    text = compact(raw)
    if len(text) == 11 and text.isdigit() and _cpf.validate(text):
        return text
    if len(text) == 14 and is_valid_cnpj(text):
        return text
    if not re.fullmatch(r"[0-9A-Z]+", text) or len(text) not in (11, 14):
        raise InvalidContact("is not a CPF (11 digits) or a CNPJ (12 letters or digits and 2 check digits)")
    raise InvalidContact("is not a valid CPF or CNPJ (check digits do not match)")


def search_prefix(text: str) -> str | None:
    """The stored form to prefix-match when search text looks like (the start of) a document.

    Digits alone (3 or more) always do; with letters, it must read like an alphanumeric CNPJ:
    two digits first, no spaces, at least 5 characters (so a name like "99 Taxis" is not one).
    """
    if text.strip() != text or " " in text:
        return None
    candidate = compact(text)
    if len(candidate) < 3 or len(candidate) > 14 or not re.fullmatch(r"[0-9A-Z]+", candidate):
        return None
    if candidate.isdigit():
        return candidate
    if len(candidate) >= 5 and candidate[:2].isdigit() and re.fullmatch(r"[0-9A-Z]{0,12}[0-9]{0,2}", candidate):
        return candidate
    return None
