"""Schema fuzzing: generated documents for every operation never get a 5xx nor INTERNAL_SERVER_ERROR.

schemathesis (with hypothesis-graphql) generates, from the schema the server serves, a few valid
documents and a few invalid ones per root field; each is sent as an admin and as a seller of a
tenant with some data, whose ids the generated ``ID`` arguments draw from half the time. The
documents are the same on every run (hypothesis is derandomised), so a failure reproduces; set
``CRM_FUZZ_SEED`` to explore other documents and ``CRM_FUZZ_EXAMPLES`` for more of them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.graphql import nodes
from schemathesis.graphql.loaders import get_introspection_query

from models.db import fetch
from models.sql import Sql
from schema.node import to_global_id

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "6"))
SEED = os.environ.get("CRM_FUZZ_SEED")

# Operations left out, each with the reason; remove an entry as soon as its fix lands.
EXCLUDED: dict[str, str] = {}

# Rows of the tenant whose ids the generated ID arguments may name, by table and Relay type.
ID_TABLES = {
    "customer": "Customer",
    "tag": "Tag",
    "team": "Team",
    "app_user": "User",
    "custom_field": "CustomField",
    "note": "Note",
    "task": "Task",
    "appointment": "Appointment",
    "purchase": "Purchase",
    "conversation": "Conversation",
    "message": "Message",
    "message_template": "MessageTemplate",
    "saved_filter": "SavedFilter",
    "customer_event": "HistoryEntry",
    "customer_merge": "Merge",
}

SEED_MUTATIONS = [
    ('mutation { createCustomField(input: {key: "segment", label: "Segment", type: SELECT, '
     'options: ["retail", "wholesale"]}) { __typename } }'),
    'mutation { createTeam(input: {name: "North"}) { __typename } }',
    'mutation { createCustomer(input: {name: "Ana Lima", email: "ana@example.com", phone: "+55 21 98765-4321", '
    'tags: ["vip"], address: {city: "Rio"}, customFields: [{key: "segment", value: "retail"}]}) { __typename } }',
    'mutation { createCustomer(input: {name: "Bruno", whatsapp: "+55 11 91234-5678", tags: ["lead"]}) { __typename } }',
    'mutation { createCustomer(input: {name: "Carla ME", document: "11.222.333/0001-81"}) { __typename } }',
    'mutation { recordInboundMessage(input: {channel: WHATSAPP, from: "+55 11 97777-6666", body: "Oi"}) { __typename } }',
    'mutation { saveFilter(input: {name: "VIPs", search: "ana", shared: true}) { __typename } }',
]  # fmt: skip


async def seed_tenant(gql: Any, factory: Any) -> tuple[Any, Any, list[str]]:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    for mutation in SEED_MUTATIONS:
        await gql.data(mutation, as_=admin)
    for name in ("Seller's own", "Seller's second"):
        await factory.customer(tenant, name=name, owner=seller)
    customer = to_global_id("Customer", (await rows(tenant.id, "customer"))[0])
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    for mutation in (
        f'mutation {{ addNote(input: {{customerId: "{customer}", body: "Called"}}) {{ __typename }} }}',
        f'mutation {{ createTask(input: {{customerId: "{customer}", title: "Call back", dueAt: "{due}"}}) {{ __typename }} }}',
        f'mutation {{ recordPurchase(input: {{customerId: "{customer}", amount: "10.50", currency: "BRL", '
        f'occurredAt: "{due}", externalId: "p-1"}}) {{ __typename }} }}',
    ):
        await gql.data(mutation, as_=admin)
    ids = [
        str(to_global_id(type_name, pk))
        for table, type_name in ID_TABLES.items()
        for pk in await rows(tenant.id, table)
    ]
    return admin, seller, ids


async def rows(tenant_id: UUID, table: str) -> list[UUID]:
    found = await fetch(Sql(f"SELECT id FROM {table} WHERE tenant_id = %s ORDER BY id", tenant_id))
    return [row["id"] for row in found]


# Strings worth more than random text: the seeded tenant's values, contact data, edge cases.
NOTABLE_STRINGS = [
    "", " ", "\x00", "Ana\x00", "Ana", "ana lima", "vip", "lead", "segment", "retail", "North",
    "ana@example.com", "+55 21 98765-4321", "21987654321", "11.222.333/0001-81", "BRL", "x" * 300,
]  # fmt: skip


def register_scalars(ids: list[str]) -> None:
    text = st.text(max_size=30)
    schemathesis.graphql.scalar("String", st.one_of(text, st.sampled_from(NOTABLE_STRINGS)).map(nodes.String))
    schemathesis.graphql.scalar("ID", st.one_of(st.sampled_from(ids), text).map(nodes.String))
    schemathesis.graphql.scalar("Date", st.dates().map(lambda d: nodes.String(d.isoformat())))
    schemathesis.graphql.scalar(
        "DateTime", st.datetimes(timezones=st.just(UTC)).map(lambda d: nodes.String(d.isoformat()))
    )
    schemathesis.graphql.scalar(
        "Decimal",
        st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str), text).map(nodes.String),
    )
    json_leaf: st.SearchStrategy[Any] = st.one_of(
        text.map(nodes.String), st.integers().map(nodes.Int), st.booleans().map(nodes.Boolean), st.just(nodes.Null)
    )
    # Files come only in multipart requests; in a JSON request the field refuses whatever is sent.
    schemathesis.graphql.scalar("Upload", st.just(nodes.String("not a file")))
    schemathesis.graphql.scalar("JSON", st.one_of(json_leaf, st.lists(json_leaf, max_size=3).map(nodes.List)))


def draw_documents(strategy: Any) -> list[str]:
    """The documents of EXAMPLES cases drawn from a case strategy (generation only, no request)."""
    drawn: list[str] = []

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        database=None,
        derandomize=SEED is None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def draw(case: Any) -> None:
        drawn.append(case.body if isinstance(case.body, str) else case.body["query"])

    (seed(int(SEED))(draw) if SEED is not None else draw)()
    return list(dict.fromkeys(drawn))


def generate(schema: Any) -> list[tuple[str, str]]:
    """(operation, document) pairs: a few valid and a few invalid documents per operation."""
    documents: list[tuple[str, str]] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in EXCLUDED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            documents.extend((operation.label, document) for document in draw_documents(strategy))
    return documents


def problems(response: Any) -> list[str]:
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}: {response.text[:300]}"]
    body = response.json()
    return [
        f"{e.get('message')} at {e.get('path')}"
        for e in body.get("errors") or []
        if (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
    ]


async def test_generated_documents_never_get_an_internal_error(gql, http, factory):
    admin, seller, ids = await seed_tenant(gql, factory)
    register_scalars(ids)
    introspection = await gql.data(get_introspection_query(), as_=admin)
    schema = schemathesis.graphql.from_dict(introspection)
    documents = generate(schema)
    assert {label for label, _ in documents} >= {"Query.customers", "Mutation.createCustomer"}

    failures = []
    for user in (seller, admin):  # the seller first: the admin's documents may delete its rows
        for label, document in documents:
            response = await http.post(
                "/graphql", json={"query": document}, headers={"authorization": f"Bearer {user.token}"}
            )
            failures.extend(f"{user.role.value} {label}: {p}\n{document}" for p in problems(response))

    assert not failures, f"{len(failures)} internal errors:\n\n" + "\n\n".join(failures[:15])
