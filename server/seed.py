"""A demo tenant for a first `make run`: users of every role, a team and some customers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from uuid import UUID

from authz.access import Access
from authz.policy import CompiledPolicy
from authz.principal import Principal
from models import Role, Team, TeamMembership, Tenant, User
from resolvers import customers as customer_ops

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
CITIES = [("São Paulo", "SP"), ("Rio de Janeiro", "RJ"), ("Belo Horizonte", "MG"), ("Curitiba", "PR")]


@dataclass
class DemoUser:
    id: UUID
    tenant_id: UUID
    email: str
    role: Role


async def demo_exists() -> bool:
    return await Tenant.filter(slug=DEMO_SLUG).exists()


async def seed_demo(policy: CompiledPolicy, customers: int = 40) -> list[DemoUser]:
    tenant = await Tenant.create(slug=DEMO_SLUG, name="Demo Comércio Ltda")
    users: dict[str, User] = {}
    for email, name, role in DEMO_USERS:
        users[email] = await User.create(tenant_id=tenant.id, email=email, name=name, role=role)
    team = await Team.create(tenant_id=tenant.id, name="Inside Sales")
    await TeamMembership.create(tenant_id=tenant.id, team_id=team.id, user_id=users["seller@demo.test"].id)

    admin = users["admin@demo.test"]
    access = Access(
        Principal(tenant_id=tenant.id, tenant_slug=tenant.slug, role=Role.ADMIN, user_id=admin.id),
        policy,
    )
    sellers = [users["seller@demo.test"].id, users["seller2@demo.test"].id, None]
    rng = random.Random(42)
    for i in range(customers):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state = rng.choice(CITIES)
        await customer_ops.create_customer(
            access,
            {
                "name": f"{first} {last}",
                "email": f"{first}.{last}{i}@example.com".lower()
                .replace("ã", "a")
                .replace("é", "e")
                .replace("í", "i")
                .replace("ô", "o")
                .replace("ú", "u"),
                "phone": f"(11) 9{rng.randint(6000, 9999)}-{rng.randint(1000, 9999)}",
                "address": {"city": city, "state": state, "country": "BR"},
                "ownerId": sellers[i % 3],
                "tags": rng.sample(TAGS, k=rng.randint(0, 2)),
            },
        )
    return [DemoUser(u.id, tenant.id, u.email, u.role) for u in users.values()]
