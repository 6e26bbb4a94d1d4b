"""Every GraphQL example in README.md runs as written, in order, on a freshly seeded demo company.

Examples show ids as shortened placeholders ("Q3VzdG9tZXI6..."); this test puts in the real ids
of the demo's records (the customer is the one the README's createCustomer example makes). An
example passes when the answer has no error and no member of a result union that is an error.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from graphql import FieldNode, NameNode, SelectionSetNode, Visitor, parse, print_ast, visit

from server.seed import seed_demo
from server.settings import PROJECT_ROOT

README = Path(PROJECT_ROOT) / "README.md"
CUSTOMER = "Q3VzdG9tZXI6..."  # the customer the createCustomer example creates


def examples() -> list[str]:
    return re.findall(r"^```graphql\n(.*?)^```", README.read_text(), flags=re.S | re.M)


class _AskTypenames(Visitor):
    """Select __typename everywhere, so an error member is seen even where the example does not ask."""

    def leave_selection_set(self, node: SelectionSetNode, *_: Any) -> SelectionSetNode:
        typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
        return SelectionSetNode(selections=(*node.selections, typename))


def with_typenames(document: str) -> str:
    return print_ast(visit(parse(document), _AskTypenames()))


def typenames(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["__typename"]] if "__typename" in value else []
        return own + [n for v in value.values() for n in typenames(v)]
    if isinstance(value, list):
        return [n for v in value for n in typenames(v)]
    return []


async def ids(gql: Any, admin: str) -> dict[str, str]:
    data = await gql.data(
        """{ tags { tag { id name } } teams { id name } customFields { id key } messageTemplates { id name }
        users { id email } }""",
        as_=admin,
    )
    tag = {t["tag"]["name"]: t["tag"]["id"] for t in data["tags"]}
    return {
        "VXNlcjo...": next(u["id"] for u in data["users"] if u["email"] == "seller@demo.test"),
        "VGFnOi4uLg==": tag["VIP"],
        "VGFnOi4uLw==": tag["Lead"],
        "VGVhbTo...": data["teams"][0]["id"],
        "Q3VzdG9tRmllbGQ6...": next(f["id"] for f in data["customFields"] if f["key"] == "segment"),
        "TWVzc2FnZVRlbXBsYXRlOi4uLg==": data["messageTemplates"][0]["id"],
    }


async def test_the_readme_examples_run_on_the_demo(gql, factory, app):
    users = await seed_demo(app.state.policies.current, slug=f"demo-{uuid.uuid4().hex[:8]}")
    demo_admin = next(u for u in users if u.role.value == "admin")
    admin = factory.token_for(demo_admin.id, demo_admin.tenant_id)
    errors = await gql.data('{ __type(name: "Error") { possibleTypes { name } } }', as_=admin)
    error_types = {t["name"] for t in errors["__type"]["possibleTypes"]}
    placeholders = await ids(gql, admin)
    found = examples()
    assert len(found) >= 10, "the README's ```graphql blocks were not found"

    for number, example in enumerate(found, 1):
        document = example
        for placeholder, real in placeholders.items():
            document = document.replace(f'"{placeholder}"', f'"{real}"')
        variables = {"id": placeholders[CUSTOMER]} if "$id" in document else {}
        body = await gql.post(with_typenames(document), variables, as_=admin)

        where = f"README example {number}:\n{example}"
        assert "errors" not in body, f"{where}\n{body['errors']}"
        refused = [name for name in typenames(body["data"]) if name in error_types]
        assert not refused, f"{where}\nanswered {refused}: {body['data']}"
        created = (body["data"].get("createCustomer") or {}).get("customer")
        if created and CUSTOMER not in placeholders:
            placeholders[CUSTOMER] = created["id"]
