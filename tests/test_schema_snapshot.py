"""schema/schema.graphql is what client teams generate types from: it must match the code."""

from __future__ import annotations

from schema.schema import build_schema
from server.settings import PROJECT_ROOT


def test_committed_sdl_matches_the_code():
    committed = (PROJECT_ROOT / "schema" / "schema.graphql").read_text()

    assert build_schema().as_str().strip() == committed.strip(), (
        "schema/schema.graphql is out of date: run `make schema` and commit the result"
    )
