"""Reading the audit log: admins only, one company's entries, filters, pages, withheld contact values."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.audit.support import AUDIT_LOG, audit_log, entries
from tests.factories import Factory, gid
from tests.helpers import error_codes

NOTE_ADD = "mutation($i: AddNoteInput!) { addNote(input: $i) { __typename ... on NoteSuccess { note { id } } } }"
CUSTOMER_UPDATE = "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename } }"
TEAM_CREATE = (
    "mutation($i: CreateTeamInput!) { createTeam(input: $i) { __typename ... on TeamSuccess { team { id } } } }"
)
NODE = "query($id: ID!) { node(id: $id) { __typename ... on AuditEntry { action before after withheld } } }"


async def _notes(gql: Any, who: Any, customer: Any, count: int) -> list[str]:
    ids = []
    for i in range(count):
        data = await gql.data(NOTE_ADD, {"i": {"customerId": gid("Customer", customer), "body": f"n{i}"}}, as_=who)
        ids.append(data["addNote"]["note"]["id"])
    return ids


async def test_sellers_and_supervisors_are_refused(gql: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    for role in ("seller", "supervisor"):
        user = await factory.user(tenant, role)
        body = await gql.post(AUDIT_LOG, {"first": 10}, as_=user)
        assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None, body


async def test_another_companys_entries_are_invisible(gql: Any, factory: Factory) -> None:
    ours, theirs = await factory.tenant(), await factory.tenant()
    admin, other_admin = await factory.user(ours, "admin"), await factory.user(theirs, "admin")
    await _notes(gql, other_admin, await factory.customer(theirs), 2)
    [mine] = await _notes(gql, admin, await factory.customer(ours), 1)

    log = await audit_log(gql, admin, action="note.create")
    assert [e["objectId"] for e in log["nodes"]] == [mine] and log["totalCount"] == 1
    other_entry = (await entries(gql, other_admin, action="note.create"))[0]
    assert (await gql.data(NODE, {"id": other_entry["id"]}, as_=admin))["node"] is None
    assert (await gql.data(NODE, {"id": log["nodes"][0]["id"]}, as_=admin))["node"]["action"] == "note.create"


async def test_filters_narrow_the_log(gql: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin, other = await factory.user(tenant, "admin"), await factory.user(tenant, "admin")
    customer = await factory.customer(tenant)
    first_note, _ = await _notes(gql, admin, customer, 2)
    await _notes(gql, other, customer, 1)
    team = await gql.data(TEAM_CREATE, {"i": {"name": "South"}}, as_=admin)
    team_id = team["createTeam"]["team"]["id"]

    assert (await audit_log(gql, admin))["totalCount"] == 4
    assert {e["action"] for e in await entries(gql, admin, actor=admin.gid)} == {"note.create", "team.create"}
    assert len(await entries(gql, admin, actor=other.gid)) == 1
    assert [e["objectId"] for e in await entries(gql, admin, objectType="Team")] == [team_id]
    assert [e["objectId"] for e in await entries(gql, admin, objectId=first_note)] == [first_note]
    assert len(await entries(gql, admin, action="note.create", actor=admin.gid)) == 2
    newest = (await entries(gql, admin))[0]["at"]
    assert [e["action"] for e in await entries(gql, admin, between={"from": newest})] == ["team.create"]
    assert await entries(gql, admin, between={"to": "2000-01-01T00:00:00Z"}) == []
    body = await gql.post(AUDIT_LOG, {"filter": {"actor": "not-an-id"}}, as_=admin)
    assert error_codes(body) == ["BAD_USER_INPUT"], body


async def test_pages_follow_each_other_newest_first(gql: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    notes = await _notes(gql, admin, await factory.customer(tenant), 5)

    seen: list[str] = []
    after = None
    while True:
        page = await audit_log(gql, admin, first=2, after=after)
        assert page["totalCount"] == 5
        seen += [e["objectId"] for e in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(notes))

    other_list = await gql.post(AUDIT_LOG, {"filter": {"action": "team.create"}, "after": after}, as_=admin)
    assert error_codes(other_list) == ["BAD_USER_INPUT"], other_list


async def test_reading_a_page_costs_a_fixed_number_of_statements(gql: Any, factory: Factory, count_statements) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    sellers = [await factory.user(tenant, "seller") for _ in range(3)]
    customer = await factory.customer(tenant)
    for seller in sellers:  # entries naming owners by id only: their names are looked up when read
        await gql.data(CUSTOMER_UPDATE, {"i": {"id": gid("Customer", customer), "ownerId": seller.gid}}, as_=admin)
    await _notes(gql, admin, customer, 10)

    with count_statements() as counter:
        page = await audit_log(gql, admin, first=50)
    assert len(page["nodes"]) == 13
    assert page["nodes"][-1]["after"]["owner"]["name"] == (await _name(gql, admin, sellers[0].gid))
    # the caller's principal, the page, the users named (actors and owners, one batch), the count
    assert counter.count == 4, counter.statements


async def _name(gql: Any, admin: Any, user_gid: str) -> str:
    data = await gql.data("query($id: ID!) { node(id: $id) { ... on User { name } } }", {"id": user_gid}, as_=admin)
    return str(data["node"]["name"])


async def test_contact_values_are_withheld_from_a_reader_who_may_not_see_them(
    gql: Any, factory: Factory, policy_edit: Any
) -> None:
    tenant = await factory.tenant(hide_contact_from_sellers=True, restricted_visibility=False)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    customer = await factory.customer(tenant, name="Bia")
    update = {"id": gid("Customer", customer), "email": "bia@example.com", "name": "Bia Souza"}
    await gql.data(CUSTOMER_UPDATE, {"i": update}, as_=admin)

    await policy_edit(lambda text: text + "\np, seller, *, audit, read, all\n")

    [entry] = await entries(gql, seller, action="customer.update")
    assert entry["after"] == {"name": "Bia Souza", "email": None} and entry["withheld"] == ["email"]
    assert "bia@example.com" not in str(entry)
    node = (await gql.data(NODE, {"id": entry["id"]}, as_=seller))["node"]
    assert node["after"]["email"] is None and node["withheld"] == ["email"]
    [seen_by_admin] = await entries(gql, admin, action="customer.update")
    assert seen_by_admin["after"]["email"] == "bia@example.com" and seen_by_admin["withheld"] == []


async def _wait_for(gql: Any, admin: Any, action: str, fingerprint: str | None = None) -> dict[str, Any]:
    for _ in range(200):
        found = [e for e in await entries(gql, admin, action=action) if e["details"].get("fingerprint") == fingerprint]
        if found:
            return found[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {action} entry")


async def test_policy_reloads_and_refusals_are_recorded_for_every_company(
    app: Any, gql: Any, factory: Factory, policy_edit: Any, policy_dir: Path
) -> None:
    one, two = await factory.tenant(), await factory.tenant()
    admin, other_admin = await factory.user(one, "admin"), await factory.user(two, "admin")

    await policy_edit(lambda text: text + "\np, supervisor, *, audit, read, all\n")
    reloaded = app.state.policies.current.fingerprint
    entry = await _wait_for(gql, admin, "policy.reload", reloaded)
    assert (entry["actorName"], entry["actor"], entry["objectType"], entry["objectId"]) == (
        "system",
        None,
        "Policy",
        None,
    )
    await _wait_for(gql, other_admin, "policy.reload", reloaded)
    assert (
        len([e for e in await entries(gql, admin, action="policy.reload") if e["details"]["fingerprint"] == reloaded])
        == 1
    )

    path = policy_dir / "policy.csv"
    good = path.read_text()
    path.write_text(good + "\np, supervisor, *, no_such_object, read, all\n")
    try:
        for _ in range(200):
            if app.state.policies.last_error is not None:
                break
            await asyncio.sleep(0.02)
        refused = await _wait_for(gql, admin, "policy.refuse", app.state.policies._last_seen)
        assert refused["details"]["serving"] == reloaded and refused["details"]["problems"]
        assert app.state.policies.current.fingerprint == reloaded  # still serving the last good one
    finally:
        path.write_text(good)
        for _ in range(200):
            if app.state.policies.last_error is None:
                break
            await asyncio.sleep(0.02)
