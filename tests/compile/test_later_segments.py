"""Later search segments as standalone queries reading their values from one jsonb array."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from models.sql import Sql
from schema.compile.later_segments import standalone

TENANT = UUID("45a8dac5-813f-449c-ab3f-9a277c9827db")


def test_values_are_read_from_the_array_in_order_after_earlier_ones() -> None:
    args: list[object] = ["earlier"]
    query = Sql("c.tenant_id = %s AND c.search_text LIKE %s AND c.active = %s AND n > %s", TENANT, "%ana%", True, 3)
    text = standalone(query, args)
    assert text == (
        "c.tenant_id = ($1->>1)::uuid AND c.search_text LIKE ($1->>2)::text "
        "AND c.active = ($1->>3)::boolean AND n > ($1->>4)::bigint"
    )
    assert args == ["earlier", TENANT, "%ana%", True, 3]


def test_a_literal_percent_sign_is_written_once() -> None:
    assert standalone(Sql("x LIKE 'a%%' AND y = %s", "b"), []) == "x LIKE 'a%' AND y = ($1->>0)::text"


def test_a_value_without_a_plain_form_keeps_the_segment_in_the_statement() -> None:
    assert standalone(Sql("c.created_at < %s", datetime(2024, 1, 1, tzinfo=UTC)), []) is None
    assert standalone(Sql("c.id = ANY(%s::uuid[])", [TENANT]), []) is None
