"""The demo company `make run` creates on an empty database."""

from __future__ import annotations

from server.seed import seed_demo


async def test_the_demo_has_every_role_customers_and_a_profile_to_look_at(gql, factory, app):
    users = await seed_demo(app.state.policies.current, customers=12)
    by_role = {u.role.value: u for u in users}
    admin = factory.token_for(by_role["admin"].id, by_role["admin"].tenant_id)
    seller = factory.token_for(by_role["seller"].id, by_role["seller"].tenant_id)

    data = await gql.data(
        """{ customers(first: 50) { totalCount nodes { name email phoneE164 tags { name }
        customFields { key value } lastNote { body } openTasks { title } purchases { totalCount } } }
        customFields { key options } messageTemplates { name } teams { name members { email } } }""",
        as_=admin,
    )
    mine = await gql.data("{ customers { totalCount } }", as_=seller)

    assert set(by_role) == {"admin", "supervisor", "seller"}
    customers = data["customers"]["nodes"]
    assert data["customers"]["totalCount"] == 12
    assert all(c["email"].endswith("@example.com") and c["phoneE164"].startswith("+5511") for c in customers)
    assert all(c["customFields"][0]["key"] == "segment" for c in customers)
    assert sum(1 for c in customers if c["lastNote"] and c["openTasks"] and c["purchases"]["totalCount"]) == 3
    assert data["messageTemplates"] == [{"name": "Welcome"}]
    assert data["teams"][0]["members"] == [{"email": "seller@demo.test"}]
    assert 0 < mine["customers"]["totalCount"] < 12
