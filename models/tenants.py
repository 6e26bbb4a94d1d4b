from __future__ import annotations

from tortoise import fields
from tortoise.fields.db_defaults import Now, SqlDefault
from tortoise.models import Model

from models.descriptors import Column, Entity, register


class Tenant(Model):
    """A company using the CRM; its settings live in typed columns."""

    id = fields.UUIDField(primary_key=True, db_default=SqlDefault("gen_random_uuid()"))
    slug = fields.CharField(max_length=63, unique=True)
    name = fields.CharField(max_length=200)
    default_region = fields.CharField(max_length=2, default="BR", db_default="BR")
    allow_duplicates = fields.BooleanField(default=False, db_default=False)
    restricted_visibility = fields.BooleanField(default=True, db_default=True)
    hide_contact_from_sellers = fields.BooleanField(default=False, db_default=False)
    # API names of the standard customer fields every create and update must leave filled.
    required_fields: fields.JSONField[list[str]] = fields.JSONField(db_default=SqlDefault("'[\"name\"]'::jsonb"))
    # What keeps a customer from being inactivated (models.lifecycle.InactivationBlocker values).
    inactivation_blockers: fields.JSONField[list[str]] = fields.JSONField(
        db_default=SqlDefault("""'["OPEN_CONVERSATIONS", "ACTIVE_CONTRACTS"]'::jsonb""")
    )
    created_at = fields.DatetimeField(auto_now_add=True, db_default=Now())

    class Meta:
        table = "tenant"


TENANT = register(
    Entity(
        "Tenant",
        "tenant",
        (
            Column("id", "id", "id", nullable=False),
            Column("slug", "slug", "string", nullable=False),
            Column("name", "name", "string", nullable=False),
            Column("defaultRegion", "default_region", "string", nullable=False, group="settings"),
            Column("allowDuplicates", "allow_duplicates", "bool", nullable=False, group="settings"),
            Column("restrictedVisibility", "restricted_visibility", "bool", nullable=False, group="settings"),
            Column("hideContactFromSellers", "hide_contact_from_sellers", "bool", nullable=False, group="settings"),
            Column("requiredFields", "required_fields", "strings", nullable=False, group="settings"),
            Column("inactivationBlockers", "inactivation_blockers", "strings", nullable=False, group="settings"),
            Column(None, "created_at", "datetime", nullable=False),
        ),
        groups={"settings": "TenantSettings"},
    )
)
