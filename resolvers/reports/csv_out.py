"""A report as CSV that pt-BR Excel opens without a wizard: UTF-8 with BOM, ``;`` between cells."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from resolvers.imports.formula_cells import inert
from resolvers.reports.table import Table

TOTAL = "Total"
EMPTY = "(empty)"


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize() if value == value.to_integral() else value, "f")


def report_csv(table: Table, delimiter: str = ";") -> bytes:
    """One line per row of the table; with a subdivision, a column per group and the row's total."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    rows = [a for a in table.axes if not a.column]
    columns = next((a for a in table.axes if a.column), None)
    labels = [{g.key: g.label for g in a.groups} for a in rows]
    head = [a.dimension.field or a.dimension.kind.value for a in rows]
    if columns is not None:
        head += [inert(g.label or EMPTY) for g in columns.groups]
    writer.writerow([*head, TOTAL])
    for row in table.rows:
        names = [
            TOTAL if rolled else inert(labels[i].get(key) or EMPTY)
            for i, (key, rolled) in enumerate(zip(row.keys, row.rolled_up, strict=True))
        ]
        cells = [_number(c.value) for c in row.cells]
        writer.writerow([*names, *cells, _number(row.value)])
    return "\ufeff".encode() + out.getvalue().encode()
