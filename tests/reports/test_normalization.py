"""Variants of a value fold into one group (case, accents, spaces), synonyms join others, and
each group lists the raw values folded into it."""

from __future__ import annotations

from models import Role
from tests.reports.helpers import dims, groups, preview


async def _cities(factory, tenant, *names):
    for name in names:
        await factory.customer(tenant, address_city=name)


async def test_case_accents_and_spaces_fold_into_one_group_listing_its_raw_values(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await _cities(factory, tenant, "São Paulo", "São Paulo", "sao paulo ", "SAO  PAULO", "Recife")

    table = await preview(gql, admin, {"groupBy": dims(("FIELD", "city"))})

    found = groups(table)
    assert set(found) == {"São Paulo", "Recife"}  # the label: the most frequent raw value
    sp = found["São Paulo"]
    assert sp["key"] == "sao paulo"
    assert sp["count"] == 4
    assert sp["raws"] == [
        {"value": "São Paulo", "count": 2},
        {"value": "SAO  PAULO", "count": 1},
        {"value": "sao paulo ", "count": 1},
    ]


async def test_synonyms_join_other_spellings_and_name_the_group(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await _cities(factory, tenant, "SP", "sp", "sao paulo", "Rio")

    table = await preview(
        gql,
        admin,
        {"groupBy": dims(("FIELD", "city")), "synonyms": [{"from": " s p ".replace(" ", ""), "to": "São Paulo"}]},
    )

    found = groups(table)
    assert set(found) == {"São Paulo", "Rio"}
    assert found["São Paulo"]["count"] == 3
    assert sorted(r["value"] for r in found["São Paulo"]["raws"]) == ["SP", "sao paulo", "sp"]


async def test_empty_and_blank_values_are_one_empty_group(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await _cities(factory, tenant, "  ", "Rio")
    await factory.customer(tenant)

    table = await preview(gql, admin, {"groupBy": dims(("FIELD", "city"))})

    empty = next(g for g in table["axes"][0]["groups"] if g["key"] is None)
    assert empty["count"] == 2
