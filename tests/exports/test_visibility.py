"""An export holds exactly the rows the caller's ``customers`` list shows, in its order, with
contact data withheld as the API withholds it, in every format."""

from __future__ import annotations

import pytest

from tests.exports.support import as_listed, download, exported, listed, read, read_csv, read_json, read_xlsx

FORMATS = ("CSV", "XLSX", "JSON")


@pytest.fixture
async def shop(gql, factory):
    tenant = await factory.tenant()
    team = await factory.team(tenant, name="Norte")
    users = {
        "admin": await factory.user(tenant, "admin"),
        "supervisor": await factory.user(tenant, "supervisor"),
        "seller": await factory.user(tenant, "seller", teams=[team]),
    }
    other = await factory.user(tenant, "seller")
    await factory.custom_field(tenant, "finance_email", "email", label="E-mail financeiro")
    await factory.custom_field(tenant, "segment", "text", label="Segmento")
    seller = users["seller"]
    for i, (owner, teams) in enumerate([(seller, []), (other, [team]), (other, []), (None, []), (seller, [])] * 3):
        await factory.customer(
            tenant,
            name=f"Cliente {i:02d}",
            owner=owner,
            teams=teams,
            email=f"c{i}@example.com",
            email_normalized=f"c{i}@example.com",
            phone="+5511987650000",
            phone_e164="+5511987650000",
            custom_fields={"finance_email": f"fin{i}@example.com", "segment": "varejo"},
        )
    first = (await listed(gql, users["admin"]))[0]
    await gql.data(
        "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }",
        {"i": {"customerId": first["id"], "tags": ["VIP", "Atacado"]}},
        as_=users["admin"],
    )
    return tenant, users


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("role", ["admin", "supervisor", "seller"])
@pytest.mark.parametrize("hide", [False, True])
async def test_the_export_is_the_list(gql, factory, shop, format, role, hide):
    tenant, users = shop
    await factory.set_tenant(tenant, hide_contact_from_sellers=hide)
    user = users[role]

    export = await exported(gql, user, format)
    response = await download(gql, user, export)

    assert export["status"] == "READY"
    assert response.status_code == 200
    expected = as_listed(await listed(gql, user))
    assert read(format, response.content) == expected
    assert export["rowCount"] == len(expected) == (15 if role != "seller" else 6)  # a seller's list: MINE
    withheld = hide and role == "seller"
    assert all(r["email"] is None for r in expected) is withheld


async def test_a_seller_exports_their_teams_customers_with_portfolio_all(gql, shop):
    _, users = shop
    seller = users["seller"]

    export = await exported(gql, seller, "JSON", portfolio="ALL")

    rows = read("JSON", (await download(gql, seller, export)).content)
    assert rows == as_listed(await listed(gql, seller, portfolio="ALL")) and len(rows) == 9


@pytest.mark.parametrize("format", FORMATS)
async def test_hidden_contact_data_never_leaves_in_any_column(gql, factory, shop, format):
    tenant, users = shop
    await factory.set_tenant(tenant, hide_contact_from_sellers=True)
    seller = users["seller"]

    content = (await download(gql, seller, await exported(gql, seller, format))).content

    assert b"example.com" not in content and b"98765" not in content
    if format == "JSON":
        row = read_json(content)[0]
        assert row["contactHidden"] is True and row["email"] is None and row["phone"] is None
        assert {
            "key": "finance_email",
            "label": "E-mail financeiro",
            "type": "EMAIL",
            "value": None,
            "hidden": True,
        } in row["customFields"]
    else:
        rows = read_csv(content) if format == "CSV" else read_xlsx(content)
        assert {r["E-mail financeiro"] for r in rows} == {""} and {r["Segmento"] for r in rows} == {"varejo"}


async def test_the_columns_of_a_full_export(gql, shop):
    _, users = shop
    admin = users["admin"]

    rows = read_csv((await download(gql, admin, await exported(gql, admin, "CSV"))).content)

    assert list(rows[0]) == [
        "ID", "Nome", "Nome fantasia", "E-mail", "Telefone", "WhatsApp", "CPF/CNPJ", "Status", "Origem", "Rua",
        "Número", "Complemento", "Bairro", "Cidade", "UF", "CEP", "País", "Tags", "E-mail financeiro", "Segmento",
        "Vendedor (e-mail)", "Nome do vendedor", "Equipes", "Criado em", "Última interação", "Último contato",
    ]  # fmt: skip
    tagged = next(r for r in rows if r["Tags"])
    assert tagged["Tags"] == "Atacado;VIP" and tagged["Status"] == "ativo"
    assert {r["Equipes"] for r in rows} == {"", "Norte"}
    assert rows[0]["Telefone"] == "'+5511987650000"  # a leading + is a formula to Excel


async def test_json_keys_are_the_api_field_names(gql, shop):
    _, users = shop
    admin = users["admin"]
    listed_first = (await listed(gql, admin))[0]

    row = read_json((await download(gql, admin, await exported(gql, admin, "JSON"))).content)[0]

    assert row["id"] == listed_first["id"]
    assert set(row) >= {"id", "name", "tradeName", "email", "phone", "whatsapp", "document", "status", "originChannel",
                        "address", "tags", "owner", "teams", "customFields", "createdAt", "lastInteractionAt",
                        "lastContactedAt"}  # fmt: skip
    assert row["status"] == "ACTIVE" and row["originChannel"] == "MANUAL"
    assert set(row["address"]) == {"street", "number", "complement", "neighbourhood", "city", "state", "postalCode",
                                   "country"}  # fmt: skip


async def test_chosen_columns_in_the_order_asked(gql, shop):
    _, users = shop
    admin = users["admin"]

    export = await exported(gql, admin, "CSV", columns=["name", "customFields.segment", "address.city"])
    rows = read_csv((await download(gql, admin, export)).content)

    assert list(rows[0]) == ["Nome", "Segmento", "Cidade"]


async def test_an_unknown_column_or_delimiter_is_refused(gql, shop):
    from tests.exports.support import export

    _, users = shop
    answer = await export(gql, users["admin"], "CSV", columns=["name", "password"])
    assert answer == {"__typename": "ValidationFailed", "fields": [{"field": "columns[1]", "code": "UNKNOWN"}]}
    answer = await export(gql, users["admin"], "CSV", delimiter="|")
    assert answer == {"__typename": "ValidationFailed", "fields": [{"field": "delimiter", "code": "INVALID"}]}


async def test_comma_on_request(gql, shop):
    _, users = shop
    admin = users["admin"]

    export = await exported(gql, admin, "CSV", delimiter=",", columns=["name", "tags"])
    content = (await download(gql, admin, export)).content

    assert content.decode("utf-8-sig").splitlines()[0] == "Nome,Tags"
