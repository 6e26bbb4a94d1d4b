"""Reading an uploaded spreadsheet (CSV or .xlsx) as a header and a stream of rows of text.

The format is decided from the content; the file name and content type only help tell a damaged
workbook from a file of another kind. Everything that makes a file unusable as a whole is found
here, up front, as an UnreadableFile with a code and a sentence for the user.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from resolvers.imports import csv_text, xlsx_sheets
from resolvers.imports.errors import UnreadableCode, UnreadableFile
from resolvers.imports.formula_cells import as_typed

__all__ = ["Table", "UnreadableCode", "UnreadableFile", "open_table"]

MAX_BYTES = 50 * 1024 * 1024
# Far past any real customer sheet; the headers are kept with the import and mapped one by one.
MAX_COLUMNS = 500
MAX_HEADER_CHARS = 255
_HEAD = 8192
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Leading bytes of files people upload by mistake, and what to call them.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Excel (.xls) or password-protected workbook"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"RIFF", "an image or media file"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"7z\xbc\xaf", "a compressed (7-Zip) file"),
    (b"Rar!", "a compressed (RAR) file"),
)


@dataclass(frozen=True)
class Table:
    """A readable file: its headers, and ``rows()`` to stream its data rows (as often as needed)."""

    format: str  # "csv" | "xlsx"
    headers: list[str]  # as in the file, stripped
    encoding: str | None  # csv only: "utf-8", "utf-8-sig", "cp1252"
    delimiter: str | None  # csv only: ",", ";", "\t"
    path: Path = field(repr=False)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number as a spreadsheet shows it, one text cell per header) for each data row.

        The header is row 1; a CSV record with quoted line breaks counts once. Cells are stripped
        and padded with "" or cut to the headers; blank rows are skipped. A CSV damaged past the
        rows ``open_table`` looked at raises UnreadableFile(CORRUPT_FILE) when reached.
        """
        width = len(self.headers)
        for number, cells in _records(self):
            if number == 1:
                continue
            row = [as_typed(cell.strip()) for cell in cells[:width]]
            if any(row):
                yield number, row + [""] * (width - len(row))


def open_table(
    path: Path, *, filename: str | None = None, content_type: str | None = None, max_bytes: int = MAX_BYTES
) -> Table:
    """The file at ``path`` as a Table, or UnreadableFile saying why it cannot be imported."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableFile(
            UnreadableCode.TOO_LARGE, f"The file is larger than the limit of {_megabytes(max_bytes)}; split it."
        )
    if size == 0:
        raise _empty()
    with path.open("rb") as file:
        head = file.read(_HEAD)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        xlsx_sheets.check_workbook(path, max_bytes)
        return Table("xlsx", _checked_headers(xlsx_sheets.records(path)), None, None, path)
    _refuse_other_kinds(head, _hints_xlsx(filename, content_type))
    encoding = csv_text.detect_encoding(path)
    delimiter = csv_text.sniff_delimiter(path, encoding)
    return Table("csv", _checked_headers(csv_text.records(path, encoding, delimiter)), encoding, delimiter, path)


def _records(table: Table) -> Iterator[tuple[int, list[str]]]:
    if table.format == "xlsx":
        return xlsx_sheets.records(table.path)
    assert table.encoding is not None and table.delimiter is not None
    return csv_text.records(table.path, table.encoding, table.delimiter)


def _checked_headers(records: Iterator[tuple[int, list[str]]]) -> list[str]:
    """The stripped headers, once the file is known to have a header row and at least one data row."""
    first = next(records, None)
    headers = [as_typed(cell.strip()) for cell in first[1]] if first else []
    if not any(headers):
        if any(any(cell.strip() for cell in cells) for _, cells in records):
            raise UnreadableFile(
                UnreadableCode.BAD_HEADER, "The first row must hold the column names, but it is blank."
            )
        raise _empty()
    used = len(headers) - next(i for i, h in enumerate(reversed(headers)) if h)  # trailing blanks aside
    if used > MAX_COLUMNS:
        raise UnreadableFile(
            UnreadableCode.BAD_HEADER, f"The file has {used} columns; at most {MAX_COLUMNS} can be imported."
        )
    if any(len(h) > MAX_HEADER_CHARS for h in headers):
        raise UnreadableFile(
            UnreadableCode.BAD_HEADER,
            f"A column name is longer than {MAX_HEADER_CHARS} characters: is the first row the column names?",
        )
    if not any(any(cell.strip() for cell in cells[: len(headers)]) for _, cells in records):
        raise UnreadableFile(UnreadableCode.HEADER_ONLY, "The file has column names but no rows of data below them.")
    return headers


def _refuse_other_kinds(head: bytes, hints_xlsx: bool) -> None:
    """Binary files and structured text that is not a table."""
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise UnreadableFile(UnreadableCode.UNSUPPORTED_TYPE, f"The file is {what}; {_EXPECTED}")
    if b"\x00" in head and not head.startswith(_UTF16_BOMS):  # UTF-16 text is refused as an encoding
        if hints_xlsx:
            raise xlsx_sheets.corrupt()
        raise UnreadableFile(UnreadableCode.UNSUPPORTED_TYPE, f"The file holds binary data, not text; {_EXPECTED}")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text[:1] == b"<":
        raise UnreadableFile(UnreadableCode.UNSUPPORTED_TYPE, f"The file is an XML or HTML document; {_EXPECTED}")
    if text[:1] == b"{" or (text[:1] == b"[" and text[1:].lstrip()[:1] in (b"{", b"[", b'"', b"]")):
        raise UnreadableFile(UnreadableCode.UNSUPPORTED_TYPE, f"The file is a JSON document; {_EXPECTED}")


_EXPECTED = "upload a CSV or an Excel (.xlsx) file."


def _hints_xlsx(filename: str | None, content_type: str | None) -> bool:
    suffix = PurePath(filename).suffix.lower() if filename else ""
    return suffix == ".xlsx" or (content_type or "").split(";")[0].strip().lower() == _XLSX_TYPE


def _empty() -> UnreadableFile:
    return UnreadableFile(UnreadableCode.EMPTY_FILE, "The file is empty.")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
