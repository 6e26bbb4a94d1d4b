"""Cells a spreadsheet would run as a formula, made inert in the error report and read back as typed.

A cell beginning with = + - @ (or a tab or carriage return) is a formula to Excel and LibreOffice
when a CSV is opened: "=HYPERLINK(...)" in an uploaded file must not become a live link in the
report an admin opens. The report prefixes such cells with an apostrophe; a file read for import
drops that apostrophe again, so a report fixed and uploaded again gives the values as first typed.
"""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: str) -> str:
    """The cell as the error report writes it."""
    return "'" + cell if cell.startswith(_TRIGGERS) else cell


def as_typed(cell: str) -> str:
    """A cell of an uploaded file, without the apostrophe ``inert`` put before a formula character."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_TRIGGERS) else cell
