"""A cell that starts like a formula is written so that a spreadsheet shows it, never runs it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.exports.support import download, exported, read_csv
from tests.reports.helpers import tag

NAMES = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "Plain"]


@pytest.fixture
async def admin(factory):
    tenant = await factory.tenant()
    user = await factory.user(tenant, "admin")
    for name in NAMES:
        await factory.customer(tenant, name=name)
    return user


async def test_csv_cells_get_an_apostrophe(gql, admin):
    content = (
        await download(
            gql,
            admin,
            await exported(gql, admin, "CSV", columns=["name"], sort={"field": "CREATED_AT", "direction": "ASC"}),
        )
    ).content

    names = sorted(r["Nome"] for r in read_csv(content))
    assert names == sorted(["'" + n if n != "Plain" else n for n in NAMES])


async def test_xlsx_cells_are_strings_never_formulas(gql, admin):
    content = (await download(gql, admin, await exported(gql, admin, "XLSX", columns=["name"]))).content

    sheet = load_workbook(io.BytesIO(content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(NAMES)
    assert {c.data_type for c in cells} == {"s"}


async def test_csv_tags_and_seller_names_get_an_apostrophe_too(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller", name="@Seller")
    customer = await factory.customer(tenant, name="Tagged", owner=seller)
    await tag(tenant.id, customer, "=cmd")

    content = (await download(gql, admin, await exported(gql, admin, "CSV", columns=["name", "tags", "owner"]))).content

    (row,) = read_csv(content)
    assert (row["Tags"], row["Nome do vendedor"]) == ("'=cmd", "'@Seller")
