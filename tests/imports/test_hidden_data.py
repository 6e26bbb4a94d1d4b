"""An import tells a caller nothing they may not see: contact data hidden from sellers, customers of
other portfolios, imports of other people and companies, and nothing at all without the permission."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from resolvers.jobs.testing import run_pending_jobs
from tests.helpers import error_codes
from tests.imports.support import (
    PLAN,
    REVERT,
    START,
    UPDATE_MAPPING,
    act,
    actions,
    csv_bytes,
    mapping_input,
    plan,
    start,
    upload,
    uploaded,
)
from tests.queries import CREATE

PHONE, OTHER_PHONE = "+5511977771234", "+5511966665555"
EMAIL = "lia.secret@example.com"
_ID = re.compile(r'"[A-Za-z0-9+/=]{20,}"')

ROWS = """query($id: ID!) { node(id: $id) { ... on Import {
  status counts { total created updated skipped failed conflicts }
  rows(first: 50) { nodes { rowNumber action errors { column field code message }
    customer { name email phone whatsapp contactHidden } } }
  revertReport { deleted restored kept { rowNumber reason } }
} } }"""


async def _create(gql: Any, as_: Any, **data: Any) -> str:
    created = await gql.data(CREATE, {"input": {"name": "Someone", **data}}, as_=as_)
    assert created["createCustomer"]["__typename"] == "CreateCustomerSuccess", created
    return str(created["createCustomer"]["customer"]["id"])


async def _report(http: Any, who: Any, import_id: str) -> str:
    response = await http.get(f"/imports/{import_id}/errors.csv", headers={"Authorization": f"Bearer {who.token}"})
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8-sig")


async def test_a_seller_who_may_not_see_contact_data_learns_none_through_an_import(http, gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    other = await factory.user(tenant, "seller")
    await _create(gql, admin, name="Lia", email=EMAIL, phone="(11) 97777-1234", ownerId=seller.gid)
    await _create(gql, admin, name="Segredo Alheio", whatsapp="21 96666-5555", ownerId=other.gid)
    content = csv_bytes(
        [
            ["nome", "email", "telefone"],
            ["Lia Souza", "LIA.SECRET@example.com", ""],  # their own customer, by email
            ["Quem", "", "21966665555"],  # another portfolio's customer, by a number it holds
            ["Rui", "rui@@example", ""],
        ]
    )
    imp = await uploaded(gql, seller, content)

    await plan(gql, seller, imp["id"])
    planned = (await gql.data(ROWS, {"id": imp["id"]}, as_=seller))["node"]
    await start(gql, seller, imp["id"])
    report = await _report(http, seller, imp["id"])

    assert actions(planned) == {2: "CONFLICT", 3: "CONFLICT", 4: "ERROR"}
    rows = {r["rowNumber"]: r for r in planned["rows"]["nodes"]}
    assert rows[2]["customer"] == {
        "name": "Lia", "email": None, "phone": None, "whatsapp": None, "contactHidden": True,
    }  # fmt: skip
    assert rows[3]["customer"] is None and "another portfolio" in rows[3]["errors"][0]["message"]
    for secret in ("97777", "1234", "Segredo", "96666-5555", "+5521"):
        assert secret not in str(planned) and secret not in report
    lines = list(csv.reader(io.StringIO(report)))
    assert [line[:3] for line in lines[1:]] == [row[:3] for row in csv.reader(io.StringIO(content.decode()))][1:]

    # Upsert: their own customer is updated, and still shown without its contact data.
    again = await uploaded(gql, seller, csv_bytes([["nome", "email"], ["Lia Souza", EMAIL]]))
    await start(gql, seller, again["id"], mode="UPSERT")
    reverted = await act(gql, seller, REVERT, id=again["id"])
    assert reverted["__typename"] == "ImportSuccess"
    await run_pending_jobs()
    done = (await gql.data(ROWS, {"id": again["id"]}, as_=seller))["node"]
    (row,) = done["rows"]["nodes"]
    assert row["action"] == "UPDATE" and row["customer"]["email"] is None and row["customer"]["name"] == "Lia"
    assert done["status"] == "REVERTED" and done["revertReport"] == {"deleted": 0, "restored": 1, "kept": []}
    assert "97777" not in str(done)


def _same_shape(answer: Any) -> str:
    return _ID.sub('"<id>"', repr(answer).replace("'", '"'))


async def _plan_in_world(gql: Any, factory: Any, stored_phone: str, mode: str) -> Any:
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    await _create(gql, admin, name="Lia", email=EMAIL, phone=stored_phone, ownerId=seller.gid)
    imp = await uploaded(gql, seller, csv_bytes([["nome", "email", "telefone"], ["Lia", EMAIL, PHONE]]))
    await plan(gql, seller, imp["id"], mode=mode)
    return (await gql.data(ROWS, {"id": imp["id"]}, as_=seller))["node"]


async def test_an_upsert_plan_does_not_tell_whether_a_hidden_phone_is_the_one_in_the_file(gql, factory):
    answers = [await _plan_in_world(gql, factory, phone, "UPSERT") for phone in (PHONE, OTHER_PHONE)]

    assert _same_shape(answers[0]) == _same_shape(answers[1])


async def test_a_create_only_plan_answers_alike_whatever_the_hidden_phone(gql, factory):
    answers = [await _plan_in_world(gql, factory, phone, "CREATE_ONLY") for phone in (PHONE, OTHER_PHONE)]

    # The email matches in both worlds; the phone's match is not told apart from the email's.
    assert actions(answers[0]) == {2: "CONFLICT"}
    fields = [sorted(e["field"] for e in a["rows"]["nodes"][0]["errors"]) for a in answers]
    assert "phone" not in fields[1]
    # A phone that matches is a contact key the seller typed: telling it is what createCustomer does.
    assert fields[0] in (["email"], ["email", "phone"])


async def test_another_companys_or_colleagues_import_is_not_found_by_every_mutation_and_route(http, gql, factory):
    tenant, other_company = await factory.tenant(), await factory.tenant()
    owner = await factory.user(tenant, "seller")
    colleague = await factory.user(tenant, "seller")
    stranger = await factory.user(other_company, "admin")
    imp = await uploaded(gql, owner, csv_bytes([["nome", "email"], ["Ana", "ana@example.com"], ["Bia", "x@@"]]))
    await plan(gql, owner, imp["id"])

    for who in (stranger, colleague):
        node = await gql.data(ROWS, {"id": imp["id"]}, as_=who)
        assert node["node"] is None
        for mutation, extra in (
            (PLAN, {}), (START, {}), (REVERT, {}), (UPDATE_MAPPING, {"mapping": mapping_input(imp)}),
        ):  # fmt: skip
            answer = await act(gql, who, mutation, id=imp["id"], **extra)
            assert answer["__typename"] == "NotFound", (mutation, answer)
        report = await http.get(f"/imports/{imp['id']}/errors.csv", headers={"Authorization": f"Bearer {who.token}"})
        assert report.status_code == 404 and report.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    done = await start(gql, owner, imp["id"])
    assert done["status"] == "FINISHED" and done["counts"]["created"] == 1  # untouched by the others
    reverted = await act(gql, stranger, REVERT, id=imp["id"])
    assert reverted["__typename"] == "NotFound"


async def test_without_the_import_permission_keys_and_users_are_refused_everywhere(http, gql, factory, policy_edit):
    await policy_edit(lambda text: "\n".join(line for line in text.splitlines() if "seller, *, import" not in line))
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    _, key = await factory.api_key(tenant, "seller", user=seller)
    content = csv_bytes([["nome"], ["Ana"]])

    for credential in (key, seller.token):
        auth = {"Authorization": f"Bearer {credential}"}
        assert error_codes(await upload(gql, credential, content)) == ["FORBIDDEN"]
        listed = await gql.post("{ imports(first: 5) { totalCount } }", as_=credential)
        assert error_codes(listed) == ["FORBIDDEN"]
        template = await http.get("/imports/template.csv", headers=auth)
        posted = await http.post("/imports", content=content, headers={**auth, "Content-Type": "text/csv"})
        assert (template.status_code, posted.status_code) == (403, 403)
        assert posted.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
