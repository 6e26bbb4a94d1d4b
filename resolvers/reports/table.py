"""The statement's answer laid out as a table: groups per dimension (with the raw values folded
into each), then one row per group of the row dimensions, their subtotals and the grand total,
each with a cell per group of the subdivision. Only layout happens here: every number comes from
PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from resolvers.reports.definition import Dimension, Report, TotalKind

Key = str | None


@dataclass(frozen=True, slots=True)
class RawValue:
    value: str | None
    count: int


@dataclass(slots=True)
class Group:
    key: Key
    label: str | None
    count: int = 0
    raws: list[RawValue] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Axis:
    dimension: Dimension
    column: bool  # a subdivision, shown as columns
    groups: list[Group]


@dataclass(frozen=True, slots=True)
class Cell:
    key: Key
    count: int
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class Row:
    keys: list[Key]  # per row dimension; None for the empty group or where rolled up
    rolled_up: list[bool]  # per row dimension: a subtotal (or the grand total) over it
    count: int
    value: Decimal | None
    cells: list[Cell]  # per group of the subdivision, in its order; [] without one


@dataclass(frozen=True, slots=True)
class Table:
    report: Report
    axes: list[Axis]
    rows: list[Row]

    @property
    def total(self) -> Row:
        return self.rows[-1]


def _groups(report: Report, found: list[dict[str, Any]]) -> list[list[Group]]:
    groups: list[dict[Key, Group]] = [{} for _ in report.dimensions]
    for r in found:
        if r["part"] != "raw":
            continue
        i = r["dim"]
        key = r[f"k{i}"]
        group = groups[i].setdefault(key, Group(key, r["label"]))
        group.count += r["n"]
        group.raws.append(RawValue(r["raw"], r["n"]))
    out = []
    for by_key in groups:
        for g in by_key.values():
            g.raws.sort(key=lambda v: (-v.count, v.value or ""))
        out.append(sorted(by_key.values(), key=lambda g: (g.key is None, -g.count, (g.label or "").lower())))
    return out


def layout(report: Report, found: list[dict[str, Any]]) -> Table:
    groups = _groups(report, found)
    rows_n = len(report.row_dimensions)
    column = rows_n if report.columns else None
    own: dict[tuple[Any, ...], tuple[int, Decimal | None]] = {}
    cells: dict[tuple[Any, ...], dict[Key, Cell]] = {}
    for r in found:
        if r["part"] != "cell":
            continue
        ident = tuple((bool(r[f"g{i}"]), None if r[f"g{i}"] else r[f"k{i}"]) for i in range(rows_n))
        if column is not None and not r[f"g{column}"]:
            key = r[f"k{column}"]
            cells.setdefault(ident, {})[key] = Cell(key, r["n"], r["value"])
        else:
            own[ident] = (r["n"], r["value"])
    order: list[tuple[Any, ...]] = []
    if rows_n == 1:
        order = [((False, g.key),) for g in groups[0]]
    else:
        for g0 in groups[0]:
            order += [((False, g0.key), (False, g1.key)) for g1 in groups[1]]
            order.append(((False, g0.key), (True, None)))
    order.append(tuple((True, None) for _ in range(rows_n)))
    columns = groups[column] if column is not None else []
    nothing = Decimal(0) if report.total.kind is TotalKind.COUNT else None
    rows = []
    for ident in order:
        if ident not in own:
            continue
        count, value = own[ident]
        held = cells.get(ident, {})
        rows.append(
            Row(
                keys=[k for _, k in ident],
                rolled_up=[rolled for rolled, _ in ident],
                count=count,
                value=value,
                cells=[held.get(g.key, Cell(g.key, 0, nothing)) for g in columns],
            )
        )
    axes = [Axis(d, column is not None and i == column, groups[i]) for i, d in enumerate(report.dimensions)]
    return Table(report, axes, rows)
