"""Per-request DataLoaders: nested fields batch their reads into one statement per kind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from strawberry.dataloader import DataLoader

from authz.access import Access
from resolvers import custom_fields as field_ops
from resolvers import external_ids as external_id_ops
from resolvers import history, notes
from resolvers import tags as tag_ops
from resolvers import teams as team_ops
from resolvers import users as user_ops
from resolvers.children import ChildKind, ChildPage, RowsById, child_counts, child_pages
from resolvers.custom_values import FieldDef
from resolvers.customer_reads import get_customers
from resolvers.errors import DomainError
from schema.permissions import api_error

Row = dict[str, Any]
ByIds = Callable[[Access, list[UUID]], Awaitable[dict[UUID, Any]]]
Pages = Callable[..., Awaitable[dict[UUID, ChildPage]]]


def _answer(page: ChildPage) -> ChildPage | Exception:
    return page if page.refused is None else api_error(page.refused)


class Loaders:
    """Created lazily, so a request pays only for the loaders its query uses.

    Paged loaders take keys ``(parent_id, *params)``: parents asking for the same page share
    one statement.
    """

    __slots__ = ("_access", "_cache")

    def __init__(self, access: Access | None) -> None:
        self._access = access
        self._cache: dict[str, DataLoader[Any, Any]] = {}

    def _get(self, name: str, batch: Callable[[Sequence[Any]], Awaitable[list[Any]]]) -> DataLoader[Any, Any]:
        loader = self._cache.get(name)
        if loader is None:
            loader = self._cache[name] = DataLoader(load_fn=batch)
        return loader

    def _by_id(self, name: str, fetch: ByIds, default: Any = None) -> DataLoader[UUID, Any]:
        """Rows by id (or lists per parent id) as ``fetch`` reads them: each kind's fetch applies
        its rule of authz/rows.py itself, so a row the caller may not see loads as ``default``."""

        async def batch(ids: Sequence[UUID]) -> list[Any]:
            assert self._access is not None
            found = await fetch(self._access, list(ids))
            return [found.get(i, default() if callable(default) else default) for i in ids]

        return self._get(name, batch)

    def _paged(self, name: str, fetch: Pages) -> DataLoader[tuple[Any, ...], ChildPage]:
        async def batch(keys: Sequence[tuple[Any, ...]]) -> list[ChildPage | Exception]:
            groups: dict[tuple[Any, ...], list[UUID]] = defaultdict(list)
            for parent, *rest in keys:
                groups[tuple(rest)].append(parent)
            pages: dict[tuple[Any, ...], ChildPage | Exception] = {}
            assert self._access is not None
            for params, parents in groups.items():
                found: dict[UUID, ChildPage | Exception]
                try:
                    fetched = await fetch(self._access, parents, *params)
                    # A cursor of another parent's list fails only the field it was given to.
                    found = {parent: _answer(page) for parent, page in fetched.items()}
                except DomainError as exc:
                    # A refused page argument or cursor fails the lists that sent it, not the others of the batch.
                    found = dict.fromkeys(parents, exc)
                for parent, page in found.items():
                    pages[(parent, *params)] = page
            return [pages[key] for key in keys]

        return self._get(name, batch)

    # --- rows by id -------------------------------------------------------------------------

    @property
    def users(self) -> DataLoader[UUID, Row | None]:
        return self._by_id("users", user_ops.users_by_id)

    @property
    def teams(self) -> DataLoader[UUID, Row | None]:
        return self._by_id("teams", team_ops.teams_by_id)

    @property
    def customers(self) -> DataLoader[UUID, Row | None]:
        """Customers the caller may see (others load as None), e.g. the customer of a task."""

        return self._by_id("customers", get_customers)

    @property
    def readable_customers(self) -> DataLoader[UUID, bool]:
        """Whether the caller may read each customer now, a merged-away one judged as the customer
        it was merged into (for history naming the other side of a merge)."""

        async def readable(access: Access, ids: list[UUID]) -> dict[UUID, bool]:
            return dict.fromkeys(await history.readable_customers(access, set(ids)), True)

        return self._by_id("readable_customers", readable, False)

    def rows(self, kind: RowsById) -> DataLoader[UUID, Row | None]:
        """Rows of ``kind`` by id (a note, a task, a history entry...); missing ones load as None."""
        return self._by_id(f"{kind.name} by id", kind.fetch)

    # --- lists per parent -------------------------------------------------------------------

    @property
    def tags(self) -> DataLoader[UUID, list[Row]]:
        return self._by_id("tags", tag_ops.tags_of_customers, list)

    @property
    def external_ids(self) -> DataLoader[UUID, list[Row]]:
        return self._by_id("external_ids", external_id_ops.ids_of_customers, list)

    @property
    def customer_teams(self) -> DataLoader[UUID, list[Row]]:
        return self._by_id("customer_teams", team_ops.teams_of_customers, list)

    @property
    def team_members(self) -> DataLoader[UUID, list[Row]]:
        return self._by_id("team_members", team_ops.members_of, list)

    @property
    def last_note(self) -> DataLoader[UUID, Row | None]:
        return self._by_id("last_note", notes.last_notes)

    # --- pages and counts of child rows per parent (resolvers/children.py) -------------------

    def pages(self, kind: ChildKind) -> DataLoader[tuple[Any, ...], ChildPage]:
        """Keys ``(parent, *arguments, first, after)``: the list's arguments as ``kind`` takes them."""

        async def fetch(access: Access, parents: list[UUID], *params: Any) -> dict[UUID, ChildPage]:
            *arguments, first, after = params
            return await child_pages(kind, access, parents, tuple(arguments), first=first, after=after)

        return self._paged(f"{kind.tag} pages", fetch)

    def counts(self, kind: ChildKind) -> DataLoader[tuple[Any, ...], int]:
        """Keys ``(parent, *arguments)``: totalCount of the lists ``pages`` reads."""

        async def batch(keys: Sequence[tuple[Any, ...]]) -> list[int]:
            groups: dict[tuple[Any, ...], list[UUID]] = defaultdict(list)
            for parent, *rest in keys:
                groups[tuple(rest)].append(parent)
            counts: dict[tuple[Any, ...], int] = {}
            assert self._access is not None
            for params, parents in groups.items():
                for parent, n in (await child_counts(kind, self._access, parents, params)).items():
                    counts[(parent, *params)] = n
            return [counts[key] for key in keys]

        return self._get(f"{kind.tag} counts", batch)

    @property
    def custom_fields(self) -> DataLoader[UUID, list[FieldDef]]:
        """The tenant's custom field definitions: one statement per request, whatever the page size."""
        return self._get("custom_fields", self._custom_fields)

    async def _custom_fields(self, tenant_ids: Sequence[UUID]) -> list[list[FieldDef]]:
        return [await field_ops.load_definitions(t) for t in tenant_ids]
