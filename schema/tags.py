from __future__ import annotations

from typing import Any

import strawberry

from schema.node import Node, to_global_id


@strawberry.type
class Tag(Node):
    name: str
    color: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Tag:
        return cls(id=to_global_id("Tag", row["id"]), name=row["name"], color=row["color"])
