"""Every kind of row the API returns: rows returned = rows the policy allows, counts included.

One company with customers of several sellers and teams, each with notes, tasks, appointments,
purchases, conversations with messages and history entries; merges, saved lists (own, another's,
shared), tags, users and teams. For every caller (admin, supervisor, each seller, API keys with
and without a bound user) and with restricted visibility on and off, the expectation is computed
in Python from the policy (via Casbin) and the ownership facts, and compared with what the API
answers through the nested lists (with totalCount), the root lists and ``node(id)`` for every id.
A disagreement means a rule in authz/rows.py and the policy drifted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from authz.catalogue import P, Permission, Scope
from models import (
    Appointment,
    Conversation,
    CustomerEvent,
    CustomerTag,
    Message,
    Note,
    Purchase,
    SavedFilter,
    Tag,
    Task,
)
from models.db import fetch
from models.sql import Sql
from tests.factories import TenantRef, UserRef
from tests.helpers import gid

NESTED = """query($after: String) { customers(first: 20, after: $after, portfolio: ALL) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id
    notes(first: 10) { totalCount nodes { id } }
    tasks(first: 10) { totalCount nodes { id } }
    appointments(first: 10) { totalCount nodes { id } }
    purchases(first: 10) { totalCount nodes { id } }
    conversations(first: 10) { totalCount nodes { id messages(first: 10) { totalCount nodes { id } } } }
    timeline(first: 10, kinds: [HISTORY]) { totalCount nodes { ... on HistoryEntry { id } } }
  } } }"""
CHILD_LISTS = ("notes", "tasks", "appointments", "purchases", "conversations", "timeline")
CHILD_KIND = {
    "notes": "Note",
    "tasks": "Task",
    "appointments": "Appointment",
    "purchases": "Purchase",
    "conversations": "Conversation",
    "timeline": "HistoryEntry",
}


@dataclass
class Caller:
    label: str
    credential: str
    role: str
    user_id: UUID | None
    team_ids: set[UUID]


@dataclass
class Facts:
    """The world as stored, read back after it was built (merges move rows and retire customers)."""

    customers: dict[UUID, tuple[UUID | None, set[UUID], bool]] = field(default_factory=dict)  # owner, teams, merged
    children: dict[str, dict[UUID, UUID]] = field(default_factory=dict)  # kind -> row -> customer
    messages: dict[UUID, UUID] = field(default_factory=dict)  # message -> conversation
    tasks_of: dict[UUID, UUID | None] = field(default_factory=dict)  # task -> responsible
    merges: dict[UUID, UUID] = field(default_factory=dict)  # merge -> primary
    filters: dict[UUID, tuple[UUID, bool]] = field(default_factory=dict)  # saved filter -> owner, shared
    tags: dict[UUID, set[UUID]] = field(default_factory=dict)  # tag -> customers holding it
    users: set[UUID] = field(default_factory=set)
    teams: set[UUID] = field(default_factory=set)


async def _build(gql, factory, rng: random.Random) -> tuple[TenantRef, list[Caller], Facts]:
    tenant = await factory.tenant()
    teams = [await factory.team(tenant) for _ in range(3)]
    admin = await factory.user(tenant, "admin")
    supervisor = await factory.user(tenant, "supervisor")
    sellers = [await factory.user(tenant, "seller", teams=rng.sample(teams, k=rng.randint(0, 2))) for _ in range(4)]
    people: list[UserRef] = [admin, supervisor, *sellers]
    now = datetime.now(UTC)

    customers = []
    for i in range(28):
        owner = rng.choice([*sellers, None])
        pk = await factory.customer(
            tenant, name=f"C{i:02d}", owner=owner, teams=rng.sample(teams, k=rng.choice([0, 1, 2]))
        )
        customers.append(pk)
        on = {"tenant_id": tenant.id, "customer_id": pk}
        for _ in range(rng.randint(0, 2)):
            author = rng.choice(people)
            await Note.create(**on, author_id=author.id, author_name="x", body="note")
        for _ in range(rng.randint(0, 2)):
            responsible = rng.choice([*people, None])
            await Task.create(**on, title="call", responsible_id=responsible.id if responsible else None)
        if rng.random() < 0.6:
            await Appointment.create(**on, title="visit", starts_at=now, ends_at=now + timedelta(hours=1))
        if rng.random() < 0.6:
            await Purchase.create(**on, amount="10.00", currency="BRL", occurred_at=now)
        if rng.random() < 0.7:
            conversation = await Conversation.create(**on, channel="whatsapp", last_message_at=now)
            for _ in range(rng.randint(1, 2)):
                await Message.create(
                    tenant_id=tenant.id,
                    conversation_id=conversation.id,
                    channel="whatsapp",
                    direction="inbound",
                    body="hi",
                    sent_at=now,
                    status="received",
                )
        await CustomerEvent.create(**on, kind="created", data={})

    tags = [await Tag.create(tenant_id=tenant.id, name=f"tag{i}", name_key=f"tag{i}") for i in range(3)]
    for pk in customers:
        for tag in rng.sample(tags, k=rng.randint(0, 2)):
            await CustomerTag.create(tenant_id=tenant.id, customer_id=pk, tag_id=tag.id)
    for person in people:
        for n in range(2):
            await SavedFilter.create(
                tenant_id=tenant.id, owner_id=person.id, name=f"list {n}", conditions={}, shared=rng.random() < 0.4
            )

    # Two merges: the duplicates' rows move to their primary, and they stop being customers.
    for primary, duplicate in ((customers[0], customers[1]), (customers[2], customers[3])):
        merged = await gql.data(
            "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename } }",
            {"i": {"primaryId": gid(primary), "duplicateIds": [gid(duplicate)]}},
            as_=admin,
        )
        assert merged["mergeCustomers"]["__typename"] == "MergeCustomersSuccess", merged

    callers = [Caller(p.role.value, p.token, p.role.value, p.id, set(p.team_ids)) for p in people]
    for role, bound in (("admin", None), ("supervisor", None), ("seller", None), ("supervisor", sellers[0])):
        _, key = await factory.api_key(tenant, role, bound)
        # A key bound to a user acts as that user, capped at the user's role.
        label = f"key:{role}" + (f" as {bound.role.value}" if bound else "")
        if bound is None:
            callers.append(Caller(label, key, role, None, set()))
        else:
            callers.append(Caller(label, key, bound.role.value, bound.id, set(bound.team_ids)))
    return tenant, callers, await _facts(tenant)


async def _facts(tenant: TenantRef) -> Facts:
    t = tenant.id
    facts = Facts()
    in_teams: dict[UUID, set[UUID]] = {}
    for r in await fetch(Sql("SELECT customer_id, team_id FROM customer_team WHERE tenant_id = %s", t)):
        in_teams.setdefault(r["customer_id"], set()).add(r["team_id"])
    for r in await fetch(Sql("SELECT id, owner_id, merged_into_id FROM customer WHERE tenant_id = %s", t)):
        facts.customers[r["id"]] = (r["owner_id"], in_teams.get(r["id"], set()), r["merged_into_id"] is not None)
    for kind, table in (
        ("Note", "note"),
        ("Task", "task"),
        ("Appointment", "appointment"),
        ("Purchase", "purchase"),
        ("Conversation", "conversation"),
        ("HistoryEntry", "customer_event"),
    ):
        rows = await fetch(Sql(f"SELECT id, customer_id FROM {table} WHERE tenant_id = %s", t))
        facts.children[kind] = {r["id"]: r["customer_id"] for r in rows}
    for r in await fetch(Sql("SELECT id, responsible_id FROM task WHERE tenant_id = %s", t)):
        facts.tasks_of[r["id"]] = r["responsible_id"]
    for r in await fetch(Sql("SELECT id, conversation_id FROM message WHERE tenant_id = %s", t)):
        facts.messages[r["id"]] = r["conversation_id"]
    for r in await fetch(Sql("SELECT id, primary_id FROM customer_merge WHERE tenant_id = %s", t)):
        facts.merges[r["id"]] = r["primary_id"]
    for r in await fetch(Sql("SELECT id, owner_id, shared FROM saved_filter WHERE tenant_id = %s", t)):
        facts.filters[r["id"]] = (r["owner_id"], r["shared"])
    for r in await fetch(Sql("SELECT id FROM tag WHERE tenant_id = %s", t)):
        facts.tags[r["id"]] = set()
    for r in await fetch(Sql("SELECT tag_id, customer_id FROM customer_tag WHERE tenant_id = %s", t)):
        facts.tags[r["tag_id"]].add(r["customer_id"])
    facts.users = {r["id"] for r in await fetch(Sql("SELECT id FROM app_user WHERE tenant_id = %s", t))}
    facts.teams = {r["id"] for r in await fetch(Sql("SELECT id FROM team WHERE tenant_id = %s", t))}
    return facts


class Expect:
    """What the policy lets one caller see, computed without the SQL rules."""

    def __init__(self, policy: Any, tenant: TenantRef, caller: Caller, facts: Facts, restricted: bool) -> None:
        self.policy, self.tenant, self.caller, self.facts = policy, tenant, caller, facts
        self.read = self.scope(P.CUSTOMER_READ)
        if self.read is not None and not restricted:
            self.read = Scope.ALL

    def scope(self, perm: Permission) -> Scope | None:
        return self.policy.scope_for(self.caller.role, self.tenant.slug, perm)

    def customer(self, pk: UUID) -> bool:
        owner, in_teams, merged = self.facts.customers[pk]
        me = self.caller.user_id
        return not merged and (
            self.read is Scope.ALL
            or (self.read in (Scope.OWN, Scope.TEAM) and me is not None and owner == me)
            or (self.read is Scope.TEAM and me is not None and bool(in_teams & self.caller.team_ids))
        )

    def rows(self, kind: str) -> set[UUID]:
        f = self.facts
        if kind == "Customer":
            return {pk for pk in f.customers if self.customer(pk)}
        if kind in f.children:
            return {pk for pk, c in f.children[kind].items() if self.customer(c)}
        if kind == "Message":
            conversations = f.children["Conversation"]
            return {pk for pk, v in f.messages.items() if self.customer(conversations[v])}
        if kind == "Merge":
            return {pk for pk, c in f.merges.items() if self.customer(c)}
        if kind == "SavedFilter":
            if self.scope(P.SAVED_FILTER_WRITE) is None:
                return set()
            return {pk for pk, (owner, shared) in f.filters.items() if shared or owner == self.caller.user_id}
        if kind == "User":
            return set(f.users) if self.scope(P.USER_READ) else set()
        if kind == "Team":
            return set(f.teams) if self.scope(P.TEAM_READ) else set()
        if kind == "Tag":
            return set(f.tags) if self.read else set()
        raise AssertionError(kind)

    def my_tasks(self) -> set[UUID]:
        return {pk for pk in self.rows("Task") if self.facts.tasks_of[pk] == self.caller.user_id}

    def tag_counts(self) -> dict[UUID, int]:
        return {t: sum(1 for c in holders if self.customer(c)) for t, holders in self.facts.tags.items()}


def _pk(global_id: str) -> UUID:
    from schema.node import from_global_id

    decoded = from_global_id(global_id)
    assert decoded is not None, global_id
    return decoded[1]


async def _nested(gql, caller: Caller) -> tuple[int, dict[str, set[UUID]], dict[str, dict[UUID, int]]]:
    """Every customer page with its nested lists: the rows each list answered and its totalCount."""
    seen: dict[str, set[UUID]] = {k: set() for k in [*CHILD_KIND.values(), "Customer", "Message"]}
    totals: dict[str, dict[UUID, int]] = {k: {} for k in [*CHILD_KIND.values(), "Message"]}
    after, total = None, 0
    while True:
        page = (await gql.data(NESTED, {"after": after}, as_=caller.credential))["customers"]
        total = page["totalCount"]
        for node in page["nodes"]:
            pk = _pk(node["id"])
            seen["Customer"].add(pk)
            for name in CHILD_LISTS:
                kind = CHILD_KIND[name]
                got = node[name]
                seen[kind] |= {_pk(n["id"]) for n in got["nodes"]}
                totals[kind][pk] = got["totalCount"]
            for conversation in node["conversations"]["nodes"]:
                messages = conversation["messages"]
                seen["Message"] |= {_pk(m["id"]) for m in messages["nodes"]}
                totals["Message"][_pk(conversation["id"])] = messages["totalCount"]
        if not page["pageInfo"]["hasNextPage"]:
            return total, seen, totals
        after = page["pageInfo"]["endCursor"]


async def _nodes(gql, caller: Caller, ids: list[str]) -> set[str]:
    """The ids ``node(id)`` answers for this caller (batched under the alias limit)."""
    found: set[str] = set()
    for start in range(0, len(ids), 25):
        batch = ids[start : start + 25]
        query = "{ " + " ".join(f'n{i}: node(id: "{g}") {{ id }}' for i, g in enumerate(batch)) + " }"
        data = await gql.data(query, as_=caller.credential)
        for i, asked in enumerate(batch):
            answer = data[f"n{i}"]
            if answer is not None:
                assert answer["id"] == asked, (asked, answer)
                found.add(asked)
    return found


async def _check(gql, policy, tenant: TenantRef, caller: Caller, facts: Facts, restricted: bool) -> None:
    expect = Expect(policy, tenant, caller, facts, restricted)
    who = f"{caller.label} (restricted visibility {'on' if restricted else 'off'})"

    total, seen, totals = await _nested(gql, caller)
    assert seen["Customer"] == expect.rows("Customer"), who
    assert total == len(expect.rows("Customer")), who
    for kind in [*CHILD_KIND.values(), "Message"]:
        assert seen[kind] == expect.rows(kind), f"{who}: {kind}"
    for kind, per_parent in totals.items():
        rows = facts.messages if kind == "Message" else facts.children[kind]
        for parent, n in per_parent.items():
            assert n == sum(1 for pk, p in rows.items() if p == parent and pk in expect.rows(kind)), f"{who}: {kind}"

    # Root lists.
    roots = await gql.post(
        "{ users { id } teams { id } tags { tag { id } customerCount } savedFilters { id } }", as_=caller.credential
    )
    data = roots.get("data") or {}
    assert {_pk(u["id"]) for u in data["users"]} == expect.rows("User"), who
    assert {_pk(t["id"]) for t in data["teams"]} == expect.rows("Team"), who
    assert {_pk(t["tag"]["id"]): t["customerCount"] for t in data["tags"]} == expect.tag_counts(), who
    assert {_pk(f["id"]) for f in data["savedFilters"]} == expect.rows("SavedFilter"), who
    mine = await gql.post("{ myTasks(status: null, first: 100) { totalCount nodes { id } } }", as_=caller.credential)
    if caller.user_id is None:
        assert mine["errors"][0]["extensions"]["code"] == "FORBIDDEN", who
    else:
        assert {_pk(n["id"]) for n in mine["data"]["myTasks"]["nodes"]} == expect.my_tasks(), who
        assert mine["data"]["myTasks"]["totalCount"] == len(expect.my_tasks()), who

    # node(id) for every row of every kind: found exactly when allowed.
    every = {
        "Customer": [pk for pk, (_, _, merged) in facts.customers.items() if not merged],
        **{kind: list(rows) for kind, rows in facts.children.items()},
        "Message": list(facts.messages),
        "Merge": list(facts.merges),
        "SavedFilter": list(facts.filters),
        "User": list(facts.users),
        "Team": list(facts.teams),
        "Tag": list(facts.tags),
    }
    asked = [gid(pk, kind) for kind, pks in every.items() for pk in pks]
    allowed = {gid(pk, kind) for kind in every for pk in expect.rows(kind)}
    assert await _nodes(gql, caller, asked) == allowed, who


async def test_every_kind_answers_exactly_the_rows_the_policy_allows(gql, factory, app):
    tenant, callers, facts = await _build(gql, factory, random.Random(11))
    policy = app.state.policies.current
    # The world is rich enough to tell the rules apart: hidden rows of every kind exist for sellers.
    seller = next(c for c in callers if c.label == "seller")
    sees_all = Expect(policy, tenant, callers[0], facts, True)
    for kind in ("Customer", "Note", "Task", "Appointment", "Purchase", "Conversation", "Message", "HistoryEntry"):
        assert 0 < len(Expect(policy, tenant, seller, facts, True).rows(kind)) < len(sees_all.rows(kind)), kind
    assert any(not shared for _, shared in facts.filters.values())

    for restricted in (True, False):
        await factory.set_tenant(tenant, restricted_visibility=restricted)
        for caller in callers:
            await _check(gql, policy, tenant, caller, facts, restricted)
