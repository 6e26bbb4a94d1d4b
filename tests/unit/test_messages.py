"""Messages built from type names read as English."""

from __future__ import annotations

import pytest

from resolvers.errors import NotFound
from resolvers.kinds import a_kind


@pytest.mark.parametrize(
    ("type_name", "words"),
    [
        ("Customer", "a customer"),
        ("Appointment", "an appointment"),
        ("MessageTemplate", "a message template"),
        ("HistoryEntry", "a history entry"),
        ("User", "a user"),
    ],
)
def test_kinds_get_their_article(type_name, words):
    assert a_kind(type_name) == words


def test_not_found_names_the_kind_in_words():
    assert str(NotFound("HistoryEntry")) == "History entry not found."
    assert str(NotFound("Customer")) == "Customer not found."
