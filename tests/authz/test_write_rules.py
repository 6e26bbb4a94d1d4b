"""Which rows a caller may change: each (kind, permission) rule of authz/rows.py against the policy.

For every caller and row, ``locate_for`` finds the row exactly when the policy and the facts
allow the change: a note by its author (still writing notes on the customer) or a moderator; a
task, an appointment or a conversation on a customer the caller sees and may act on with that
permission; a saved list by its owner, or a shared one by who may share lists.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from authz.access import Access
from authz.catalogue import P, Permission, Scope
from authz.principal import Principal, TenantSettings
from authz.rows import locate_for
from models import Appointment, Conversation, Note, Role, SavedFilter, Task


def _covers(policy, slug, user, restricted, facts, perm: Permission, reading: bool) -> bool:
    """Whether ``user``'s grant of ``perm`` covers a customer with these (owner, teams) facts."""
    scope = policy.scope_for(user.role.value, slug, perm)
    if scope is not None and reading and not restricted:
        scope = Scope.ALL
    owner, in_teams = facts
    return scope is Scope.ALL or (
        scope is not None and (owner == user.id or (scope is Scope.TEAM and bool(in_teams & set(user.team_ids))))
    )


async def test_each_write_rule_finds_exactly_the_rows_the_policy_lets_one_change(app, factory):
    rng = random.Random(3)
    policy = app.state.policies.current
    tenant = await factory.tenant()
    teams = [await factory.team(tenant) for _ in range(3)]
    users = [await factory.user(tenant, "admin"), await factory.user(tenant, "supervisor")]
    users += [await factory.user(tenant, "seller", teams=rng.sample(teams, k=rng.randint(0, 2))) for _ in range(3)]
    sellers = users[2:]
    now = datetime.now(UTC)
    customers: dict[uuid.UUID, tuple[uuid.UUID | None, set[uuid.UUID]]] = {}
    rows: dict[str, dict[uuid.UUID, uuid.UUID]] = {"Note": {}, "Task": {}, "Appointment": {}, "Conversation": {}}
    authors: dict[uuid.UUID, uuid.UUID] = {}
    for i in range(12):
        owner = rng.choice([*sellers, None])
        in_teams = rng.sample(teams, k=rng.choice([0, 1, 2]))
        pk = await factory.customer(tenant, name=f"C{i}", owner=owner, teams=in_teams)
        customers[pk] = (owner.id if owner else None, set(in_teams))
        on = {"tenant_id": tenant.id, "customer_id": pk}
        for author in rng.sample(users, k=2):
            note = await Note.create(**on, author_id=author.id, body="n")
            rows["Note"][note.id], authors[note.id] = pk, author.id
        rows["Task"][(await Task.create(**on, title="t")).id] = pk
        appointment = await Appointment.create(**on, title="a", starts_at=now, ends_at=now + timedelta(hours=1))
        rows["Appointment"][appointment.id] = pk
        rows["Conversation"][(await Conversation.create(**on, channel="whatsapp")).id] = pk
    filters = {}
    for user in users:
        for shared in (False, True):
            made = await SavedFilter.create(tenant_id=tenant.id, owner_id=user.id, name=f"l{shared}", shared=shared)
            filters[made.id] = (user.id, shared)

    write = {"Note": P.NOTE_WRITE, "Task": P.TASK_WRITE, "Appointment": P.APPOINTMENT_WRITE}
    write["Conversation"] = P.CONVERSATION_REPLY
    checked = 0
    for restricted in (True, False):
        for user in users:
            settings = TenantSettings(restricted_visibility=restricted)
            principal = Principal(tenant.id, tenant.slug, Role(user.role), user.id, tuple(user.team_ids), settings)
            access = Access(principal, policy)

            def covers(perm: Permission, customer: uuid.UUID, reading: bool = False, user=user, restricted=restricted):
                return _covers(policy, tenant.slug, user, restricted, customers[customer], perm, reading)

            def sees(customer: uuid.UUID) -> bool:
                return covers(P.CUSTOMER_READ, customer, True)

            for kind, perm in write.items():
                for pk, customer in rows[kind].items():
                    if kind == "Note":
                        moderator = policy.scope_for(user.role.value, tenant.slug, P.NOTE_MODERATE) is not None
                        mine = authors[pk] == user.id and covers(P.NOTE_WRITE, customer)
                        allowed = sees(customer) and (moderator or mine)
                    else:
                        allowed = sees(customer) and covers(perm, customer)
                    found = await locate_for(access, kind, perm, pk, lock=False) is not None
                    assert found == allowed, (user.role.value, kind, restricted)
                    checked += allowed
            sharer = policy.scope_for(user.role.value, tenant.slug, P.SAVED_FILTER_SHARE) is not None
            for pk, (owner, shared) in filters.items():
                allowed = owner == user.id or (shared and sharer)
                found = await locate_for(access, "SavedFilter", P.SAVED_FILTER_WRITE, pk, lock=False) is not None
                assert found == allowed, (user.role.value, "SavedFilter", restricted)
    assert checked > 0
