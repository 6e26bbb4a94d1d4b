from __future__ import annotations

from tortoise import fields

from models.base import TenantOwned


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
