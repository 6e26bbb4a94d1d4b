"""A demo tenant for a first `make run`: users of every role, a team and some customers.

The README's examples run as written against it (tests/test_readme_examples.py): the custom
fields they name exist, and the WhatsApp template has customers with a WhatsApp number to reach.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from authz.access import Access
from authz.policy import CompiledPolicy
from authz.principal import Principal
from models import Role, Team, TeamMembership, Tenant, User
from resolvers import custom_fields, notes, purchases, tasks, templates
from resolvers import customers as customer_ops
from resolvers.text import fold
from server.settings import get_settings

DEMO_SLUG = "demo"

DEMO_USERS = [
    ("admin@demo.test", "Ana Admin", Role.ADMIN),
    ("supervisor@demo.test", "Sergio Supervisor", Role.SUPERVISOR),
    ("seller@demo.test", "Sofia Seller", Role.SELLER),
    ("seller2@demo.test", "Bruno Seller", Role.SELLER),
]

# Common Brazilian names: the demo's customers and the benchmarks' draw from them.
FIRST = [
    "João",
    "Maria",
    "José",
    "Ana",
    "Luís",
    "Fernanda",
    "Carlos",
    "Beatriz",
    "Paulo",
    "Juliana",
    "Rafael",
    "Camila",
    "Lucas",
    "Patrícia",
    "Marcos",
    "Letícia",
    "André",
    "Gabriela",
    "Tiago",
    "Sônia",
    "Pedro",
    "Luana",
]
LAST = [
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Pereira",
    "Lima",
    "Carvalho",
    "Ferreira",
    "Rodrigues",
    "Almeida",
    "Gonçalves",
    "Araújo",
    "Ribeiro",
    "Martins",
    "Rocha",
    "Barbosa",
    "Costa",
    "Mendes",
    "Nunes",
    "Cardoso",
]
TAGS = ["VIP", "Lead", "Cliente", "Atacado", "Inadimplente"]
SEGMENTS = ["Retail", "Wholesale", "Services"]
CITIES = [("São Paulo", "SP"), ("Rio de Janeiro", "RJ"), ("Belo Horizonte", "MG"), ("Curitiba", "PR")]


@dataclass
class DemoUser:
    id: UUID
    tenant_id: UUID
    email: str
    role: Role


async def demo_exists() -> bool:
    return await Tenant.filter(slug=DEMO_SLUG).exists()


async def seed_demo(policy: CompiledPolicy, customers: int = 40, slug: str = DEMO_SLUG) -> list[DemoUser]:
    # Demo users with well-known addresses have no place in production, whoever calls this.
    if not get_settings().development:
        raise RuntimeError("The demo company is only created in development (CRM_ENV=development).")
    tenant = await Tenant.create(slug=slug, name="Demo Comércio Ltda")
    users: dict[str, User] = {}
    for email, name, role in DEMO_USERS:
        # Everyone may start conversations in the demo, so the template can be tried at once.
        users[email] = await User.create(
            tenant_id=tenant.id, email=email, name=name, role=role, can_start_conversations=True
        )
    team = await Team.create(tenant_id=tenant.id, name="Inside Sales")
    await TeamMembership.create(tenant_id=tenant.id, team_id=team.id, user_id=users["seller@demo.test"].id)

    admin = users["admin@demo.test"]
    access = Access(
        Principal(tenant_id=tenant.id, tenant_slug=tenant.slug, role=Role.ADMIN, user_id=admin.id),
        policy,
    )
    await custom_fields.create_definition(
        access, {"key": "segment", "label": "Segment", "type": "select", "options": SEGMENTS}
    )
    for key, label, type_ in (("since", "Customer since", "date"), ("credit", "Credit limit", "decimal")):
        await custom_fields.create_definition(access, {"key": key, "label": label, "type": type_})
    await custom_fields.create_definition(access, {"key": "nickname", "label": "Nickname", "type": "text"})
    await templates.save_template(
        access, None, {"name": "Welcome", "channel": "whatsapp", "body": "Olá {{firstName}}, tudo bem? {{offer}}"}
    )
    sellers = [users["seller@demo.test"].id, users["seller2@demo.test"].id, None]
    rng = random.Random(42)
    for i in range(customers):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state = rng.choice(CITIES)
        mobile = f"(11) 9{rng.randint(6000, 9999)}-{rng.randint(1000, 9999)}"
        row, _ = await customer_ops.create_customer(
            access,
            {
                "name": f"{first} {last}",
                "email": f"{fold(first)}.{fold(last)}{i}@example.com",
                "phone": mobile,
                "whatsapp": mobile if i % 3 != 2 else None,  # most customers answer on WhatsApp
                "address": {"city": city, "state": state, "country": "BR"},
                "ownerId": sellers[i % 3],
                "tags": rng.sample(TAGS, k=rng.randint(0, 2)),
                "customFields": [{"key": "segment", "value": rng.choice(SEGMENTS)}],
            },
        )
        if i % 4 == 0:  # some history to look at in a profile
            await notes.add_note(access, row["id"], "Asked for a quote; call back next week.")
            await tasks.create_task(
                access, row["id"], {"title": "Send the quote", "priority": "high", "responsibleId": row["owner_id"]}
            )
            await purchases.record_purchase(
                access,
                row["id"],
                {"amount": "249.90", "currency": "BRL", "occurredAt": datetime.now(UTC), "externalId": f"demo-{i}"},
            )
    return [DemoUser(u.id, tenant.id, u.email, u.role) for u in users.values()]
