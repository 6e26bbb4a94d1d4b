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
