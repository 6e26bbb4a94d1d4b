"""Totals (count, sum and average of a number field or of purchases) and subdivisions as columns."""

from __future__ import annotations

from decimal import Decimal

from models import CustomFieldType, Role
from tests.reports.helpers import as_json, counts, dims, preview, purchase, values


async def test_sum_and_average_of_a_number_custom_field(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.custom_field(tenant, "score", CustomFieldType.NUMBER)
    await factory.custom_field(tenant, "ticket", CustomFieldType.DECIMAL)
    await factory.customer(tenant, origin_channel="email", custom_fields=as_json({"score": 10, "ticket": "1.5"}))
    await factory.customer(tenant, origin_channel="email", custom_fields=as_json({"score": 20}))
    await factory.customer(tenant, origin_channel="phone", custom_fields=as_json({"ticket": "2.25"}))

    total = {"kind": "SUM", "measure": "CUSTOM_FIELD", "field": "score"}
    summed = await preview(gql, admin, {"groupBy": dims("ORIGIN_CHANNEL"), "total": total})
    averaged = await preview(gql, admin, {"groupBy": dims("ORIGIN_CHANNEL"), "total": {**total, "kind": "AVG"}})
    tickets = await preview(gql, admin, {"groupBy": dims("ORIGIN_CHANNEL"), "total": {**total, "field": "ticket"}})

    assert values(summed) == {("email",): 30, ("phone",): 0, ("TOTAL",): 30}
    # The average is over the customers holding a value.
    assert values(averaged) == {("email",): 15, ("phone",): None, ("TOTAL",): 15}
    assert values(tickets) == {("email",): Decimal("1.5"), ("phone",): Decimal("2.25"), ("TOTAL",): Decimal("3.75")}
    assert counts(summed) == {("email",): 2, ("phone",): 1, ("TOTAL",): 3}


async def test_sum_and_average_of_purchases_by_tagless_groups(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    a = await factory.customer(tenant, status="active", origin_channel="email")
    b = await factory.customer(tenant, status="active", origin_channel="whatsapp")
    await purchase(tenant.id, a, "100.00")
    await purchase(tenant.id, a, "50.00")
    await purchase(tenant.id, b, "30.00")
    await purchase(tenant.id, b, "999.00", currency="USD")

    summed = await preview(
        gql,
        admin,
        {"groupBy": dims("ORIGIN_CHANNEL"), "total": {"kind": "SUM", "measure": "PURCHASES", "currency": "BRL"}},
    )
    averaged = await preview(
        gql,
        admin,
        {"groupBy": dims("ORIGIN_CHANNEL"), "total": {"kind": "AVG", "measure": "PURCHASES", "currency": "BRL"}},
    )

    assert values(summed) == {("email",): 150, ("whatsapp",): 30, ("TOTAL",): 180}
    # Per purchase: (100 + 50 + 30) / 3.
    assert values(averaged) == {("email",): 75, ("whatsapp",): 30, ("TOTAL",): 60}


async def test_a_subdivision_is_shown_as_columns_with_row_and_column_totals(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.custom_field(tenant, "lost", CustomFieldType.SELECT, options=["Price", "Timing"])
    for channel, reason in (("email", "Price"), ("email", "Price"), ("email", "Timing"), ("phone", "Timing")):
        await factory.customer(tenant, origin_channel=channel, custom_fields=as_json({"lost": reason}))

    table = await preview(
        gql, admin, {"groupBy": dims("ORIGIN_CHANNEL"), "subdivideBy": {"kind": "CUSTOM_FIELD", "field": "lost"}}
    )

    columns = [g["label"] for g in table["axes"][1]["groups"]]
    assert table["axes"][1]["column"] is True
    assert columns == ["Price", "Timing"]  # most customers first
    rows = {
        ("TOTAL" if r["rolledUp"][0] else r["keys"][0]): ([c["count"] for c in r["cells"]], r["count"])
        for r in table["rows"]
    }
    assert rows == {"email": ([2, 1], 3), "phone": ([0, 1], 1), "TOTAL": ([2, 2], 4)}


async def test_tags_as_columns_count_a_customer_once_in_its_row_total(gql, factory):
    from tests.reports.helpers import tag

    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    a = await factory.customer(tenant, origin_channel="email")
    await tag(tenant.id, a, "VIP")
    await tag(tenant.id, a, "Lead")

    table = await preview(gql, admin, {"groupBy": dims("ORIGIN_CHANNEL"), "subdivideBy": {"kind": "TAG"}})

    email = next(r for r in table["rows"] if r["keys"] == ["email"])
    assert sorted(c["count"] for c in email["cells"]) == [1, 1]
    assert email["count"] == 1
    assert table["total"]["count"] == 1


async def test_two_many_valued_dimensions_count_and_sum_each_customer_once_per_total(gql, factory):
    from tests.reports.helpers import tag

    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.custom_field(tenant, "score", CustomFieldType.NUMBER)
    north, south = await factory.team(tenant, "North"), await factory.team(tenant, "South")
    both = await factory.customer(tenant, teams=[north, south], custom_fields=as_json({"score": 10}))
    await tag(tenant.id, both, "VIP")
    await tag(tenant.id, both, "Lead")
    vip_north = await factory.customer(tenant, teams=[north], custom_fields=as_json({"score": 5}))
    await tag(tenant.id, vip_north, "VIP")
    await factory.customer(tenant, custom_fields=as_json({"score": 1}))  # no tag, no team

    table = await preview(
        gql,
        admin,
        {
            "groupBy": dims("TAG"),
            "subdivideBy": {"kind": "TEAM"},
            "total": {"kind": "SUM", "measure": "CUSTOM_FIELD", "field": "score"},
        },
    )

    teams = {g["key"]: g["label"] for g in table["axes"][1]["groups"]}
    tags = {g["key"]: g["label"] for g in table["axes"][0]["groups"]}

    def number(value: str | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    rows = {
        ("TOTAL" if r["rolledUp"][0] else tags[r["keys"][0]]): (
            r["count"],
            number(r["value"]),
            {teams[c["key"]]: (c["count"], number(c["value"])) for c in r["cells"]},
        )
        for r in table["rows"]
    }
    assert rows == {
        "VIP": (2, 15, {"North": (2, 15), "South": (1, 10), None: (0, None)}),
        "Lead": (1, 10, {"North": (1, 10), "South": (1, 10), None: (0, None)}),
        None: (1, 1, {"North": (0, None), "South": (0, None), None: (1, 1)}),
        # Each customer once, whatever its tags and teams: 3 customers, 10 + 5 + 1.
        "TOTAL": (3, 16, {"North": (2, 15), "South": (1, 10), None: (1, 1)}),
    }
