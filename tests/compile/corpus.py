"""A grammar of queries over the compiled types, for the differential test.

``documents(seed, ids)`` draws GraphQL documents from it: random subsets of each type's fields,
arguments (page sizes, searches, sorts, filters, portfolios, statuses), aliases, named fragments,
inline fragments, variables and @include/@skip. Every document is valid against the schema.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CUSTOMER_SCALARS = [
    "id", "name", "tradeName", "email", "phone", "phoneE164", "whatsapp", "whatsappE164", "document", "status",
    "originChannel", "createdAt", "updatedAt", "lastInteractionAt", "lastContactedAt", "version", "contactHidden",
    "__typename",
]  # fmt: skip
ADDRESS = ["street", "number", "complement", "neighbourhood", "city", "state", "postalCode", "country", "__typename"]
USER = ["id", "name", "email", "role", "isActive", "canStartConversations", "__typename"]
TAG = ["id", "name", "color", "__typename"]
EXTERNAL_ID = ["source", "id", "__typename"]
TEAM = ["id", "name", "createdAt", "__typename"]
NOTE = ["id", "body", "authorName", "createdAt", "editedAt", "__typename"]
TASK = [
    "id", "title", "description", "dueAt", "priority", "status", "completedAt", "createdAt", "updatedAt",
    "overdue", "__typename",
]  # fmt: skip
APPOINTMENT = ["id", "title", "startsAt", "endsAt", "location", "notes", "createdAt", "__typename"]
PURCHASE = ["id", "amount", "currency", "description", "occurredAt", "externalId", "source", "__typename"]
CONTRACT = [
    "id", "title", "status", "startsOn", "endsOn", "value", "notes", "createdAt", "updatedAt", "endedAt", "version",
    "__typename",
]  # fmt: skip
CONVERSATION = ["id", "channel", "status", "lastMessageAt", "closedAt", "createdAt", "handle", "__typename"]
MESSAGE = ["id", "channel", "direction", "body", "sentAt", "status", "channelMessageId", "__typename"]
CUSTOM_VALUE = [
    "key", "label", "type", "value", "hidden", "text", "number", "decimal", "date", "boolean", "choices", "__typename",
]  # fmt: skip
SAVED_FILTER = ["id", "name", "shared", "search", "createdAt", "updatedAt", "sort", "__typename"]
HISTORY_ENTRY = ["id", "kind", "at", "actorName", "details", "__typename"]
FIELD_CHANGE = ["field", "before", "after", "hidden", "__typename"]
MERGE = ["id", "performedAt", "undoneAt", "undoableUntil", "duplicateIds", "__typename"]
TIMELINE_KINDS = ["NOTE", "TASK", "CONVERSATION", "APPOINTMENT", "PURCHASE", "HISTORY", "CONTRACT"]
PAGE_INFO = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]

SEARCHES = ["ana", "Ana Lima", "ana lima", "lima", "vip", "bru", "11 98765", "98765", "@example.com", "dias", "52998"]
SORT_FIELDS = [
    "NAME", "CREATED_AT", "LAST_INTERACTION_AT", "LAST_CONTACTED_AT", "STATUS", "EMAIL", "TRADE_NAME", "CITY", "OWNER",
    "RELEVANCE",
]  # fmt: skip


@dataclass
class Doc:
    """One document being drawn: its variables and named fragments grow as fields use them."""

    rng: random.Random
    ids: dict[str, Any]
    variables: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name -> (GraphQL type, value)
    fragments: list[str] = field(default_factory=list)

    def var(self, graphql_type: str, value: Any) -> str:
        name = f"v{len(self.variables)}"
        self.variables[name] = (graphql_type, value)
        return f"${name}"

    def value(self, graphql_type: str, value: Any, literal: str) -> str:
        """An argument value: a variable half of the time, else the literal."""
        return self.var(graphql_type, value) if self.rng.random() < 0.5 else literal

    def directive(self) -> str:
        roll = self.rng.random()
        if roll < 0.06:
            return f" @include(if: {self.value('Boolean!', True, 'true')})"
        if roll < 0.09:
            return f" @skip(if: {self.value('Boolean!', False, 'false')})"
        if roll < 0.11:
            return f" @include(if: {self.value('Boolean!', False, 'false')})"
        return ""

    def alias(self, name: str) -> str:
        return f"{name}_{self.rng.randrange(100)}: " if self.rng.random() < 0.2 else ""

    def pick(self, names: list[str], low: int = 1) -> list[str]:
        count = self.rng.randint(low, min(len(names), 6))
        return self.rng.sample(names, count)

    def wrap(self, type_name: str, body: str) -> str:
        """The selection as written, or inside an inline fragment, or in a named fragment."""
        roll = self.rng.random()
        if roll < 0.12:
            return f"... on {type_name} {{ {body} }}"
        if roll < 0.22:
            name = f"F{len(self.fragments)}"
            self.fragments.append(f"fragment {name} on {type_name} {{ {body} }}")
            return f"...{name}"
        return body

    def scalars(self, type_name: str, names: list[str]) -> str:
        return self.wrap(type_name, " ".join(f"{self.alias(n)}{n}{self.directive()}" for n in self.pick(names)))


def _user(doc: Doc) -> str:
    return "{ " + doc.scalars("User", USER) + " }"


def _connection(doc: Doc, type_name: str, draw: Callable[[], str]) -> str:
    """A connection's selection; ``draw`` writes its node's selection, once, if a node is asked."""
    drawn: list[str] = []

    def node_() -> str:
        if not drawn:
            drawn.append(draw())
        return drawn[0]

    parts = []
    for part in doc.pick(["totalCount", "pageInfo", "edges", "nodes", "__typename"]):
        if part == "pageInfo":
            parts.append(f"{doc.alias(part)}pageInfo {{ {doc.scalars('PageInfo', PAGE_INFO)} }}")
        elif part == "edges":
            inner = doc.pick(["cursor", "node", "__typename"])
            body = " ".join(f"node {node_()}" if n == "node" else n for n in inner)
            parts.append(f"{doc.alias(part)}edges {{ {body} }}")
        elif part == "nodes":
            parts.append(f"{doc.alias(part)}nodes {node_()}")
        else:
            parts.append(f"{doc.alias(part)}{part}")
    return "{ " + " ".join(parts) + " }"


def _first(doc: Doc, low: int = 1, high: int = 4) -> str:
    n = doc.rng.randint(low, high)
    return f"first: {doc.value('Int', n, str(n))}"


def _page(doc: Doc, tag: str, low: int = 1, high: int = 4) -> str:
    """A nested list's page: ``first``, and now and then ``after`` a cursor handed out earlier by
    some list of that kind (of one parent, one caller: the others refuse it), or a forged one."""
    arguments = _first(doc, low, high)
    cursors = doc.ids.get("cursors", {}).get(tag, [])
    if cursors and doc.rng.random() < 0.2:
        cursor = doc.rng.choice([*cursors, "bm90LWEtY3Vyc29y"])
        arguments += f", after: {doc.value('String', cursor, chr(34) + cursor + chr(34))}"
    return arguments


def _note(doc: Doc, depth: int) -> str:
    parts = [doc.scalars("Note", NOTE)]
    if doc.rng.random() < 0.4:
        parts.append(f"author {_user(doc)}")
    if depth < 2 and doc.rng.random() < 0.15:
        parts.append("customer { id name email }")
    return "{ " + " ".join(parts) + " }"


def _task(doc: Doc) -> str:
    parts = [doc.scalars("Task", TASK)]
    if doc.rng.random() < 0.4:
        parts.append(f"responsible {_user(doc)}")
    if doc.rng.random() < 0.2:
        parts.append(f"createdBy {_user(doc)}")
    return "{ " + " ".join(parts) + " }"


def _conversation(doc: Doc) -> str:
    parts = [doc.scalars("Conversation", CONVERSATION)]
    if doc.rng.random() < 0.4:

        def message() -> str:
            author = f" author {_user(doc)}" if doc.rng.random() < 0.3 else ""
            return "{ " + doc.scalars("Message", MESSAGE) + author + " }"

        parts.append(f"messages({_page(doc, 'messages')}) {_connection(doc, 'Message', message)}")
    if doc.rng.random() < 0.2:
        parts.append(f"startedBy {_user(doc)}")
    if doc.rng.random() < 0.2:
        parts.append("team { id name }")
    return "{ " + " ".join(parts) + " }"


def _history_entry(doc: Doc) -> str:
    parts = [doc.scalars("HistoryEntry", HISTORY_ENTRY)]
    if doc.rng.random() < 0.7:
        parts.append("changes { " + doc.scalars("FieldChange", FIELD_CHANGE) + " }")
    if doc.rng.random() < 0.3:
        parts.append(f"actor {_user(doc)}")
    return "{ " + " ".join(parts) + " }"


def _merge(doc: Doc) -> str:
    parts = [doc.scalars("Merge", MERGE)]
    if doc.rng.random() < 0.5:
        parts.append("movedRecords { " + doc.scalars("MovedRecords", ["kind", "count", "__typename"]) + " }")
    if doc.rng.random() < 0.4:
        parts.append("primary { id name email }")
    if doc.rng.random() < 0.4:
        parts.append(f"performedBy {_user(doc)}")
    return "{ " + " ".join(parts) + " }"


def _timeline_item(doc: Doc) -> str:
    """A timeline item: a few of its member types, each in an inline fragment."""
    members = {
        "Note": lambda: _note(doc, 2),
        "Task": lambda: _task(doc),
        "Conversation": lambda: "{ " + doc.scalars("Conversation", CONVERSATION) + " }",
        "Appointment": lambda: "{ " + doc.scalars("Appointment", APPOINTMENT) + " }",
        "Purchase": lambda: "{ " + doc.scalars("Purchase", PURCHASE) + " }",
        "HistoryEntry": lambda: _history_entry(doc),
        "Contract": lambda: "{ " + doc.scalars("Contract", CONTRACT) + " }",
    }
    chosen = doc.rng.sample(list(members), doc.rng.randint(1, len(members)))
    return "{ __typename " + " ".join(f"... on {name} {members[name]()}" for name in chosen) + " }"


def _timeline(doc: Doc) -> str:
    args = [_page(doc, "timeline", 1, 12)]
    if doc.rng.random() < 0.3:  # the cursors handed out are of every kind's timeline: refused here
        kinds = doc.rng.sample(TIMELINE_KINDS, doc.rng.randint(1, 3))
        args.append(f"kinds: {doc.value('[TimelineKind!]', kinds, '[' + ', '.join(kinds) + ']')}")
    return f"timeline({', '.join(args)}) {_connection(doc, 'Annotated', lambda: _timeline_item(doc))}"


def _customer(doc: Doc, depth: int = 1) -> str:
    parts = [doc.scalars("Customer", CUSTOMER_SCALARS)]
    nested = {
        "address": lambda: "address { " + doc.scalars("Address", ADDRESS) + " }",
        "owner": lambda: f"owner {_user(doc)}",
        "tags": lambda: "tags { " + doc.scalars("Tag", TAG) + " }",
        "externalIds": lambda: "externalIds { " + doc.scalars("ExternalId", EXTERNAL_ID) + " }",
        "teams": lambda: (
            "teams { " + doc.scalars("Team", TEAM) + (f" members {_user(doc)}" if doc.rng.random() < 0.3 else "") + " }"
        ),
        "customFields": lambda: "customFields { " + doc.scalars("CustomFieldValue", CUSTOM_VALUE) + " }",
        "notes": lambda: f"notes({_page(doc, 'notes')}) {_connection(doc, 'Note', lambda: _note(doc, depth))}",
        "lastNote": lambda: f"lastNote {_note(doc, depth)}",
        "tasks": lambda: (
            "tasks("
            + _page(doc, "tasks")
            + (f", status: {doc.value('TaskStatus', s, s)}" if (s := doc.rng.choice([None, "OPEN", "DONE"])) else "")
            + f") {_connection(doc, 'Task', lambda: _task(doc))}"
        ),
        "openTasks": lambda: f"openTasks {_task(doc)}",
        "conversations": lambda: (
            f"conversations({_page(doc, 'conversations')}) {_connection(doc, 'Conversation', lambda: _conversation(doc))}"
        ),
        "lastConversation": lambda: f"lastConversation {_conversation(doc)}",
        "appointments": lambda: (
            f"appointments({_page(doc, 'appointments')}) {_connection(doc, 'Appointment', lambda: '{ ' + doc.scalars('Appointment', APPOINTMENT) + ' }')}"
        ),
        "timeline": lambda: _timeline(doc),
        "purchases": lambda: (
            f"purchases({_page(doc, 'purchases')}) {_connection(doc, 'Purchase', lambda: '{ ' + doc.scalars('Purchase', PURCHASE) + ' }')}"
        ),
        "contracts": lambda: (
            f"contracts({_page(doc, 'contracts')}) {_connection(doc, 'Contract', lambda: '{ ' + doc.scalars('Contract', CONTRACT) + (f' createdBy {_user(doc)}' if doc.rng.random() < 0.3 else '') + ' }')}"
        ),
        "billingParent": lambda: "billingParent { " + doc.scalars("Customer", CUSTOMER_SCALARS) + " }",
        "billedCustomers": lambda: (
            f"billedCustomers({_page(doc, 'billedCustomers')}) {_connection(doc, 'Customer', lambda: '{ ' + doc.scalars('Customer', CUSTOMER_SCALARS) + ' }')}"
        ),
    }
    for name in doc.rng.sample(list(nested), doc.rng.randint(0, 4 if depth == 1 else 1)):
        written = nested[name]()
        cut = written.index(" {")  # directives go between the field (and its arguments) and its selection
        parts.append(doc.alias(name) + written[:cut] + doc.directive() + written[cut:])
    return "{ " + " ".join(parts) + " }"


def _customers_arguments(doc: Doc) -> str:
    args = []
    if doc.rng.random() < 0.7:
        args.append(_first(doc, 1, 8))
    if doc.rng.random() < 0.3:
        text = doc.rng.choice(SEARCHES)
        args.append(f"search: {doc.value('String', text, repr(text).replace(chr(39), chr(34)))}")
    if doc.rng.random() < 0.3:
        portfolio = doc.rng.choice(["ALL", "MINE", "UNASSIGNED", "SELLER"])
        args.append(f"portfolio: {doc.value('Portfolio', portfolio, portfolio)}")
        if portfolio == "SELLER":
            args.append(f'sellerId: "{doc.ids["seller"]}"')
    if doc.rng.random() < 0.35:
        sort_field = doc.rng.choice(SORT_FIELDS)
        direction = doc.rng.choice(["ASC", "DESC"])
        args.append(
            f"sort: {doc.value('CustomerSort', {'field': sort_field, 'direction': direction}, f'{{field: {sort_field}, direction: {direction}}}')}"
        )
    if doc.rng.random() < 0.25:
        choice = doc.rng.choice(
            [
                "{status: ANY}",
                "{hasOpenTasks: true}",
                f'{{tags: {{anyOf: ["{doc.ids["tag"]}"]}}}}',
                "{originChannels: [API, WHATSAPP]}",
                "{status: INACTIVE}",
            ]
        )
        args.append(f"filter: {choice}")
    return f"({', '.join(args)})" if args else ""


def _root(doc: Doc) -> str:
    kind = doc.rng.choices(
        ["customers", "customer", "node", "myTasks", "savedFilters", "timeline"], weights=[6, 2, 2, 1, 1, 2]
    )[0]
    alias = doc.alias(kind)
    if kind == "savedFilters":
        parts = [doc.scalars("SavedFilter", SAVED_FILTER)]
        if doc.rng.random() < 0.3:
            parts.append(f"owner {_user(doc)}")
        for n in range(doc.rng.choice([0, 1, 1, 2])):
            arguments = f"({_first(doc, 1, 5)})" if doc.rng.random() < 0.7 else ""
            parts.append(f"c{n}: customers{arguments} {_connection(doc, 'Customer', lambda: _customer(doc, 2))}")
        return f"{alias}savedFilters {{ {' '.join(parts)} }}"
    if kind == "timeline":
        pk = doc.rng.choice(doc.ids["customers"])
        return f"{alias}customer(id: {doc.value('ID!', pk, chr(34) + pk + chr(34))}) {{ id {_timeline(doc)} }}"
    if kind == "myTasks":
        args = [_first(doc, 1, 5)]
        status = doc.rng.choice([None, "OPEN", "DONE"])
        if status:
            args.append(f"status: {doc.value('TaskStatus', status, status)}")
        if doc.rng.random() < 0.3:
            args.append('dueBefore: "2026-03-02T00:00:00+00:00"')
        return f"{alias}myTasks({', '.join(args)}) {_connection(doc, 'Task', lambda: _task(doc))}"
    if kind == "customers":
        return f"{alias}customers{_customers_arguments(doc)} {_connection(doc, 'Customer', lambda: _customer(doc))}"
    if kind == "customer":
        pk = doc.rng.choice(doc.ids["customers"])
        return f"{alias}customer(id: {doc.value('ID!', pk, chr(34) + pk + chr(34))}) {_customer(doc)}"
    pk = doc.rng.choice(doc.ids["nodes"])
    draw = doc.rng.choice(
        [
            lambda: f"... on Customer {_customer(doc)}",
            lambda: f"... on Note {_note(doc, 1)}",
            lambda: f"... on Task {_task(doc)}",
            lambda: f"... on Conversation {_conversation(doc)}",
            lambda: "... on User { id name role }",
            lambda: "... on Tag { id name }",
            lambda: (
                "... on CustomField { id key label type options required position archived version createdAt updatedAt }"
            ),
            lambda: "... on MessageTemplate { id name body channel archived }",
            lambda: "... on SavedFilter { id name shared search createdAt updatedAt sort owner { id name } }",
            lambda: f"... on HistoryEntry {_history_entry(doc)}",
            lambda: f"... on Merge {_merge(doc)}",
        ]
    )
    if doc.rng.random() < 0.3:  # an entry or a merge, asked as one
        pk, draw = doc.rng.choice(
            [(doc.rng.choice(doc.ids["entries"]), lambda: f"... on HistoryEntry {_history_entry(doc)}"),
             (doc.rng.choice(doc.ids["merges"]), lambda: f"... on Merge {_merge(doc)}")]
        )  # fmt: skip
    return f'{alias}node(id: "{pk}") {{ id __typename {draw()} }}'


def document(rng: random.Random, ids: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    doc = Doc(rng, ids)
    roots = [_root(doc) for _ in range(rng.choice([1, 1, 1, 2]))]
    if len(roots) > 1:  # two roots under one response key would have to agree on their arguments
        roots = [r if re.match(r"^\w+: ", r) else f"q{i}: {r}" for i, r in enumerate(roots)]
    declared = ", ".join(f"${name}: {t}" for name, (t, _) in doc.variables.items())
    head = f"query Q({declared})" if declared else "query Q"
    body = f"{head} {{ {' '.join(roots)} }}\n" + "\n".join(doc.fragments)
    return body, {name: value for name, (_, value) in doc.variables.items()}


def documents(seed: int, count: int, ids: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    return [document(rng, ids) for _ in range(count)]
