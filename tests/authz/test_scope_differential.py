"""The rows a list returns, and its totalCount, are exactly the rows the policy allows.

The expectation is computed in Python from the policy (via Casbin) and the ownership facts; the
answer comes from SQL through the API. A disagreement means the SQL filter and the policy drifted.
"""

from __future__ import annotations

import random

from authz.catalogue import P, Scope
from tests.helpers import gid


async def test_lists_match_the_policy_for_every_user(gql, factory, app):
    rng = random.Random(7)
    tenant = await factory.tenant()
    teams = [await factory.team(tenant) for _ in range(3)]
    users = [await factory.user(tenant, "admin"), await factory.user(tenant, "supervisor")]
    users += [await factory.user(tenant, "seller", teams=rng.sample(teams, k=rng.randint(0, 2))) for _ in range(4)]
    sellers = [u for u in users if u.role.value == "seller"]

    facts = {}
    for i in range(240):
        owner = rng.choice([*sellers, None, None])
        in_teams = rng.sample(teams, k=rng.choice([0, 0, 1, 2]))
        pk = await factory.customer(tenant, name=f"C{i:03d}", owner=owner, teams=in_teams)
        facts[pk] = (owner.id if owner else None, set(in_teams))
    await factory.customer(await factory.tenant(), name="Elsewhere")

    policy = app.state.policies.current
    for user in users:
        scope = policy.scope_for(user.role.value, tenant.slug, P.CUSTOMER_READ)
        expected = {
            gid(pk)
            for pk, (owner, in_teams) in facts.items()
            if scope is Scope.ALL
            or (scope in (Scope.OWN, Scope.TEAM) and owner == user.id)
            or (scope is Scope.TEAM and in_teams & set(user.team_ids))
        }

        seen, after, total = set(), None, None
        while True:
            page = (
                await gql.data(
                    "query($after: String) { customers(first: 100, after: $after, portfolio: ALL) { totalCount "
                    "pageInfo { hasNextPage endCursor } nodes { id } } }",
                    {"after": after},
                    as_=user,
                )
            )["customers"]
            total = page["totalCount"]
            batch = {n["id"] for n in page["nodes"]}
            assert not batch & seen, "a row appeared on two pages"
            seen |= batch
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]

        assert seen == expected, f"{user.role.value} sees rows the policy does not give, or misses some"
        assert total == len(expected)
