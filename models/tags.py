from __future__ import annotations

from tortoise import fields

from models.base import TenantOwned
from models.descriptors import Column, Entity, register


class Tag(TenantOwned):
    name = fields.CharField(max_length=80)
    # Lower-cased, trimmed name: "VIP" and "vip " are one tag.
    name_key = fields.CharField(max_length=80)
    color = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "tag"
        unique_together = (("tenant", "name_key"),)


class CustomerTag(TenantOwned):
    customer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    tag: fields.ForeignKeyRelation = fields.ForeignKeyField("models.Tag", related_name=False, on_delete=fields.CASCADE)

    class Meta:
        table = "customer_tag"
        unique_together = (("tenant", "customer", "tag"),)


TAG = register(
    Entity(
        "Tag",
        "tag",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column("name", "name", "string", nullable=False),
            Column(None, "name_key", "string", nullable=False),
            Column("color", "color", "string"),
        ),
    )
)
