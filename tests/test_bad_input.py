"""Bad requests get a clear, typed error, and nothing is written."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import jwt
import pytest

from authz.authenticate import forget_principals
from tests.conftest import TEST_SECRET
from tests.helpers import error_codes, gid, tenant_fingerprint
from tests.queries import CREATE, LIST, UPDATE

ME = "{ me { role } }"


async def test_malformed_json_body_is_a_400_with_a_json_error(http):
    response = await http.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_body_over_the_size_limit_is_refused(http, settings):
    response = await http.post(
        "/graphql", content=b"x" * (settings.max_body_bytes + 1), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    "variables",
    [
        {"input": {"name": 42}},  # wrong type
        {"input": {"name": "Ana", "favouriteColour": "blue"}},  # unknown field
        {"input": {"tradeName": "no name"}},  # required field missing
        {"input": {"name": "Ana", "status": "SLEEPING"}},  # not an enum value
    ],
)
async def test_wrong_input_shapes_are_refused_before_anything_runs(gql, factory, variables):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    before = await tenant_fingerprint(tenant.id)

    body = await gql.post(CREATE, variables, as_=admin)

    assert body["data"] is None
    assert body["errors"] and "Unexpected error" not in body["errors"][0]["message"]
    assert error_codes(body) == ["BAD_REQUEST"]
    assert await tenant_fingerprint(tenant.id) == before


async def test_an_unknown_field_in_the_query_is_a_validation_error(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    body = await gql.post("{ customers { nodes { favouriteColour } } }", as_=admin)

    assert error_codes(body) == ["BAD_REQUEST"]
    assert "favouriteColour" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "x" * 1_000_000, "TOO_LONG"),
        ("name", "   ", "REQUIRED"),
        ("phone", "not a phone", "INVALID_PHONE"),
        ("phone", "12345", "INVALID_PHONE"),
        ("whatsapp", "99999-9999", "INVALID_PHONE"),  # no area code
        ("email", "ana@", "INVALID_EMAIL"),
        ("email", "ana at example.com", "INVALID_EMAIL"),
        ("document", "123.456.789-00", "INVALID_DOCUMENT"),
        ("tradeName", "y" * 201, "TOO_LONG"),
    ],
)
async def test_invalid_values_get_validation_failed_naming_the_field(gql, factory, field, value, code):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    before = await tenant_fingerprint(tenant.id)
    customer = {"name": "Ana", field: value}

    data = await gql.data(CREATE, {"input": customer}, as_=admin)

    result = data["createCustomer"]
    assert result["__typename"] == "ValidationFailed"
    assert [(f["field"], f["code"]) for f in result["fields"]] == [(field, code)]
    assert await tenant_fingerprint(tenant.id) == before


async def test_every_problem_is_reported_at_once(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    data = await gql.data(CREATE, {"input": {"name": "", "email": "x@", "phone": "1"}}, as_=admin)

    assert {f["field"] for f in data["createCustomer"]["fields"]} == {"name", "email", "phone"}


async def test_invalid_update_writes_nothing(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    pk = await factory.customer(tenant, name="Ana")
    before = await tenant_fingerprint(tenant.id)

    data = await gql.data(UPDATE, {"input": {"id": gid(pk), "name": "Ana", "phone": "abc"}}, as_=admin)

    assert data["updateCustomer"]["__typename"] == "ValidationFailed"
    assert await tenant_fingerprint(tenant.id) == before


async def test_page_size_over_the_cap_is_refused(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    body = await gql.post(LIST, {"first": 101}, as_=admin)

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["fields"][0]["field"] == "first"


async def test_a_forged_cursor_is_refused(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    body = await gql.post(LIST, {"after": "bm90IGEgY3Vyc29y"}, as_=admin)

    assert error_codes(body) == ["BAD_USER_INPUT"]


# --- credentials -----------------------------------------------------------------------------


async def test_missing_token_is_unauthenticated(gql):
    body = await gql.post(ME)

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_mutation_without_token_is_unauthenticated_and_writes_nothing(gql, factory):
    tenant = await factory.tenant()
    before = await tenant_fingerprint(tenant.id)

    body = await gql.post(CREATE, {"input": {"name": "Ana"}})

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert await tenant_fingerprint(tenant.id) == before


async def test_expired_token_is_unauthenticated(gql, factory):
    tenant = await factory.tenant()
    user = await factory.user(tenant, "admin")

    body = await gql.post(ME, as_=factory.token_for(user.id, tenant.id, ttl=-10))

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "expired" in body["errors"][0]["message"]


async def test_token_signed_with_another_key_is_unauthenticated(gql, factory):
    tenant = await factory.tenant()
    user = await factory.user(tenant, "admin")
    claims = {"sub": str(user.id), "tid": str(tenant.id), "iss": "crm", "exp": int(time.time()) + 60}
    forged = jwt.encode(claims, "another-secret-" + "y" * 40, algorithm="HS256")

    body = await gql.post(ME, as_=forged)

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_unsigned_token_is_unauthenticated(gql, factory):
    tenant = await factory.tenant()
    user = await factory.user(tenant, "admin")
    claims = {"sub": str(user.id), "tid": str(tenant.id), "iss": "crm", "exp": int(time.time()) + 60}
    unsigned = jwt.encode(claims, None, algorithm="none")

    body = await gql.post(ME, as_=unsigned)

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_token_naming_another_tenant_for_the_user_is_unauthenticated(gql, factory):
    tenant, other = await factory.tenant(), await factory.tenant()
    user = await factory.user(tenant, "admin")

    body = await gql.post(ME, as_=factory.token_for(user.id, other.id))

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_deactivated_user_is_unauthenticated(gql, factory):
    from models import User

    tenant = await factory.tenant()
    user = await factory.user(tenant, "admin")
    await User.filter(id=user.id).update(is_active=False)
    forget_principals()  # written behind the API's back: read afresh now

    body = await gql.post(ME, as_=user)

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_wrong_authorization_scheme_is_unauthenticated(http):
    response = await http.post("/graphql", json={"query": ME}, headers={"Authorization": "Basic YWJjOmRlZg=="})

    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_api_key_authenticates_with_its_role(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "supervisor")

    data = await gql.data("{ me { role user { id } } }", as_=key)

    assert data["me"] == {"role": "SUPERVISOR", "user": None}


async def test_api_key_in_x_api_key_header(http, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")

    response = await http.post("/graphql", json={"query": ME}, headers={"X-Api-Key": key})

    assert response.json() == {"data": {"me": {"role": "ADMIN"}}}


async def test_revoked_api_key_is_unauthenticated_and_writes_nothing(gql, factory):
    from models import ApiKey

    tenant = await factory.tenant()
    key_id, key = await factory.api_key(tenant, "admin")
    await ApiKey.filter(id=key_id).update(revoked_at=datetime.now(UTC))
    forget_principals()  # written behind the API's back: read afresh now
    before = await tenant_fingerprint(tenant.id)

    body = await gql.post(CREATE, {"input": {"name": "Ana"}}, as_=key)

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "revoked" in body["errors"][0]["message"]
    assert await tenant_fingerprint(tenant.id) == before


@pytest.mark.parametrize("key", ["crm_nothex_secret", "crm_" + "0" * 32 + "_wrong", "crm_"])
async def test_malformed_or_unknown_api_keys_are_unauthenticated(gql, key):
    body = await gql.post(ME, as_=key)

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_api_key_with_the_wrong_secret_is_unauthenticated(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "admin")

    body = await gql.post(ME, as_=key[:-4] + "AAAA")

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_unexpected_errors_are_masked(gql, factory, monkeypatch):
    from resolvers import customer_reads

    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")

    async def broken(*args, **kwargs):
        raise RuntimeError('relation "customer" does not exist: SELECT secret FROM internals')

    # Both paths plan the list here (the compiled read path and the general executor).
    monkeypatch.setattr(customer_reads, "plan_list", broken)
    body = await gql.post(LIST, as_=admin)

    assert body["errors"][0]["message"] == "Unexpected error."
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert "SELECT" not in str(body)


def test_token_secret_is_required_in_production():
    from server.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="CRM_JWT_SECRET"):
        Settings(env="production", jwt_secret=None).signing_secret()
    assert Settings(env="production", jwt_secret=TEST_SECRET).signing_secret() == TEST_SECRET
