"""Every dimension groups the caller's customers, with subtotals and the grand total."""

from __future__ import annotations

from datetime import UTC, datetime

from models import CustomFieldType, Role
from tests.helpers import gid
from tests.reports.helpers import as_json, counts, dims, groups, preview, tag


async def test_origin_channel_by_status_with_subtotals(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    for channel, status, n in (("whatsapp", "active", 3), ("whatsapp", "inactive", 1), ("email", "active", 2)):
        for _ in range(n):
            await factory.customer(tenant, origin_channel=channel, status=status)

    table = await preview(
        gql, admin, {"source": {"filter": {"status": "ANY"}}, "groupBy": dims("ORIGIN_CHANNEL", "STATUS")}
    )

    assert table["__typename"] == "ReportTable"
    assert counts(table) == {
        ("whatsapp", "active"): 3,
        ("whatsapp", "inactive"): 1,
        ("whatsapp", "TOTAL"): 4,
        ("email", "active"): 2,
        ("email", "TOTAL"): 2,
        ("TOTAL", "TOTAL"): 6,
    }


async def test_owner_team_and_tag_group_by_id_and_show_names(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    north = await factory.team(tenant, "North")
    ana = await factory.user(tenant, Role.SELLER, name="Ana")
    a = await factory.customer(tenant, owner=ana, teams=[north])
    b = await factory.customer(tenant, owner=ana)
    await factory.customer(tenant)
    await tag(tenant.id, a, "VIP")
    await tag(tenant.id, a, "Lead")
    await tag(tenant.id, b, "VIP")

    by_owner = await preview(gql, admin, {"groupBy": dims("OWNER")})
    by_team = await preview(gql, admin, {"groupBy": dims("TEAM")})
    by_tag = await preview(gql, admin, {"groupBy": dims("TAG")})

    assert counts(by_owner) == {("Ana",): 2, (None,): 1, ("TOTAL",): 3}
    assert groups(by_owner)["Ana"]["key"] == gid(ana.id, "User")
    assert groups(by_team)["North"]["key"] == gid(north, "Team")
    vip = groups(by_tag)["VIP"]["key"]
    assert vip.startswith("VGFnO")  # "Tag:..." as the API names tags
    assert vip in {r["keys"][0] for r in by_tag["rows"]}
    assert counts(by_team) == {("North",): 1, (None,): 2, ("TOTAL",): 3}
    # A customer with two tags is in both groups, and counted once in the total.
    assert counts(by_tag) == {("VIP",): 2, ("Lead",): 1, (None,): 1, ("TOTAL",): 3}


async def test_created_month_city_and_custom_select_fields(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.custom_field(tenant, "reason", CustomFieldType.SELECT, options=["Price", "Timing"])
    await factory.custom_field(tenant, "notes", CustomFieldType.TEXT)
    await factory.custom_field(tenant, "sizes", CustomFieldType.MULTI_SELECT, options=["S", "M"])
    await factory.customer(
        tenant,
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
        address_city="Recife",
        custom_fields=as_json({"reason": "Price", "notes": "call back", "sizes": ["S", "M"]}),
    )
    await factory.customer(
        tenant,
        created_at=datetime(2026, 2, 5, tzinfo=UTC),
        address_city="recife ",
        custom_fields=as_json({"reason": "Timing", "notes": "Call  back", "sizes": ["M"]}),
    )

    month = await preview(gql, admin, {"groupBy": dims("CREATED_MONTH")})
    city = await preview(gql, admin, {"groupBy": dims(("FIELD", "city"))})
    reason = await preview(gql, admin, {"groupBy": dims(("CUSTOM_FIELD", "reason"))})
    notes = await preview(gql, admin, {"groupBy": dims(("CUSTOM_FIELD", "notes"))})
    sizes = await preview(gql, admin, {"groupBy": dims(("CUSTOM_FIELD", "sizes"))})

    assert counts(month) == {("2026-01",): 1, ("2026-02",): 1, ("TOTAL",): 2}
    assert counts(city) == {("Recife",): 2, ("TOTAL",): 2}
    assert counts(reason) == {("Price",): 1, ("Timing",): 1, ("TOTAL",): 2}
    assert [r["value"] for r in groups(notes)[next(iter(groups(notes)))]["raws"]] == ["Call  back", "call back"]
    assert counts(sizes) == {("M",): 2, ("S",): 1, ("TOTAL",): 2}
