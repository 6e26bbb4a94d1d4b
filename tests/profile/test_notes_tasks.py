"""Notes and tasks on a customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import error_codes, gid, tenant_fingerprint

ADD_NOTE = """mutation($i: AddNoteInput!) { addNote(input: $i) { __typename
  ... on NoteSuccess { note { id body authorName author { email } createdAt editedAt customer { id } } }
  ... on ValidationFailed { fields { field code } } ... on NotFound { message } } }"""
EDIT_NOTE = """mutation($i: EditNoteInput!) { editNote(input: $i) { __typename
  ... on NoteSuccess { note { body editedAt } } ... on NotFound { message } } }"""
DELETE_NOTE = """mutation($i: DeleteInput!) { deleteNote(input: $i) { __typename } }"""
CREATE_TASK = """mutation($i: CreateTaskInput!) { createTask(input: $i) { __typename
  ... on TaskSuccess { task { id title status priority dueAt overdue responsible { email } createdBy { email } } }
  ... on ValidationFailed { fields { field code message } } ... on NotFound { message } } }"""
UPDATE_TASK = """mutation($i: UpdateTaskInput!) { updateTask(input: $i) { __typename
  ... on TaskSuccess { task { status completedAt title } } ... on NotFound { message }
  ... on ValidationFailed { fields { field code } } } }"""
MY_TASKS = """query($status: TaskStatus, $dueBefore: DateTime) { myTasks(status: $status, dueBefore: $dueBefore) {
  totalCount nodes { title overdue customer { id name } } } }"""


@pytest.fixture
async def people(factory):
    tenant = await factory.tenant()
    team = await factory.team(tenant)
    admin = await factory.user(tenant, "admin")
    ana = await factory.user(tenant, "seller", teams=[team])
    bruno = await factory.user(tenant, "seller", teams=[team])
    carla = await factory.user(tenant, "seller")
    customer = await factory.customer(tenant, name="Cliente", owner=ana, teams=[team])
    return tenant, admin, ana, bruno, carla, customer


async def test_notes_are_written_by_those_who_may_and_edited_by_their_author_or_a_moderator(gql, people):
    _tenant, admin, ana, bruno, carla, customer = people

    added = (
        await gql.data(ADD_NOTE, {"i": {"customerId": gid(customer), "body": "  Called, will buy in May. "}}, as_=ana)
    )["addNote"]
    note_id = added["note"]["id"]
    assert added["note"]["body"] == "Called, will buy in May."
    assert added["note"]["author"]["email"] == ana.email and added["note"]["editedAt"] is None

    # carla cannot see the customer: as if the note did not exist
    assert (await gql.data(ADD_NOTE, {"i": {"customerId": gid(customer), "body": "x"}}, as_=carla))["addNote"][
        "__typename"
    ] == "NotFound"
    assert (await gql.data(EDIT_NOTE, {"i": {"id": note_id, "body": "x"}}, as_=carla))["editNote"][
        "__typename"
    ] == "NotFound"
    # bruno sees it (same team) but did not write it
    refused = await gql.post(EDIT_NOTE, {"i": {"id": note_id, "body": "x"}}, as_=bruno)
    assert error_codes(refused) == ["FORBIDDEN"], refused
    edited = await gql.data(EDIT_NOTE, {"i": {"id": note_id, "body": "Will buy in June."}}, as_=ana)
    assert edited["editNote"]["note"]["body"] == "Will buy in June."
    assert edited["editNote"]["note"]["editedAt"] is not None
    # an admin moderates anyone's notes
    assert (await gql.data(DELETE_NOTE, {"i": {"id": note_id}}, as_=admin))["deleteNote"][
        "__typename"
    ] == "DeleteSuccess"
    listing = await gql.data(
        "query($id: ID!) { customer(id: $id) { notes { totalCount } lastNote { id } } }", {"id": gid(customer)}, as_=ana
    )
    assert listing["customer"] == {"notes": {"totalCount": 0}, "lastNote": None}


async def test_an_empty_or_huge_note_is_refused(gql, people):
    tenant, _, ana, _, _, customer = people
    before = await tenant_fingerprint(tenant.id)

    empty = await gql.data(ADD_NOTE, {"i": {"customerId": gid(customer), "body": "   "}}, as_=ana)
    huge = await gql.data(ADD_NOTE, {"i": {"customerId": gid(customer), "body": "x" * 20_001}}, as_=ana)

    assert empty["addNote"]["fields"] == [{"field": "body", "code": "REQUIRED"}]
    assert huge["addNote"]["fields"] == [{"field": "body", "code": "TOO_LONG"}]
    assert await tenant_fingerprint(tenant.id) == before


async def test_notes_page_newest_first(gql, people):
    _, _, ana, _, _, customer = people
    for i in range(5):
        await gql.data(ADD_NOTE, {"i": {"customerId": gid(customer), "body": f"note {i}"}}, as_=ana)
    query = """query($id: ID!, $after: String) { customer(id: $id) { lastNote { body }
      notes(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { body } } } }"""

    first = (await gql.data(query, {"id": gid(customer)}, as_=ana))["customer"]
    second = (await gql.data(query, {"id": gid(customer), "after": first["notes"]["pageInfo"]["endCursor"]}, as_=ana))[
        "customer"
    ]

    assert first["lastNote"] == {"body": "note 4"}
    assert [n["body"] for n in first["notes"]["nodes"]] == ["note 4", "note 3"]
    assert [n["body"] for n in second["notes"]["nodes"]] == ["note 2", "note 1"]
    assert first["notes"]["totalCount"] == 5


async def test_tasks_lifecycle(gql, people):
    _, _, ana, bruno, _, customer = people
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()

    created = (
        await gql.data(
            CREATE_TASK,
            {
                "i": {
                    "customerId": gid(customer),
                    "title": "Send the proposal",
                    "dueAt": due,
                    "priority": "HIGH",
                    "responsibleId": bruno.gid,
                }
            },
            as_=ana,
        )
    )["createTask"]["task"]
    done = await gql.data(UPDATE_TASK, {"i": {"id": created["id"], "status": "DONE"}}, as_=bruno)
    reopened = await gql.data(UPDATE_TASK, {"i": {"id": created["id"], "status": "OPEN"}}, as_=bruno)

    assert (created["status"], created["priority"], created["overdue"]) == ("OPEN", "HIGH", False)
    assert created["responsible"]["email"] == bruno.email and created["createdBy"]["email"] == ana.email
    assert done["updateTask"]["task"]["status"] == "DONE" and done["updateTask"]["task"]["completedAt"]
    assert reopened["updateTask"]["task"]["completedAt"] is None


async def test_only_someone_who_sees_the_customer_can_be_made_responsible(gql, people):
    tenant, _, ana, _, carla, customer = people
    before = await tenant_fingerprint(tenant.id)

    data = await gql.data(
        CREATE_TASK, {"i": {"customerId": gid(customer), "title": "Call", "responsibleId": carla.gid}}, as_=ana
    )

    assert data["createTask"]["fields"][0]["field"] == "responsibleId"
    assert data["createTask"]["fields"][0]["code"] == "NOT_ALLOWED"
    assert await tenant_fingerprint(tenant.id) == before


async def test_my_tasks_lists_the_callers_open_work_and_overdue_is_derived(gql, factory, people):
    from models.db import execute
    from models.sql import Sql

    tenant, admin, ana, bruno, _, customer = people
    other = await factory.customer(tenant, name="Other", owner=ana)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    future = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    for title, cid, due in (("Late", customer, past), ("Later", other, future), ("Undated", customer, None)):
        await gql.data(CREATE_TASK, {"i": {"customerId": gid(cid), "title": title, "dueAt": due}}, as_=ana)
    await gql.data(CREATE_TASK, {"i": {"customerId": gid(customer), "title": "Bruno's"}}, as_=bruno)

    mine = (await gql.data(MY_TASKS, as_=ana))["myTasks"]
    soon = (await gql.data(MY_TASKS, {"dueBefore": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, as_=ana))[
        "myTasks"
    ]

    assert [n["title"] for n in mine["nodes"]] == ["Late", "Later", "Undated"]  # soonest due first, undated last
    assert [n["overdue"] for n in mine["nodes"]] == [True, False, False]
    assert mine["totalCount"] == 3
    assert [n["title"] for n in soon["nodes"]] == ["Late"]
    # a task on a customer the user may no longer see leaves the list
    await execute(Sql("UPDATE customer SET owner_id = %s WHERE id = %s", admin.id, other))
    assert [n["title"] for n in (await gql.data(MY_TASKS, as_=ana))["myTasks"]["nodes"]] == ["Late", "Undated"]


async def test_tasks_and_open_tasks_on_the_customer(gql, people):
    _, _, ana, _, _, customer = people
    ids = []
    for title in ("A", "B", "C"):
        created = await gql.data(CREATE_TASK, {"i": {"customerId": gid(customer), "title": title}}, as_=ana)
        ids.append(created["createTask"]["task"]["id"])
    await gql.data(UPDATE_TASK, {"i": {"id": ids[1], "status": "CANCELED"}}, as_=ana)
    query = """query($id: ID!) { customer(id: $id) { openTasks { title }
      all: tasks { totalCount } canceled: tasks(status: CANCELED) { totalCount nodes { title } } } }"""

    data = (await gql.data(query, {"id": gid(customer)}, as_=ana))["customer"]

    assert sorted(t["title"] for t in data["openTasks"]) == ["A", "C"]
    assert data["all"]["totalCount"] == 3
    assert data["canceled"] == {"totalCount": 1, "nodes": [{"title": "B"}]}
