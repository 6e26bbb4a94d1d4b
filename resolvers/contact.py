"""Normalizing contact data so that equal contacts compare equal.

Phones and WhatsApp numbers are parsed with phonenumbers in the tenant's default region and
stored as E.164. A *match key* is derived for duplicate detection: in Brazil a mobile written
with or without the ninth digit (+55 11 9XXXX-XXXX / +55 11 XXXX-XXXX) is the same line. Only
mobiles fold: the 8-digit numbers that gained a 9 in front were those starting 6-9, so a landline
(2-5 first, +55 21 3765-4321) stays apart from the mobile +55 21 93765-4321.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import NumberParseException, PhoneNumberFormat

_DIGITS = re.compile(r"\D+")


class InvalidContact(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str
    key: str  # what duplicate detection compares


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _brazil_with_ninth_digit(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber | None:
    """An old-style 8-digit Brazilian mobile (6-9 first) rewritten with its ninth digit."""
    national = str(number.national_number)
    if number.country_code == 55 and len(national) == 10 and national[2] in "6789":
        candidate = phonenumbers.parse(f"+55{national[:2]}9{national[2:]}")
        if phonenumbers.is_valid_number(candidate):
            return candidate
    return None


def phone_key(e164: str) -> str:
    """Brazilian mobiles whose old 8-digit form began 6-9 compare without the ninth digit; every
    other number (landlines, newer mobiles 9 2-5..., foreign numbers) as its E.164."""
    if e164.startswith("+55") and len(e164) == 14 and e164[5] == "9" and e164[6] in "6789":
        return e164[:5] + e164[6:]
    return e164


def display_key(key: str) -> str:
    """A phone key as a dialable E.164: Brazilian mobiles get their ninth digit back."""
    if key.startswith("+55") and len(key) == 13 and key[5] in "6789":
        return key[:5] + "9" + key[5:]
    return key


def normalize_phone(raw: str, region: str) -> Phone:
    text = raw.strip()
    if not text:
        raise InvalidContact("is empty")
    if len(_DIGITS.sub("", text)) < 3:
        raise InvalidContact("is not a phone number")
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise InvalidContact("is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        fixed = _brazil_with_ninth_digit(number) or _with_country_code(text)
        if fixed is None:
            raise InvalidContact(
                f"is not a valid number for region {region} (include the area code, or the "
                "country code for a number from another country)"
            )
        number = fixed
    e164 = _e164(number)
    return Phone(e164=e164, key=phone_key(e164))


def _with_country_code(text: str) -> phonenumbers.PhoneNumber | None:
    """Digits typed with a country code but without the plus sign, e.g. 5511999999999."""
    digits = _DIGITS.sub("", text)
    if text.lstrip().startswith("+") or len(digits) < 10:
        return None
    try:
        number = phonenumbers.parse("+" + digits)
    except NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return number
    return _brazil_with_ninth_digit(number)


def normalize_email(raw: str) -> str:
    """Trimmed and checked; the whole address is compared case-insensitively."""
    text = raw.strip()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidContact(str(exc)) from exc
    return result.normalized.lower()


def digits(text: str) -> str:
    return _DIGITS.sub("", text)
