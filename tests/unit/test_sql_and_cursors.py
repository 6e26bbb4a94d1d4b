from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from models.sql import FALSE, TRUE, Sql, and_, or_
from resolvers.cursors import ListCursors
from resolvers.errors import ValidationFailed
from resolvers.pagination import SortKey, after_condition
from resolvers.text import fold


def test_fragments_number_their_parameters_when_rendered():
    query = and_(Sql("a = %s", 1), or_(Sql("b = %s", 2), Sql("c LIKE %s || '%%'", "x")))

    text, params = query.render()

    assert text == "(a = $1) AND ((b = $2) OR (c LIKE $3 || '%'))"
    assert params == [1, 2, "x"]


def test_true_and_false_short_circuit():
    assert and_(Sql("a"), FALSE) is FALSE
    assert or_(Sql("a"), TRUE) is TRUE
    assert and_() is TRUE
    assert or_() is FALSE


def test_a_fragment_with_the_wrong_number_of_parameters_is_refused():
    with pytest.raises(ValueError):
        Sql("a = %s AND b = %s", 1)


def test_cursors_round_trip_and_refuse_other_lists():
    created, name = ListCursors.bound(["created"]), ListCursors.bound(["name"])
    cursor = created.encode(["2026-01-01T00:00:00+00:00", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"])

    assert created.decode(cursor, 2) == ["2026-01-01T00:00:00+00:00", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"]
    with pytest.raises(ValidationFailed):
        name.decode(cursor, 2)
    with pytest.raises(ValidationFailed):
        created.decode("!!!", 2)


def test_keyset_condition_for_mixed_directions():
    keys = [SortKey("c.name", False, "text", "name"), SortKey("c.id", True, "uuid", "id")]
    pk = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"

    text, params = after_condition(keys, ["Ana", pk]).render()

    assert text == "(c.name > $1::text) OR (c.name = $2::text AND c.id < $3::uuid)"
    assert params == ["Ana", "Ana", UUID(pk)]


def test_keyset_condition_for_one_direction_uses_a_row_comparison():
    keys = [SortKey("c.created_at", True, "timestamptz", "created_at"), SortKey("c.id", True, "uuid", "id")]
    when = datetime(2026, 1, 1, tzinfo=UTC)

    text, params = after_condition(keys, [when.isoformat(), "1b4e28ba-2fa1-11d2-883f-0016d3cca427"]).render()

    assert text == "(c.created_at, c.id) < ($1::timestamptz, $2::uuid)"
    assert params[0] == when


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("João  da Silva", "joao da silva"),
        ("ÁGUA Ñandú", "agua nandu"),
        ("Straße", "strasse"),
        (None, ""),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded
