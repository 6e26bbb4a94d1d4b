"""A report counts only what the caller may see, exactly as the customers list does, and never
groups on contact data hidden from the caller."""

from __future__ import annotations

from models import CustomFieldType, Role
from tests.reports.helpers import PREVIEW, counts, dims, preview


async def test_a_sellers_report_counts_the_customers_the_list_shows(gql, factory):
    tenant = await factory.tenant()
    team = await factory.team(tenant)
    ana = await factory.user(tenant, Role.SELLER, teams=[team])
    bia = await factory.user(tenant, Role.SELLER)
    for owner, channel in ((ana, "email"), (ana, "whatsapp"), (bia, "email"), (bia, "email"), (None, "phone")):
        await factory.customer(tenant, owner=owner, origin_channel=channel)
    await factory.customer(tenant, owner=bia, origin_channel="whatsapp", teams=[team])
    await factory.customer(tenant, owner=ana, origin_channel="email", status="inactive")

    table = await preview(gql, ana, {"groupBy": dims("ORIGIN_CHANNEL")})
    listed = await gql.data(
        "{ email: customers(filter: {originChannels: [EMAIL]}) { totalCount } "
        "whatsapp: customers(filter: {originChannels: [WHATSAPP]}) { totalCount } all: customers { totalCount } }",
        as_=ana,
    )

    # Not Bia's customers nor the unowned one, and not the inactive one (the list's default).
    assert counts(table)[("email",)] == 1
    assert counts(table)[("email",)] == listed["email"]["totalCount"]
    assert counts(table)[("whatsapp",)] == listed["whatsapp"]["totalCount"]
    assert counts(table)[("TOTAL",)] == listed["all"]["totalCount"]


async def test_the_source_takes_the_lists_filter_search_and_saved_filters(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.customer(tenant, name="Maria Silva", origin_channel="email")
    await factory.customer(tenant, name="Maria Souza", origin_channel="phone", status="inactive")
    await factory.customer(tenant, name="João", origin_channel="email")
    saved = await gql.data(
        'mutation { saveFilter(input: {name: "Marias", search: "maria", filter: {status: ANY}}) '
        "{ ... on SavedFilterSuccess { savedFilter { id } } } }",
        as_=admin,
    )
    saved_id = saved["saveFilter"]["savedFilter"]["id"]

    searched = await preview(gql, admin, {"source": {"search": "maria"}, "groupBy": dims("STATUS")})
    any_status = await preview(
        gql, admin, {"source": {"search": "maria", "filter": {"status": "ANY"}}, "groupBy": dims("STATUS")}
    )
    from_saved = await preview(gql, admin, {"source": {"savedFilterId": saved_id}, "groupBy": dims("STATUS")})

    assert counts(searched) == {("active",): 1, ("TOTAL",): 1}
    assert counts(any_status) == {("active",): 1, ("inactive",): 1, ("TOTAL",): 2}
    assert counts(from_saved) == counts(any_status)


async def test_hidden_contact_data_cannot_be_grouped_on(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    seller = await factory.user(tenant, Role.SELLER)
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.custom_field(tenant, "mobile", CustomFieldType.PHONE)
    await factory.customer(tenant, owner=seller, email="a@x.test")

    asked = [
        {"groupBy": dims(("FIELD", "email"))},
        {"groupBy": dims("STATUS"), "subdivideBy": {"kind": "FIELD", "field": "phone"}},
        {"groupBy": dims(("CUSTOM_FIELD", "mobile"))},
        {"source": {"filter": {"customFields": [{"key": "mobile", "isEmpty": False}]}}, "groupBy": dims("STATUS")},
    ]
    answers = [await preview(gql, seller, d) for d in asked]

    assert [a["__typename"] for a in answers] == ["ValidationFailed"] * 4
    assert [f["code"] for a in answers for f in a["fields"]] == ["NOT_ALLOWED"] * 4
    allowed = await preview(gql, admin, asked[0])
    assert allowed["__typename"] == "ReportTable"
    assert allowed["axes"][0]["groups"][0]["key"] == "a@x.test"


async def test_bad_definitions_get_typed_errors(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.custom_field(tenant, "notes", CustomFieldType.TEXT)
    await factory.custom_field(tenant, "score", CustomFieldType.NUMBER)
    cases = {
        "unknown field": ({"groupBy": dims(("FIELD", "shoeSize"))}, ("groupBy[0].field", "UNKNOWN")),
        "missing select": ({"groupBy": dims(("CUSTOM_FIELD", "gone"))}, ("groupBy[0].field", "UNKNOWN")),
        "number grouping": ({"groupBy": dims(("CUSTOM_FIELD", "score"))}, ("groupBy[0].field", "INVALID")),
        "sum of text": (
            {"groupBy": dims("STATUS"), "total": {"kind": "SUM", "measure": "CUSTOM_FIELD", "field": "notes"}},
            ("total.field", "INVALID"),
        ),
        "too many": ({"groupBy": dims("STATUS", "OWNER"), "subdivideBy": {"kind": "TAG"}}, ("groupBy", "TOO_MANY")),
        "no grouping": ({"groupBy": []}, ("groupBy", "REQUIRED")),
        "synonyms": (
            {"groupBy": dims("STATUS"), "synonyms": [{"from": f"a{i}", "to": "b"} for i in range(201)]},
            ("synonyms", "TOO_MANY"),
        ),
    }
    for name, (definition, expected) in cases.items():
        answer = await preview(gql, admin, definition)
        assert answer["__typename"] == "ValidationFailed", name
        assert [(f["field"], f["code"]) for f in answer["fields"]] == [expected], name
    unknown_kind = await gql.post(PREVIEW, {"d": {"groupBy": [{"kind": "SHOE"}]}}, as_=admin)
    assert unknown_kind["data"] is None
    assert "SHOE" in unknown_kind["errors"][0]["message"]


async def test_a_preview_is_one_statement_after_the_callers_lookup(gql, factory, count_statements):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.custom_field(tenant, "lost", CustomFieldType.SELECT, options=["Price"])
    for _ in range(5):
        await factory.customer(tenant)

    with count_statements() as plain:
        await preview(gql, admin, {"groupBy": dims("ORIGIN_CHANNEL", "STATUS")})
    with count_statements() as custom:
        await preview(gql, admin, {"groupBy": dims("STATUS"), "subdivideBy": {"kind": "CUSTOM_FIELD", "field": "lost"}})

    assert plain.count == 2  # the caller, then the report
    assert custom.count == 3  # and the custom field definitions
