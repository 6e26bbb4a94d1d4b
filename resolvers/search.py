"""Quick search over customers, planned by what the text looks like.

- Words search name and trade name (accent- and case-insensitive, any word order, parts of
  words) and tag names. Ranked in segments: customers named exactly the text; then names (name
  and trade name) starting with it, in that order; then names containing every word, newest
  customers first; then customers with a tag of that name, newest first. Each segment is one index-friendly query: a
  range on the name index, or a trigram match that PostgreSQL answers either by walking the
  creation-time index (common words) or from the trigram index (rare ones).
- Text with an @ searches emails ("@user" also finds the Instagram account "user", whole);
  digits (in any formatting) search phones, WhatsApp numbers and CPF/CNPJ documents. Text that reads like the start of an alphanumeric CNPJ (two digits, then
  letters and digits, e.g. "12.ABC.345") also finds the documents it starts, after the name hits.

When contact data is hidden from the caller, contact values only match exactly (a full email or
a full phone number): partial matches would reveal them digit by digit through counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from authz.access import Access
from authz.masking import contact_hidden
from models import Channel
from models.sql import Sql, and_, not_, or_
from resolvers.contact import InvalidContact, display_key, normalize_email, normalize_phone
from resolvers.documents import search_prefix
from resolvers.handles import normalize_handle
from resolvers.pagination import SortKey
from resolvers.text import fold

_FORMATTING = re.compile(r"[\s().+\-/]")
MAX_SEARCH = 200


class SearchMode(StrEnum):
    NAME = "name"
    EMAIL = "email"
    NUMBER = "number"


@dataclass(frozen=True)
class Segment:
    """A slice of the results with its own order; segments follow each other."""

    condition: Sql
    keys: tuple[SortKey, ...]


@dataclass
class Search:
    mode: SearchMode
    condition: Sql  # every match, whatever the segment
    segments: list[Segment] = field(default_factory=list)  # relevance order (name searches)


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _next_prefix(prefix: str) -> str:
    """The smallest string above every string starting with ``prefix`` (C collation)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


NAME_ORDER = (SortKey('c.search_text COLLATE "C"', False, "text", "search_text"), SortKey("c.id", False, "uuid", "id"))
EXACT_ORDER = (SortKey('c.name_sort COLLATE "C"', False, "text", "name_sort"), SortKey("c.id", False, "uuid", "id"))
NEWEST_FIRST = (SortKey("c.created_at", True, "timestamptz", "created_at"), SortKey("c.id", True, "uuid", "id"))


def _name_search(access: Access, text: str, alias: str) -> Search:
    folded = fold(text)
    words = folded.split()
    all_words = and_(*(Sql(f"{alias}.search_text LIKE %s", _like(w)) for w in words))
    # A range on the C-collated column: an index answers it even in a generic plan.
    prefix = Sql(
        f'{alias}.search_text COLLATE "C" >= %s AND {alias}.search_text COLLATE "C" < %s',
        folded,
        _next_prefix(folded),
    )
    contains = all_words
    if len(words) == 1 and not contact_hidden(access):
        # One token may be part of an email too ("joao.silva").
        contains = or_(all_words, Sql(f"{alias}.email_normalized LIKE %s", _like(text.strip().lower())))
    # Folded as the stored name_sort column is, so the two compare equal.
    exact = Sql(f'{alias}.name_sort COLLATE "C" = crm_fold(%s::text) COLLATE "C"', text)
    segments = [
        Segment(and_(prefix, exact), EXACT_ORDER),
        Segment(and_(prefix, not_(exact)), NAME_ORDER),
        Segment(and_(contains, not_(prefix)), NEWEST_FIRST),
    ]
    # A tag of that name, inside the same statement: tag names are unique per tenant, so the
    # lookup is one probe of (tenant_id, name_key) and the list stays one statement.
    tagged = Sql(
        f"{alias}.id IN (SELECT ct.customer_id FROM customer_tag ct WHERE ct.tenant_id = %s "
        "AND ct.tag_id = (SELECT g.id FROM tag g WHERE g.tenant_id = %s AND g.name_key = %s))",
        access.principal.tenant_id,
        access.principal.tenant_id,
        " ".join(text.split()).casefold(),
    )
    # contains may be NULL (no email to match): NOT would drop the row from every segment.
    segments.append(Segment(and_(tagged, not_(contains)), NEWEST_FIRST))
    condition = or_(contains, tagged)
    return Search(SearchMode.NAME, condition, segments)


def _exact_phone(text: str, region: str, alias: str) -> Sql | None:
    try:
        phone = normalize_phone(text, region)
    except InvalidContact:
        return None
    numbers = sorted({phone.e164, display_key(phone.key), phone.key})
    return Sql(f"({alias}.phone_e164 = ANY(%s::text[]) OR {alias}.whatsapp_e164 = ANY(%s::text[]))", numbers, numbers)


def _email(text: str, hidden: bool, alias: str) -> Sql:
    if hidden:
        try:
            return Sql(f"{alias}.email_normalized = %s", normalize_email(text))
        except InvalidContact:
            return Sql("FALSE")
    return Sql(f"{alias}.email_normalized LIKE %s", _like(text.lower()))


def _instagram(text: str, alias: str) -> Sql:
    """ "@user" finds the customer writing from that Instagram account (the whole username, any case)."""
    try:
        handle = normalize_handle(Channel.INSTAGRAM, text)
    except InvalidContact:
        return Sql("FALSE")
    return Sql(
        f"EXISTS (SELECT 1 FROM conversation v WHERE v.tenant_id = {alias}.tenant_id AND v.customer_id = {alias}.id "
        "AND v.channel = 'instagram' AND v.handle = %s)",
        handle,
    )


async def plan_search(access: Access, search: str | None, alias: str = "c") -> Search | None:
    if search is None or not search.strip():
        return None
    text = search.strip()[:MAX_SEARCH]
    hidden = contact_hidden(access)
    region = access.principal.settings.default_region
    if text.startswith("@") and text.count("@") == 1:
        return Search(SearchMode.EMAIL, or_(_email(text, hidden, alias), _instagram(text, alias)))
    if "@" in text:
        return Search(SearchMode.EMAIL, _email(text, hidden, alias))
    digits = _FORMATTING.sub("", text)
    if digits.isdigit() and len(digits) >= 3:
        alternatives = [_document(digits, alias), _exact_phone(text, region, alias)]
        if not hidden:
            alternatives += [
                Sql(f"{alias}.phone_e164 LIKE %s", _like(digits)),
                Sql(f"{alias}.whatsapp_e164 LIKE %s", _like(digits)),
            ]
        return Search(SearchMode.NUMBER, or_(*alternatives))
    found = _name_search(access, text, alias)
    prefix = search_prefix(text)
    if prefix is not None:
        document = _document(prefix, alias)
        # coalesce: the name condition may be NULL on a row (a NULL email), and NOT NULL drops rows
        found.segments.append(
            Segment(and_(document, found.condition.wrap("NOT coalesce((", "), false)")), NEWEST_FIRST)
        )
        found.condition = or_(found.condition, document)
    return found


def _document(prefix: str, alias: str) -> Sql:
    """Documents starting with ``prefix`` (stored upper case without punctuation): an index range."""
    return Sql(
        f'{alias}.document COLLATE "C" >= %s AND {alias}.document COLLATE "C" < %s', prefix, _next_prefix(prefix)
    )
