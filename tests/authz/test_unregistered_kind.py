"""A kind of row (or an action on it) without a rule in authz/rows.py shows nothing, to anyone."""

from __future__ import annotations

from authz.access import Access
from authz.catalogue import P
from authz.principal import Principal
from authz.rows import locate, locate_for, may_see_kind, rows_for, visible_rows
from models import Note, Role
from models.sql import FALSE, Sql
from resolvers.children import ChildKind, RowsById, child_counts, child_pages
from resolvers.notes import NOTE_COLUMNS, NOTES


async def test_a_kind_without_a_rule_shows_nothing_even_to_an_admin(app, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = await factory.customer(tenant, owner=admin)
    note = await Note.create(tenant_id=tenant.id, customer_id=customer, author_id=admin.id, body="hello")
    access = Access(Principal(tenant.id, tenant.slug, Role.ADMIN, admin.id), app.state.policies.current)

    for kind in ("Invoice", "note", "customer"):  # unknown, and known tables under a name that is not a kind
        assert not may_see_kind(access, kind)
        assert visible_rows(access, kind, "x") is FALSE
        assert await locate(access, kind, customer) is None
        assert await locate(access, kind, note.id) is None
        assert await locate_for(access, kind, None, note.id, lock=False) is None
    # A kind with a rule, and an action on it that has none: nothing to act on.
    assert rows_for(access, "Customer", P.TAG_MANAGE, "c") is FALSE
    assert await locate_for(access, "Customer", P.TAG_MANAGE, customer, lock=False) is None

    # Lists and rows by id declared under a kind without a rule answer nothing; under "Note", the note.
    unruled = ChildKind("unruled", "Invoice", "customer_id", NOTES.keys, Sql("note t"))
    pages = await child_pages(unruled, access, [customer], first=10, after=None)
    assert pages[customer].rows == []
    assert await child_counts(unruled, access, [customer]) == {customer: 0}
    assert await RowsById("unruled", "Invoice", "n", NOTE_COLUMNS).fetch(access, [note.id]) == {}

    assert [r["id"] for r in (await child_pages(NOTES, access, [customer], first=10, after=None))[customer].rows] == [
        note.id
    ]
    assert await child_counts(NOTES, access, [customer]) == {customer: 1}
    assert list(await RowsById("notes", "Note", "n", NOTE_COLUMNS).fetch(access, [note.id])) == [note.id]
