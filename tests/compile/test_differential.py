"""The compiled read path answers exactly what the general executor answers.

A corpus of documents drawn from a grammar over the compiled types (tests/compile/corpus.py) is
sent twice, down the compiled path and with it switched off, by an admin, a supervisor, a seller
and an API key, with contact hiding on and off and restricted visibility on and off. The answers
must be equal byte for byte once their keys are sorted. Nearly every document must actually have
been compiled (refusals are answered by the general executor on both sides).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest

from models.db import execute
from models.sql import Sql
from schema.compile import execution
from tests.compile.corpus import documents
from tests.helpers import gid

SEED = 11
DOCUMENTS = 320
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


async def insert(table: str, **values: Any) -> UUID:
    values.setdefault("id", uuid4())
    columns = list(values)
    await execute(
        Sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            *values.values(),
        )
    )
    return values["id"]


@pytest.fixture
async def company(factory, http):
    tenant = await factory.tenant()
    t = tenant.id
    team_a, team_b = await factory.team(tenant, "Alpha"), await factory.team(tenant, "Beta")
    admin = await factory.user(tenant, "admin", name="Alice Admin")
    supervisor = await factory.user(tenant, "supervisor", teams=[team_a], name="Sam Seller")  # a tie in team_a
    seller = await factory.user(tenant, "seller", teams=[team_a], name="Sam Seller")
    other = await factory.user(tenant, "seller", teams=[team_b], name="Sam Seller")  # same name: ties by id
    _, key = await factory.api_key(tenant, "seller", other)
    for key_, type_, extra in [
        ("txt", "text", {}),
        ("num", "number", {}),
        ("dec", "decimal", {}),
        ("day", "date", {}),
        ("flag", "boolean", {}),
        ("multi", "multi_select", {"options": ["a", "b", "c"]}),
        ("mail", "email", {}),
        ("tel", "phone", {}),
        ("old", "text", {"archived": True}),
    ]:
        await factory.custom_field(tenant, key_, type_, **extra)
    tags = {
        name: await insert("tag", tenant_id=t, name=name, name_key=name.casefold(), color=color)
        for name, color in [("vip", "#f00"), ("Zeta", None), ("ana", "#0f0")]
    }
    owners = [seller.id, other.id, None, admin.id]
    people = [
        ("Ana Lima", {"email": "ana@example.com", "email_normalized": "ana@example.com", "phone": "11 98765-4321",
                      "phone_e164": "+5511987654321", "address_city": "Recife", "address_street": "Rua A"}),
        ("Ana Souza", {"whatsapp": "+55 21 99876-5432", "whatsapp_e164": "+5521998765432", "document": "52998224725",
                       "origin_channel": "api"}),
        ("Anabela Dias", {"trade_name": "Dias & Cia", "address_country": "BR", "status": "inactive"}),
        ("Bruno Reis", {"address_city": "Olinda", "address_postal_code": "53000-000", "origin_channel": "whatsapp"}),
        ("Carla Dias", {"email": "carla@example.com", "email_normalized": "carla@example.com", "trade_name": "Carla ME"}),
        ("ana lima", {"last_contacted_at": T0 - timedelta(days=3)}),
        ("Davi Melo", {"custom_fields": '{"txt": "hello", "num": 5, "dec": "10.50", "day": "2026-01-31", '
                                        '"flag": true, "multi": ["a", "c"], "mail": "d@x.com", "tel": "+5511999990000", '
                                        '"old": "gone"}'}),
        ("Eva Nunes", {"custom_fields": '{"num": 2.5, "flag": false, "txt": null}'}),
        ("Fabi Micro", {}),
        ("Gil Vip", {"last_interaction_at": T0 - timedelta(hours=5)}),
        ("Hugo Zeta", {"email": "hugo@example.com", "email_normalized": "hugo@example.com"}),
        ("Ivo", {}),
    ]  # fmt: skip
    customers = []
    for i, (name, extra) in enumerate(people):
        columns = dict(extra)
        custom = columns.pop("custom_fields", None)
        created = T0 - timedelta(days=i // 2)  # pairs share a creation time: ties by id
        if i == 8:
            created = created.replace(microsecond=120)
        pk = await factory.customer(
            tenant,
            name=name,
            owner=owners[i % len(owners)],
            teams=[team_a] if i % 3 == 0 else [team_b] if i % 3 == 1 else [],
            created_at=created,
            last_interaction_at=columns.pop("last_interaction_at", T0 - timedelta(days=i % 4) if i % 5 else None),
            **columns,
        )
        if custom:
            await execute(Sql("UPDATE customer SET custom_fields = %s::jsonb WHERE id = %s", custom, pk))
        customers.append(pk)
        for j, tag in enumerate(tags.values()):
            if (i + j) % 3 == 0:
                await insert("customer_tag", tenant_id=t, customer_id=pk, tag_id=tag)
        for source in ("shopify", "erp")[: i % 3]:
            await insert(
                "customer_external_id", tenant_id=t, customer_id=pk, source=source, external_id=f"{source}-{i}"
            )
        authors = [seller.id, admin.id, None]
        for n in range(i % 5):
            await insert(
                "note",
                tenant_id=t,
                customer_id=pk,
                author_id=authors[n % 3],
                author_name="Someone",
                body=f"note {n} on {name}",
                created_at=T0 - timedelta(hours=n // 2),  # ties by id
                edited_at=T0 if n == 1 else None,
            )
        for n in range(i % 4):
            await insert(
                "task",
                tenant_id=t,
                customer_id=pk,
                title=f"task {n}",
                due_at=None if n == 0 else T0 + timedelta(days=n - 2),
                status=["open", "done", "open", "canceled"][n],
                priority=["low", "normal", "high", "urgent"][n],
                responsible_id=[seller.id, other.id, None, admin.id][n],
                created_by_id=admin.id,
            )
        for n in range(i % 3):
            await insert(
                "appointment",
                tenant_id=t,
                customer_id=pk,
                title=f"meet {n}",
                starts_at=T0 + timedelta(days=n),
                ends_at=T0 + timedelta(days=n, hours=1),
                with_user_id=seller.id if n else None,
            )
            await insert(
                "purchase",
                tenant_id=t,
                customer_id=pk,
                amount="10.50" if n else "1200.00",
                currency="BRL",
                occurred_at=T0 - timedelta(days=n),
                external_id=f"ext-{i}-{n}" if n else None,
            )
            await insert(
                "contract",
                tenant_id=t,
                customer_id=pk,
                title=f"contract {n}",
                status=["active", "pending_adjustment", "ended"][(i + n) % 3],
                starts_on=(T0 - timedelta(days=30 * n)).date(),
                ends_on=(T0 + timedelta(days=365)).date() if n else None,
                value="99.90" if n else None,
                created_by_id=admin.id if n else None,
                created_at=T0 - timedelta(hours=n),
            )
        for n in range(i % 3):
            conversation = await insert(
                "conversation",
                tenant_id=t,
                customer_id=pk,
                channel=["whatsapp", "instagram"][n],
                handle=["+5511987654321", ""][n],
                status="open" if n else "closed",
                last_message_at=T0 - timedelta(minutes=n),
                closed_at=None if n else T0,
                team_id=team_a if n else None,
                started_by_id=seller.id if n else None,
            )
            for m in range(n + 2):
                await insert(
                    "message",
                    tenant_id=t,
                    conversation_id=conversation,
                    channel=["whatsapp", "instagram"][n],
                    direction="outbound" if m % 2 else "inbound",
                    author_id=seller.id if m % 2 else None,
                    body=f"message {m}",
                    sent_at=T0 - timedelta(minutes=10 - m),
                    status="sent" if m % 2 else "received",
                    channel_message_id=f"wamid-{conversation}-{m}" if m else None,
                )
    # A customer merged into the first one: its id answers the first.
    merged = await factory.customer(tenant, name="Ana Lima (old)", owner=seller, merged_into_id=customers[0])
    history = await _history(t, customers, merged, admin, seller, other, team_a, tags["vip"])
    notes = [r["id"] for r in await fetch_ids("note", t)]
    tasks = [r["id"] for r in await fetch_ids("task", t)]
    conversations = [r["id"] for r in await fetch_ids("conversation", t)]
    saved = {
        name: await insert("saved_filter", tenant_id=t, owner_id=owner, name=name, search=search, shared=shared)
        for name, owner, search, shared in [
            ("mine", seller.id, "ana", False),  # the seller's own
            ("shared", admin.id, None, True),  # everyone's
            ("private", admin.id, "dias", False),  # the admin's alone
        ]
    }
    for name, sort in [
        ("mine", '{"field": "name", "descending": true}'),
        ("shared", '{"field": "created_at", "descending": false}'),
    ]:
        await execute(Sql("UPDATE saved_filter SET sort = %s::jsonb WHERE id = %s", sort, saved[name]))
    # Conditions as lists keep them: a tag, and one deleted since (left out, leniently); a status.
    for name, conditions in [
        ("shared", {"tags": {"anyOf": [str(tags["vip"]), str(uuid4())]}}),
        ("private", {"status": "inactive"}),
    ]:
        await execute(
            Sql(
                "UPDATE saved_filter SET conditions = %s::jsonb WHERE id = %s",
                orjson.dumps(conditions).decode(),
                saved[name],
            )
        )
    templates = [
        await insert("message_template", tenant_id=t, name=name, body=body, channel=channel, archived=archived)
        for name, body, channel, archived in [
            ("hello", "Hi {{firstName}}", "whatsapp", False),
            ("any", "Thanks", None, True),
        ]
    ]
    ids = {
        "customers": [gid(c, "Customer") for c in customers[:6]]
        + [gid(merged, "Customer"), "not-an-id", gid(notes[0], "Note")],
        "nodes": [
            gid(customers[1], "Customer"),
            gid(customers[3], "Customer"),
            gid(merged, "Customer"),
            gid(notes[0], "Note"),
            gid(notes[-1], "Note"),
            gid(tasks[0], "Task"),
            gid(tasks[-1], "Task"),
            gid(conversations[0], "Conversation"),
            gid(seller.id, "User"),
            gid(tags["vip"], "Tag"),
            *(gid(pk, "SavedFilter") for pk in saved.values()),
            *(gid(pk, "MessageTemplate") for pk in templates),
            *(gid(r["id"], "CustomField") for r in await fetch_ids("custom_field", t)),
            gid(uuid4(), "Customer"),
            *(gid(pk, "HistoryEntry") for pk in history["entries"][::3]),
            *(gid(pk, "Merge") for pk in history["merges"]),
        ],
        "entries": [gid(pk, "HistoryEntry") for pk in history["entries"]],
        "merges": [gid(pk, "Merge") for pk in history["merges"]],
        "seller": gid(seller.id, "User"),
        "tag": gid(tags["vip"], "Tag"),
    }
    # Billing parents: some customers billed to the first, one to the second (some hidden from the seller).
    for child, parent in ((1, 0), (2, 0), (4, 0), (5, 0), (7, 1)):
        await execute(
            Sql("UPDATE customer SET billing_parent_id = %s WHERE id = %s", customers[parent], customers[child])
        )
    callers = {"admin": admin, "supervisor": supervisor, "seller": seller, "api key": key}
    ids["cursors"] = await handed_out(
        http, [gid(c, "Customer") for c in (customers[1], customers[2], customers[4])], [admin, seller]
    )
    return {"tenant": tenant, "callers": callers, "ids": ids}


CURSORS = """query($id: ID!) { customer(id: $id) {
  notes(first: 1) { edges { cursor } } tasks(first: 1) { edges { cursor } }
  appointments(first: 1) { edges { cursor } } purchases(first: 1) { edges { cursor } }
  contracts(first: 1) { edges { cursor } } billedCustomers(first: 1) { edges { cursor } }
  conversations(first: 1) { edges { cursor node { messages(first: 1) { edges { cursor } } } } }
  timeline(first: 2) { edges { cursor } } } }"""


async def handed_out(http, customers: list[str], callers: list[Any]) -> dict[str, list[str]]:
    """Cursors of each nested list as the general path hands them out, per kind of list: each is
    of one customer's (or conversation's) list, for one caller."""
    found: dict[str, list[str]] = {}

    def collect(tag: str, connection: dict[str, Any] | None) -> None:
        for edge in (connection or {}).get("edges", []):
            found.setdefault(tag, []).append(edge["cursor"])
            if "messages" in edge.get("node", {}):
                collect("messages", edge["node"]["messages"])

    execution.ENABLED = False
    try:
        for caller, pk in itertools.product(callers, customers):
            data = orjson.loads(await post(http, CURSORS, {"id": pk}, caller))["data"]["customer"] or {}
            for tag, connection in data.items():
                collect(tag, connection)
    finally:
        execution.ENABLED = True
    return found


async def _history(t, customers, merged, admin, seller, other, team, tag) -> dict[str, list[UUID]]:
    """Entries of every kind, with contact changes, custom values of contact and plain types, values
    naming customers, merges with and without sources; and two merges."""
    c = [str(pk) for pk in customers]
    entries = [
        (customers[0], "created", {}),
        (customers[0], "updated", {
            "changes": {
                "name": ["Ana", "Ana Lima"], "email": [None, "ana@example.com"], "phone": ["1", "2"],
                "status": ["active", "inactive"], "owner_id": [str(seller.id), str(other.id)],
                "billing_parent_id": [None, c[1]], "origin_channel": ["api", "weird"],
                "custom_fields": [{"txt": "a", "mail": "a@x.com", "num": 1}, {"txt": "b", "mail": "b@x.com", "tel": "9",
                                                                             "num": 1, "day": None}],
            },
            "custom_types": {"txt": "text", "mail": "email", "num": "number"},
        }),
        (customers[0], "updated", {"changes": {"email": ["a@x.com", "b@x.com"], "phone_e164": [None, "+55"]}}),
        (customers[0], "updated", {"changes": {"billing_parent_id": [c[3], c[2]]}}),
        (customers[0], "merged", {
            "merge_id": str(uuid4()),
            "duplicates": [{"id": str(merged), "name": "Ana Lima (old)"}, {"id": c[2], "name": "Anabela Dias"}],
            "sources": {"email": str(merged), "trade_name": c[2], "custom_fields.txt": c[2]},
            "fields": {"email": [None, "old@x.com"], "trade_name": [None, "Dias"], "document": [None, "1"],
                       "custom_fields": [{}, {"txt": "t", "flag": True}]},
            "moved": {"note": 2, "customer_tag": 1},
        }),
        (customers[0], "merged", {"duplicates": [{"id": c[5], "name": "ana lima"}], "fields": {"document": [None, "2"]}}),
        (merged, "merged_into", {"primary": {"id": c[0], "name": "Ana Lima"}, "merge_id": str(uuid4())}),
        # On customers the API key's user owns, naming ones it may not see when visibility is restricted.
        (customers[1], "merge_undone", {"primary_id": c[0], "duplicate_ids": [c[1], c[3]], "merge_id": str(uuid4())}),
        (customers[5], "merged_into", {"primary": {"id": c[0], "name": "Ana Lima"}}),
        (customers[0], "custom_field_deleted", {"field": "mail", "type": "email", "removed": "a@x.com"}),
        (customers[0], "custom_field_deleted", {"field": "txt", "type": "text", "removed": "x"}),
        (customers[0], "custom_option_renamed", {"field": "multi", "from": "a", "to": "z"}),
        (customers[0], "tags_changed", {"added": [{"id": str(tag), "name": "vip"}], "removed": []}),
        (customers[0], "teams_changed", {"added": [{"id": str(team), "name": "Alpha"}], "removed": []}),
        (customers[3], "transferred", {"changes": {"owner_id": [str(seller.id), str(admin.id)]}}),
        (customers[1], "updated", {"changes": {"custom_fields": [{"multi": ["a"]}, {"multi": ["a", "b"], "tel": "1"}]},
                                   "custom_types": {"multi": "multi_select", "tel": "phone"}}),
        (customers[4], "removed_from_portfolio", {"previous_owner_id": str(seller.id)}),
    ]  # fmt: skip
    ids = []
    for n, (customer, kind, data) in enumerate(entries):
        ids.append(uuid4())
        await execute(
            Sql(
                "INSERT INTO customer_event (id, tenant_id, customer_id, kind, actor_id, actor_name, data, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s)",
                ids[-1], t, customer, kind, [admin.id, seller.id, None][n % 3], "Someone", orjson.dumps(data).decode(),
                T0 - timedelta(hours=n // 2),  # ties by id, and among the notes' times
            )
        )  # fmt: skip
    merges = []
    for undone, duplicates in [(None, [str(merged), c[2]]), (T0, [c[5], c[7]])]:
        merges.append(uuid4())
        snapshot = {"moved": {"note": ["a", "b"], "customer_tag": ["c"], "customer_event": []}}
        await execute(
            Sql(
                "INSERT INTO customer_merge (id, tenant_id, primary_id, duplicate_ids, performed_by_id, "
                "primary_version_after, snapshot, created_at, undone_at) "
                "VALUES (%s, %s, %s, %s::jsonb, %s, 1, %s::jsonb, %s, %s)",
                merges[-1], t, customers[0], orjson.dumps(duplicates).decode(), seller.id,
                orjson.dumps(snapshot).decode(), T0, undone,
            )
        )  # fmt: skip
    return {"entries": ids, "merges": merges}


async def fetch_ids(table: str, tenant_id: UUID) -> list[dict[str, Any]]:
    from models.db import fetch

    return await fetch(Sql(f"SELECT id FROM {table} WHERE tenant_id = %s ORDER BY created_at, id", tenant_id))


async def post(http, query: str, variables: dict[str, Any], caller: Any) -> bytes:
    headers = {"X-Api-Key": caller} if isinstance(caller, str) else {"Authorization": f"Bearer {caller.token}"}
    response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.content


def canonical(body: bytes) -> bytes:
    """The answer with its keys sorted, and its errors in path order: the general executor lists
    the errors of concurrent fields as they happen to be raised (two lists refusing a cursor)."""
    answer = orjson.loads(body)
    if isinstance(answer.get("errors"), list):
        answer["errors"].sort(key=lambda e: orjson.dumps(e, option=orjson.OPT_SORT_KEYS))
    return orjson.dumps(answer, option=orjson.OPT_SORT_KEYS)


@pytest.fixture
def compiled_count(monkeypatch):
    calls: list[int] = []
    real = execution.fetchval

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await real(*args, **kwargs)

    monkeypatch.setattr(execution, "fetchval", counting)
    return calls


@pytest.mark.parametrize(
    ("hide_contact", "restricted"), list(itertools.product([False, True], [True, False])), ids=lambda v: str(v)
)
async def test_both_paths_answer_the_corpus_alike(http, factory, company, compiled_count, hide_contact, restricted):
    await factory.set_tenant(
        company["tenant"], hide_contact_from_sellers=hide_contact, restricted_visibility=restricted
    )
    callers = list(company["callers"].items())
    corpus = documents(SEED + hide_contact * 2 + restricted, DOCUMENTS // 4, company["ids"])
    compiled = refused = resumed = 0
    # Each document as two of the callers, in turn: every caller meets half of the corpus.
    runs = [(q, v, callers[(n + k) % len(callers)]) for n, (q, v) in enumerate(corpus) for k in (0, 1)]
    for query, variables, (who, caller) in runs:
        before = len(compiled_count)
        fast = await post(http, query, variables, caller)
        took_compiled = len(compiled_count) > before
        execution.ENABLED = False
        try:
            slow = await post(http, query, variables, caller)
        finally:
            execution.ENABLED = True
        assert canonical(fast) == canonical(slow), f"as {who}:\n{query}\n{variables}\n{fast!r}\n{slow!r}"
        compiled += took_compiled
        refused += b'"errors"' in slow
        # A nested list resumed after a cursor (of this caller, this parent), and compiled.
        resumed += took_compiled and "after:" in query and b'"errors"' not in slow
    # Every document is over compiled types: only refusals (answered by the general path) are not compiled.
    assert compiled + refused >= len(runs), (compiled, refused, len(runs))
    assert compiled >= len(runs) * 0.8, (compiled, len(runs))
    print(f"compiled {compiled}, refused {refused}, resumed {resumed} of {len(runs)}")


WALKS = [
    ("customers(first: 2, after: $after)", {}),
    ('customers(first: 2, after: $after, search: "ana")', {}),  # relevance segments, a tag among them
    ("customers(first: 3, after: $after, sort: {field: TRADE_NAME, direction: DESC})", {}),
    ("customers(first: 2, after: $after, sort: {field: OWNER}, filter: {status: ANY})", {}),
    ("myTasks(first: 1, after: $after, status: null)", {}),
]


@pytest.mark.parametrize(("root", "extra"), WALKS, ids=[w[0].split("(")[0] + str(i) for i, w in enumerate(WALKS)])
async def test_both_paths_walk_a_list_alike(http, company, compiled_count, root, extra):
    """Following endCursor page after page: the same pages, the same cursors, on either path."""
    query = f"query($after: String) {{ page: {root} {{ pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ id }} }} }} }}"
    caller = company["callers"]["seller" if root.startswith("myTasks") else "admin"]
    after, seen, compiled = None, 0, len(compiled_count)
    while True:
        fast = await post(http, query, {"after": after, **extra}, caller)
        execution.ENABLED = False
        try:
            slow = await post(http, query, {"after": after, **extra}, caller)
        finally:
            execution.ENABLED = True
        assert canonical(fast) == canonical(slow), query
        page = orjson.loads(fast)["data"]["page"]
        seen += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen >= 2
    assert len(compiled_count) > compiled  # the pages after the first are compiled too


SAVED_FILTER_NODE = (
    "query($id: ID!) { node(id: $id) { __typename id ... on SavedFilter "
    "{ name shared search createdAt updatedAt sort owner { id name } } } }"
)


async def test_saved_lists_by_id_are_compiled_and_answered_alike(http, company, compiled_count):
    """Own, shared and someone else's private list, as every caller: the same answer (null for a
    list the caller may not see), and compiled."""
    saved = [pk for pk in company["ids"]["nodes"] if pk.startswith("U2F2ZWRGaWx0ZXI")]  # "SavedFilter:"
    assert len(saved) == 3
    answered = []
    for (who, caller), pk in itertools.product(company["callers"].items(), saved):
        before = len(compiled_count)
        fast = await post(http, SAVED_FILTER_NODE, {"id": pk}, caller)
        assert len(compiled_count) > before, who
        execution.ENABLED = False
        try:
            slow = await post(http, SAVED_FILTER_NODE, {"id": pk}, caller)
        finally:
            execution.ENABLED = True
        assert canonical(fast) == canonical(slow), f"as {who}: {fast!r}\n{slow!r}"
        answered.append(orjson.loads(fast)["data"]["node"] is not None)
    assert any(answered) and not all(answered)  # the admin's private list is hidden from the others


HISTORY_NODE = (
    "query($id: ID!) { node(id: $id) { __typename id ... on HistoryEntry { kind at actorName actor { id name } "
    "changes { field before after hidden } details } ... on Merge { performedAt undoneAt undoableUntil duplicateIds "
    "movedRecords { kind count } primary { id name email } performedBy { id name } } } }"
)
TIMELINE = (
    "query($id: ID!, $first: Int) { customer(id: $id) { timeline(first: $first) { totalCount "
    "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { __typename "
    "... on HistoryEntry { id kind changes { field before after } details } ... on Note { id body } "
    "... on Task { id title } ... on Conversation { id handle } ... on Purchase { id amount } "
    "... on Appointment { id title } } } } } }"
)


@pytest.mark.parametrize("hide_contact", [False, True])
async def test_history_entries_merges_and_timelines_are_compiled_and_answered_alike(
    http, factory, company, compiled_count, hide_contact
):
    """Every entry and merge by id, and every customer's whole timeline, as every caller, with
    contact hiding on and off and restricted visibility on and off: compiled, and the same answer."""
    runs = [(HISTORY_NODE, {"id": pk}) for pk in company["ids"]["entries"] + company["ids"]["merges"]]
    runs += [(TIMELINE, {"id": pk, "first": 30}) for pk in company["ids"]["customers"][:6]]
    shown = hidden = 0
    for restricted in (True, False):
        await factory.set_tenant(
            company["tenant"], hide_contact_from_sellers=hide_contact, restricted_visibility=restricted
        )
        for (who, caller), (query, variables) in itertools.product(company["callers"].items(), runs):
            before = len(compiled_count)
            fast = await post(http, query, variables, caller)
            assert len(compiled_count) > before, who
            execution.ENABLED = False
            try:
                slow = await post(http, query, variables, caller)
            finally:
                execution.ENABLED = True
            assert canonical(fast) == canonical(slow), f"as {who}: {query} {variables}\n{fast!r}\n{slow!r}"
            data = orjson.loads(fast)["data"]
            shown += bool(data.get("node") or data.get("customer"))
            hidden += not (data.get("node") or data.get("customer"))
    assert shown and hidden


async def test_later_timeline_pages_are_compiled_and_foreign_cursors_refused_alike(
    http, company, compiled_count, count_statements
):
    """A page after a cursor is compiled too, in two statements; a cursor of the timeline of other
    kinds, or a forged one, is refused (BAD_USER_INPUT) alike on either path."""
    query = (
        "query($id: ID!, $after: String, $kinds: [TimelineKind!]) { customer(id: $id) { "
        "timeline(first: 5, after: $after, kinds: $kinds) { pageInfo { hasNextPage hasPreviousPage endCursor } "
        "edges { cursor node { __typename ... on HistoryEntry { id } ... on Note { id } } } } } }"
    )
    variables: dict[str, Any] = {"id": company["ids"]["customers"][0], "after": None, "kinds": None}
    admin = company["callers"]["admin"]
    pages = []
    while True:
        fast, took, statements = await both(http, query, variables, admin, compiled_count, count_statements)
        page = orjson.loads(fast)["data"]["customer"]["timeline"]
        pages.append((took, statements, page["pageInfo"]["hasPreviousPage"]))
        if not page["pageInfo"]["hasNextPage"]:
            break
        variables["after"] = page["pageInfo"]["endCursor"]
    assert len(pages) >= 3
    assert all(took and statements == 2 for took, statements, _ in pages), pages
    assert [previous for _, _, previous in pages] == [False] + [True] * (len(pages) - 1)
    for after, kinds in [(variables["after"], ["NOTE", "HISTORY"]), ("bm90LWEtY3Vyc29y", None)]:
        refused, _, _ = await both(http, query, {**variables, "after": after, "kinds": kinds}, admin, compiled_count)
        body = orjson.loads(refused)
        assert body["data"]["customer"]["timeline"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body


TEMPLATE_NODE = (
    "query($id: ID!) { node(id: $id) { __typename id ... on MessageTemplate { name body channel archived } } }"
)


async def test_templates_and_custom_fields_by_id_are_compiled_and_answered_alike(http, company, compiled_count):
    prefixes = ("TWVzc2FnZVRlbXBsYXRl", "Q3VzdG9tRmllbGQ6")  # "MessageTemplate", "CustomField:"
    templates = [pk for pk in company["ids"]["nodes"] if pk.startswith(prefixes)]
    assert len(templates) == 2 + 9
    for (who, caller), pk in itertools.product(company["callers"].items(), templates):
        before = len(compiled_count)
        fast = await post(http, TEMPLATE_NODE, {"id": pk}, caller)
        assert len(compiled_count) > before, who
        execution.ENABLED = False
        try:
            slow = await post(http, TEMPLATE_NODE, {"id": pk}, caller)
        finally:
            execution.ENABLED = True
        assert canonical(fast) == canonical(slow), f"as {who}: {fast!r}\n{slow!r}"
        assert orjson.loads(fast)["data"]["node"] is not None


NESTED_WALKS = {
    "notes": "notes(first: 1, after: $after) { pageInfo { hasNextPage hasPreviousPage endCursor } "
    "edges { cursor node { id body } } totalCount }",
    "tasks": "tasks(first: 1, after: $after, status: OPEN) { pageInfo { hasNextPage endCursor } nodes { id title } }",
    "appointments": "appointments(first: 1, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } }",
    "purchases": "purchases(first: 1, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { id } } }",
    "messages": "lastConversation { messages(first: 1, after: $after) { pageInfo { hasNextPage endCursor } "
    "nodes { id body } } }",
    "timeline": "timeline(first: 3, after: $after) { pageInfo { hasNextPage hasPreviousPage endCursor } totalCount "
    "edges { cursor node { __typename ... on HistoryEntry { id kind } ... on Task { id title } } } }",
}


def _page_of(data: dict[str, Any], tag: str) -> dict[str, Any]:
    customer = data["customer"]
    return customer["lastConversation"]["messages"] if tag == "messages" else customer[tag]


async def both(
    http, query: str, variables: dict[str, Any], caller: Any, compiled_count: list[int], counting: Any = None
) -> tuple[bytes, bool, int]:
    """The answer of the compiled path (equal to the general path's), whether it was compiled and,
    with ``counting`` (``count_statements``), how many statements it took."""
    before = len(compiled_count)
    statements = -1
    if counting is None:
        fast = await post(http, query, variables, caller)
    else:
        with counting() as counter:
            fast = await post(http, query, variables, caller)
        statements = counter.count
    took = len(compiled_count) > before
    execution.ENABLED = False
    try:
        slow = await post(http, query, variables, caller)
    finally:
        execution.ENABLED = True
    assert canonical(fast) == canonical(slow), f"{query}\n{variables}\n{fast!r}\n{slow!r}"
    return fast, took, statements


@pytest.mark.parametrize("restricted", [True, False])
@pytest.mark.parametrize("tag", list(NESTED_WALKS))
async def test_both_paths_walk_a_nested_list_alike(
    http, factory, company, compiled_count, tag, restricted, count_statements
):
    """A customer's list followed page after page with ``after``, as every caller: the same pages
    and cursors, compiled in two statements; another customer's cursor is refused alike."""
    await factory.set_tenant(company["tenant"], restricted_visibility=restricted)
    query = f"query($id: ID!, $after: String) {{ customer(id: $id) {{ {NESTED_WALKS[tag]} }} }}"
    walked = 0
    for who, caller in company["callers"].items():
        for pk in company["ids"]["customers"][1:6]:
            after = None
            while True:
                fast, took, statements = await both(
                    http, query, {"id": pk, "after": after}, caller, compiled_count, count_statements
                )
                assert took, who
                data = orjson.loads(fast)["data"]
                if data["customer"] is None or (tag == "messages" and data["customer"]["lastConversation"] is None):
                    break
                if after is not None:
                    # authenticate (an API key: its tenant, then the key) + the one statement
                    assert statements == (3 if who == "api key" else 2)
                    walked += 1
                page = _page_of(data, tag)
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            if after is not None:
                # Another customer's list refuses it (BAD_USER_INPUT), on either path.
                other = company["ids"]["customers"][0]
                refused, _, _ = await both(http, query, {"id": other, "after": after}, caller, compiled_count)
                errors = orjson.loads(refused).get("errors")
                if orjson.loads(refused)["data"]["customer"] is not None and tag != "messages":
                    assert errors and errors[0]["extensions"]["code"] == "BAD_USER_INPUT", refused
    assert walked >= 1


async def test_a_cursor_of_one_parent_is_refused_on_the_others_alike(http, company, compiled_count):
    """In a page of customers, a notes cursor fits one customer's list: the others answer
    BAD_USER_INPUT on that field, the one it fits its next page, on either path."""
    admin = company["callers"]["admin"]
    cursor = next(c for c in company["ids"]["cursors"]["notes"])
    query = (
        "query($after: String) { customers(first: 12) { nodes { id "
        "notes(first: 1, after: $after) { nodes { id } pageInfo { hasPreviousPage } } } } }"
    )
    answer, took, _ = await both(http, query, {"after": cursor}, admin, compiled_count)
    assert took
    again, _, _ = await both(http, query, {"after": cursor}, admin, compiled_count)  # compiled once, kept
    assert canonical(again) == canonical(answer)
    body = orjson.loads(answer)
    nodes = body["data"]["customers"]["nodes"]
    fits = [n for n in nodes if n["notes"] is not None]
    assert [n["notes"]["pageInfo"] for n in fits] == [{"hasPreviousPage": True}]
    assert len(body["errors"]) == len(nodes) - 1
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}


