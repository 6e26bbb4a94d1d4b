"""An import started with an API key brings its customers in from the API, unless a column says."""

from __future__ import annotations

from models.db import fetch
from models.sql import Sql
from tests.imports.support import csv_bytes, plan, start, uploaded


async def test_an_api_keys_import_defaults_to_the_api_origin(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")
    content = csv_bytes([["nome", "origem"], ["Por Chave", ""], ["Com Canal", "whatsapp"]])

    imp = await uploaded(gql, key, content)
    await plan(gql, key, imp["id"])
    finished = await start(gql, key, imp["id"])

    assert finished["status"] == "FINISHED" and finished["counts"]["created"] == 2
    rows = await fetch(Sql("SELECT name, origin_channel FROM customer WHERE tenant_id = %s ORDER BY name", tenant.id))
    assert [(r["name"], r["origin_channel"]) for r in rows] == [("Com Canal", "whatsapp"), ("Por Chave", "api")]
