"""``crm policy explain`` and the row rules decide alike: the words never approve what SQL refuses."""

from __future__ import annotations

import random
import uuid

from authz.access import Access
from authz.catalogue import P
from authz.explain import Subject, Target, explain
from authz.principal import Principal, TenantSettings
from authz.rows import CUSTOMER_ACTIONS, locate_for
from models import Role
from models.db import execute
from models.sql import Sql


async def test_explain_words_match_the_customer_rule_of_every_action(app, factory):
    rng = random.Random(5)
    policy = app.state.policies.current
    tenant = await factory.tenant()
    teams = [await factory.team(tenant) for _ in range(3)]
    users = [await factory.user(tenant, "admin"), await factory.user(tenant, "supervisor")]
    users += [await factory.user(tenant, "seller", teams=rng.sample(teams, k=rng.randint(0, 2))) for _ in range(3)]
    sellers = users[2:]
    targets = []
    for i in range(14):
        owner = rng.choice([*sellers, None])
        in_teams = rng.sample(teams, k=rng.choice([0, 1, 2]))
        pk = await factory.customer(tenant, name=f"C{i}", owner=owner, teams=in_teams)
        targets.append(Target(pk, f"C{i}", owner.id if owner else None, None, in_teams))
    await execute(Sql("UPDATE customer SET merged_into_id = %s WHERE id = %s", targets[0].id, targets[1].id))
    targets[1].merged_into = targets[0].id

    compared = 0
    for restricted in (True, False):
        for user in users:
            names = {t: str(t) for t in user.team_ids}
            who = Subject(user.email, user.role.value, tenant.slug, user.id, names, restricted)
            settings = TenantSettings(restricted_visibility=restricted)
            principal = Principal(tenant.id, tenant.slug, Role(user.role), user.id, tuple(user.team_ids), settings)
            access = Access(principal, policy)
            for perm in (P.CUSTOMER_READ, *CUSTOMER_ACTIONS):
                for target in targets:
                    words = explain(policy, who, perm, target)
                    ruled = await locate_for(access, "Customer", perm, target.id, lock=False) is not None
                    assert words.allowed == ruled, (user.role.value, perm.key, restricted, str(words))
                    compared += ruled
    assert compared > 0


def test_the_rule_decides_when_the_words_disagree(app):
    policy = app.state.policies.current
    who = Subject("a@example.test", "admin", "acme", uuid.uuid4(), {}, True)
    target = Target(uuid.uuid4(), "Acme", None, None)
    assert explain(policy, who, P.CUSTOMER_UPDATE, target).allowed
    refused = explain(policy, who, P.CUSTOMER_UPDATE, target, ruled=False)
    assert not refused.allowed
    assert "The row rule for customer:update (authz/rows.py) refuses it." in str(refused)