SAVED_LISTS = """query($first: Int, $after: String) { savedFilters { id name sort owner { name }
  customers(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id name email notes(first: 1) { nodes { body } } tags { name } } } } } }"""


@pytest.mark.parametrize(
    ("hide_contact", "restricted"), list(itertools.product([False, True], [True, False])), ids=lambda v: str(v)
)
async def test_saved_lists_with_their_customers_are_compiled_and_answered_alike(
    http, factory, company, compiled_count, count_statements, hide_contact, restricted
):
    """Every caller's lists, each with a page of its customers and the page after it: the same
    answer on either path, in four statements whatever the number of lists."""
    await factory.set_tenant(
        company["tenant"], hide_contact_from_sellers=hide_contact, restricted_visibility=restricted
    )
    seen = resumed = 0
    for who, caller in company["callers"].items():
        # (an API key's first request also records that the key was used: counted after it)
        for _ in range(2):
            _, _, alone = await both(
                http, "{ customers(first: 1) { totalCount } }", {}, caller, compiled_count, count_statements
            )
        answer, took, statements = await both(http, SAVED_LISTS, {"first": 2}, caller, compiled_count, count_statements)
        lists = orjson.loads(answer)["data"]["savedFilters"]
        # authenticate (as for any compiled read, which takes one statement more), the lists, the
        # tags and teams they name (all at once), the one statement
        assert took and statements == alone - 1 + 3, (who, statements, alone)
        for saved in lists:
            page = saved["customers"]
            if not page["pageInfo"]["hasNextPage"]:
                continue
            # The page after, through the same root: the cursor is of this list only, so the
            # caller's other lists refuse it (on either path); a caller with one list pages on.
            nxt, took, _ = await both(
                http, SAVED_LISTS, {"first": 2, "after": page["pageInfo"]["endCursor"]}, caller, compiled_count
            )
            body = orjson.loads(nxt)
            if len(lists) == 1:
                assert took and "errors" not in body
                assert body["data"]["savedFilters"][0]["customers"]["pageInfo"]["hasPreviousPage"]
                resumed += 1
            else:
                assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
        seen += len(lists)
    assert seen >= 6 and resumed >= 1


