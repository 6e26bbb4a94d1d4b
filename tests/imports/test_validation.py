"""Rows are checked exactly as createCustomer checks its input: per cell, with the column named."""

from __future__ import annotations

from models import CustomFieldType
from models.db import fetch
from models.sql import Sql
from tests.imports.support import UPDATE_MAPPING, act, actions, csv_bytes, mapping_input, plan, start, uploaded


def _errors(found):
    return {
        r["rowNumber"]: sorted(((e["column"], e["field"], e["code"]) for e in r["errors"]), key=str)
        for r in found["rows"]["nodes"]
        if r["errors"]
    }


async def test_custom_fields_and_standard_fields_are_checked_per_cell(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await factory.custom_field(tenant, "plano", CustomFieldType.SELECT, label="Plano", options=["Ouro", "Prata"])
    await factory.custom_field(tenant, "ativo_desde", CustomFieldType.DATE, label="Ativo desde")
    content = csv_bytes(
        [
            ["nome", "telefone", "cpf", "plano", "ativo desde"],
            ["Ana", "11 98765-4321", "529.982.247-25", "ouro", "31/12/2020"],
            ["Bia", "123", "529.982.247-24", "Bronze", "2020-13-01"],
        ]
    )
    imp = await uploaded(gql, admin, content)
    assert [(m["kind"], m["field"]) for m in imp["suggestedMapping"]][3:] == [
        ("CUSTOM_FIELD", "plano"), ("CUSTOM_FIELD", "ativo_desde"),
    ]  # fmt: skip

    planned = await plan(gql, admin, imp["id"])
    done = await start(gql, admin, imp["id"])

    assert actions(planned) == {2: "CREATE", 3: "ERROR"}
    assert _errors(planned) == {
        3: [
            ("ativo desde", "customFields.ativo_desde", "INVALID"),
            ("cpf", "document", "INVALID_DOCUMENT"),
            ("plano", "customFields.plano", "UNKNOWN_OPTION"),
            ("telefone", "phone", "INVALID_PHONE"),
        ]
    }
    assert done["counts"]["created"] == 1 and done["counts"]["failed"] == 1
    (row,) = await fetch(Sql("SELECT document, custom_fields FROM customer WHERE tenant_id = %s", tenant.id))
    assert row["document"] == "52998224725"
    assert row["custom_fields"] == {"plano": "Ouro", "ativo_desde": "2020-12-31"}


async def test_the_companys_required_fields_apply_to_every_row(gql, factory):
    tenant = await factory.tenant(required_fields=["name", "email"])
    admin = await factory.user(tenant, "admin")
    await factory.custom_field(tenant, "cargo", CustomFieldType.TEXT, label="Cargo", required=True)
    content = csv_bytes([["nome", "email", "cargo"], ["Ana", "ana@example.com", "CEO"], ["Bia", "", ""]])
    imp = await uploaded(gql, admin, content)

    planned = await plan(gql, admin, imp["id"])
    # Unmapping the required custom field makes every row miss it.
    mapping = mapping_input(imp)
    mapping[2] = {"kind": "IGNORE", "field": None}
    remapped = await act(gql, admin, UPDATE_MAPPING, id=imp["id"], mapping=mapping)
    unmapped = await plan(gql, admin, imp["id"])

    assert actions(planned) == {2: "CREATE", 3: "ERROR"}
    assert _errors(planned) == {3: [("cargo", "customFields.cargo", "REQUIRED"), ("email", "email", "REQUIRED")]}
    assert _errors(unmapped)[2] == [(None, "customFields.cargo", "REQUIRED")]
    # A new mapping makes the dry run stale: its answers are gone until the next one.
    assert remapped["import"]["status"] == "UPLOADED" and remapped["import"]["counts"]["total"] == 0


async def test_a_mapping_naming_an_unknown_custom_field_is_refused(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    imp = await uploaded(gql, admin, csv_bytes([["nome", "x"], ["Ana", "1"]]))

    refused = await act(
        gql, admin, UPDATE_MAPPING, id=imp["id"],
        mapping=[{"kind": "FIELD", "field": "name"}, {"kind": "CUSTOM_FIELD", "field": "nope"}],
    )  # fmt: skip
    short = await act(gql, admin, UPDATE_MAPPING, id=imp["id"], mapping=[{"kind": "FIELD", "field": "name"}])

    assert refused["__typename"] == "ValidationFailed" and refused["fields"][0]["field"] == "mapping"
    assert short["__typename"] == "ValidationFailed"
