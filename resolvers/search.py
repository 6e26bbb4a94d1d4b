"""Quick search over customers: name words, email, phone digits.

When contact data is hidden from the caller, contact values only match exactly (a full email or
a full phone number): partial matches would reveal them digit by digit through counts.
"""

from __future__ import annotations

import contextlib

from authz.access import Access
from authz.masking import contact_hidden
from models.sql import Sql, and_, or_
from resolvers.contact import InvalidContact, digits, display_key, normalize_email, normalize_phone
from resolvers.text import fold


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _exact_contact(search: str, region: str, alias: str) -> list[Sql]:
    found: list[Sql] = []
    if "@" in search:
        with contextlib.suppress(InvalidContact):
            found.append(Sql(f"{alias}.email_normalized = %s", normalize_email(search)))
    if len(digits(search)) >= 8:
        try:
            phone = normalize_phone(search, region)
        except InvalidContact:
            return found
        numbers = sorted({phone.e164, display_key(phone.key), phone.key})
        found.append(
            Sql(f"({alias}.phone_e164 = ANY(%s::text[]) OR {alias}.whatsapp_e164 = ANY(%s::text[]))", numbers, numbers)
        )
    return found


def customer_search(access: Access, search: str | None, alias: str = "c") -> Sql | None:
    if search is None or not search.strip():
        return None
    words = fold(search).split()
    alternatives = [and_(*(Sql(f"{alias}.search_text LIKE %s", _like(w)) for w in words))]
    if contact_hidden(access):
        alternatives += _exact_contact(search, access.principal.settings.default_region, alias)
        return or_(*alternatives)
    alternatives.append(Sql(f"{alias}.email_normalized LIKE %s", _like(search.strip().lower())))
    number = digits(search)
    if len(number) >= 4:
        alternatives.append(Sql(f"{alias}.phone_e164 LIKE %s", _like(number)))
        alternatives.append(Sql(f"{alias}.whatsapp_e164 LIKE %s", _like(number)))
    return or_(*alternatives)