HEAVY = """query($message: String) { customers(search: "ana", first: 8) { totalCount
  pageInfo { hasNextPage endCursor } nodes { ...C tags { name color } teams { name members { id name } }
    lastConversation { ...V messages(first: 2, after: $message) { nodes { id body author { name } } } }
    timeline(first: 3) { totalCount pageInfo { endCursor } edges { cursor node { __typename
      ... on HistoryEntry { id kind actorName details changes { field before after hidden } actor { name } }
      ... on Note { id body author { name email } } ... on Task { id title responsible { name } }
      ... on Conversation { id handle } ... on Purchase { id amount } ... on Appointment { id title } } } }
    tasks(first: 2, status: OPEN) { nodes { id title } } customFields { key value } } } }
fragment C on Customer { id name email phone status owner { id name } address { city } }
fragment V on Conversation { id channel status }"""


@pytest.mark.parametrize("who", ["admin", "seller"])
async def test_the_heaviest_corpus_shape_plans_and_runs_in_well_under_a_second(
    http, factory, company, monkeypatch, who
):
    """A page of a search with each customer's timeline, last conversation's messages after a
    cursor, tags, teams and fragments (the corpus's most expensive shape): PostgreSQL's own
    planning + execution time stays far below a second, and no JIT compilation is spent on it
    (once about 2 s here, and a 15 s timeout on a loaded machine)."""
    await factory.set_tenant(company["tenant"], hide_contact_from_sellers=True, restricted_visibility=True)
    statements: list[Sql] = []
    real = execution.fetchval

    async def keeping(query: Sql, *args: Any, **kwargs: Any) -> Any:
        statements.append(query)
        return await real(query, *args, **kwargs)

    monkeypatch.setattr(execution, "fetchval", keeping)
    message = company["ids"]["cursors"]["messages"][0]
    answer = orjson.loads(await post(http, HEAVY, {"message": message}, company["callers"][who]))
    assert answer["data"]["customers"]["nodes"], answer
    [statement] = statements
    plan = await real(Sql("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) ") + statement)
    [top] = orjson.loads(plan) if isinstance(plan, str | bytes) else plan
    assert "JIT" not in top
    assert top["Planning Time"] + top["Execution Time"] < 1000, (top["Planning Time"], top["Execution Time"])
