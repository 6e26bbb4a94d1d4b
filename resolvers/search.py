"""Quick search over customers: name words, email, phone digits."""

from __future__ import annotations

from models.sql import Sql, and_, or_
from resolvers.contact import digits
from resolvers.text import fold


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def customer_search(search: str | None, alias: str = "c") -> Sql | None:
    if search is None or not search.strip():
        return None
    words = fold(search).split()
    by_name = and_(*(Sql(f"{alias}.search_text LIKE %s", _like(w)) for w in words))
    alternatives = [by_name, Sql(f"{alias}.email_normalized LIKE %s", _like(search.strip().lower()))]
    number = digits(search)
    if len(number) >= 4:
        alternatives.append(Sql(f"{alias}.phone_e164 LIKE %s", _like(number)))
        alternatives.append(Sql(f"{alias}.whatsapp_e164 LIKE %s", _like(number)))
    return or_(*alternatives)
