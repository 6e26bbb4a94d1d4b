"""The cursor codec: opaque, tamper-proof, deterministic, bound to its list, and cheap."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from authz.principal import Principal
from models import Role
from resolvers import cursors
from resolvers.cursors import ANOTHER_LIST, ListCursors
from resolvers.errors import ValidationFailed

TENANT = UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427")


def caller(role: Role = Role.ADMIN, user: UUID | None = None, key: UUID | None = None) -> Principal:
    return Principal(tenant_id=TENANT, tenant_slug="t", role=role, user_id=user, api_key_id=key)


ANA = caller(user=UUID("00000000-0000-0000-0000-00000000000a"))
BRUNO = caller(user=UUID("00000000-0000-0000-0000-00000000000b"))


@pytest.fixture(autouse=True)
def key():
    cursors.configure("a test secret of some length")


def _raw(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def refusal(exc: pytest.ExceptionInfo[ValidationFailed]) -> str:
    return exc.value.errors[0].message


def test_a_cursor_round_trips_and_reveals_none_of_its_values():
    lists = ListCursors.of(ANA, "duplicateGroups")
    cursor = lists.encode([3, "phone", "+5511977770000"])

    assert lists.decode(cursor, 3) == [3, "phone", "+5511977770000"]
    raw = _raw(cursor)
    for hidden in (b"5511977770000", b"phone", b"977770000"):
        assert hidden not in raw and hidden not in cursor.encode()


def test_the_same_position_gives_the_same_cursor():
    when = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    pk = uuid4()
    one = ListCursors.of(ANA, "customers", search="silva", sort=None).encode([when, pk])
    two = ListCursors.of(ANA, "customers", search="silva", sort=None).encode([when, pk])

    assert one == two
    assert ListCursors.of(ANA, "customers", search="silva", sort=None).decode(one, 2) == [when.isoformat(), str(pk)]


@pytest.mark.parametrize(
    "other",
    [
        ListCursors.of(ANA, "customers", search="souza", sort=None),  # another search
        ListCursors.of(ANA, "customers", search="silva", sort=["name", False]),  # another sort
        ListCursors.of(BRUNO, "customers", search="silva", sort=None),  # another user
        ListCursors.of(caller(Role.SELLER, user=ANA.user_id), "customers", search="silva", sort=None),  # demoted
        ListCursors.of(caller(key=uuid4()), "customers", search="silva", sort=None),  # an API key
        ListCursors.of(ANA, "savedFilter", search="silva", sort=None),  # another connection
    ],
)
def test_a_cursor_of_another_list_is_refused_as_such(other):
    cursor = ListCursors.of(ANA, "customers", search="silva", sort=None).encode(["x", "y"])

    with pytest.raises(ValidationFailed) as refused:
        other.decode(cursor, 2)

    assert refusal(refused) == ANOTHER_LIST


def test_argument_order_does_not_change_the_list():
    one = ListCursors.of(ANA, "customers", filter={"status": "ANY", "tags": {"anyOf": ["a"]}}, search=None)
    two = ListCursors.of(ANA, "customers", search=None, filter={"tags": {"anyOf": ["a"]}, "status": "ANY"})

    assert one.identity == two.identity


def test_each_parent_has_its_own_list():
    notes = ListCursors.of(ANA, "notes")
    first, second = uuid4(), uuid4()
    cursor = notes.child(first).encode(["2026-01-01T00:00:00+00:00", str(uuid4())])

    assert notes.child(first).decode(cursor, 2)
    with pytest.raises(ValidationFailed) as refused:
        notes.child(second).decode(cursor, 2)
    assert refusal(refused) == ANOTHER_LIST


@pytest.mark.parametrize("garbage", ["", "!!!", "bm90IGEgY3Vyc29y", "é", "A" * 500])
def test_garbage_is_not_a_cursor(garbage):
    with pytest.raises(ValidationFailed) as refused:
        ListCursors.of(ANA, "customers").decode(garbage, 2)

    assert refusal(refused) == cursors.INVALID


def test_a_tampered_or_foreign_key_cursor_is_refused():
    lists = ListCursors.of(ANA, "customers")
    cursor = lists.encode(["ana", str(uuid4())])
    raw = bytearray(_raw(cursor))
    raw[-1] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()

    with pytest.raises(ValidationFailed):
        lists.decode(tampered, 2)
    cursors.configure("another server's secret")
    with pytest.raises(ValidationFailed):
        lists.decode(cursor, 2)


def test_a_cursor_with_the_wrong_number_of_values_is_refused():
    lists = ListCursors.of(ANA, "customers")

    with pytest.raises(ValidationFailed):
        lists.decode(lists.encode(["ana", str(uuid4())]), 3)


def test_a_page_of_a_hundred_cursors_costs_well_under_a_millisecond():
    lists = ListCursors.of(ANA, "customers", search=None, sort=["created_at", True], filter={"status": "ANY"})
    rows = [{"_s0": datetime(2026, 1, 1, tzinfo=UTC), "_s1": uuid4()} for _ in range(100)]

    best = min(_timed(lambda: lists.encode_rows(["_s0", "_s1"], rows)) for _ in range(30))

    assert best < 0.001, f"{best * 1000:.2f} ms for 100 cursors"


def _timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start
