"""The file formats written in Python: each writer takes rows batch by batch and writes them to a
binary file as it goes, so memory stays flat whatever the row count. (CSV is written by PostgreSQL
itself, see ``source.copy_csv``: UTF-8 with a BOM, ``;`` by default, as Excel in pt-BR opens it.)

- XLSX: typed cells (dates as dates, numbers as numbers), xlsxwriter in constant_memory mode
  (each row is flushed to a temporary file as soon as the next begins).
- JSON: an array of objects whose keys are the GraphQL field names of Customer.

No cell is ever run as a formula by a spreadsheet: every text is written with ``write_string``
(in CSV a text starting with = + - @, a tab or a carriage return gets an apostrophe before it,
``columns.inert_sql``; the import drops it again, see resolvers/imports/formula_cells.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Any, Protocol

import orjson
import xlsxwriter

from resolvers.exports.cells import Cell


class Writer(Protocol):
    def write_rows(self, rows: Sequence[Any]) -> None: ...

    def close(self) -> None: ...


class XlsxWriter:
    def __init__(self, out: IO[bytes], headers: Sequence[str], cells: Callable[[Any], list[Cell]]):
        self._book = xlsxwriter.Workbook(
            out, {"constant_memory": True, "remove_timezone": True, "strings_to_formulas": False}
        )
        self._sheet = self._book.add_worksheet("Clientes")
        bold = self._book.add_format({"bold": True})
        self._when = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._day = self._book.add_format({"num_format": "yyyy-mm-dd"})
        for col, header in enumerate(headers):
            self._sheet.write_string(0, col, header, bold)
        self._sheet.freeze_panes(1, 0)
        self._cells = cells
        self._row = 1

    def write_rows(self, rows: Sequence[Any]) -> None:
        sheet = self._sheet
        for row in rows:
            r = self._row
            for col, value in enumerate(self._cells(row)):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, col, value)  # never a formula, whatever it starts with
                elif isinstance(value, bool):
                    sheet.write_boolean(r, col, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, col, value.astimezone(UTC), self._when)
                elif isinstance(value, date):
                    sheet.write_datetime(r, col, value, self._day)
                elif isinstance(value, Decimal):
                    sheet.write_number(r, col, float(value))
                else:
                    sheet.write_number(r, col, value)
            self._row += 1

    def close(self) -> None:
        self._book.close()


class JsonWriter:
    def __init__(self, out: IO[bytes], build: Callable[[Any], dict[str, Any]]):
        self._out = out
        self._build = build
        self._first = True
        out.write(b"[")

    def write_rows(self, rows: Sequence[Any]) -> None:
        if not rows:
            return
        dumps, build = orjson.dumps, self._build
        body = b",\n".join(dumps(build(row)) for row in rows)
        self._out.write((b"\n" if self._first else b",\n") + body)
        self._first = False

    def close(self) -> None:
        self._out.write(b"\n]\n" if not self._first else b"]\n")
