from __future__ import annotations

from tests.helpers import error_codes


async def test_query_depth_is_capped():
    # The schema has no cycles yet, so check the limiter with a small limit on the real schema.
    from schema.schema import Limits, build_schema

    schema = build_schema(Limits(max_depth=3))
    shallow = await schema.execute("{ __typename }")
    deep = await schema.execute("{ customers { edges { node { owner { id } } } } }")

    assert shallow.errors is None
    assert deep.data is None
    assert "exceeds maximum operation depth of 3" in deep.errors[0].message


async def test_too_many_aliases_are_refused(gql, factory, settings):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    query = "{ " + " ".join(f"a{i}: me {{ role }}" for i in range(settings.max_aliases + 1)) + " }"

    body = await gql.post(query, as_=admin)

    assert body["data"] is None
    assert error_codes(body) == ["BAD_REQUEST"]
    assert "alias" in body["errors"][0]["message"].lower()


async def test_too_many_tokens_are_refused(gql, factory, settings):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    query = "{ me { " + " ".join(["role"] * settings.max_tokens) + " } }"

    body = await gql.post(query, as_=admin)

    assert body["data"] is None
    assert error_codes(body) == ["BAD_REQUEST"]


async def test_healthz_and_readyz(http):
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok"}
