"""Excel workbooks (.xlsx) through python-calamine: the first visible worksheet, cells as text.

Calamine loads one sheet at a time into a compact Rust structure and hands rows out one by one;
the file size limit bounds that sheet.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from resolvers.imports.errors import UnreadableCode, UnreadableFile

# Sheets are XML and compress well, but beyond this ratio a small upload is a zip bomb.
MAX_EXPANSION = 20

Cell = int | float | str | bool | date | datetime | time | timedelta


def check_workbook(path: Path, max_bytes: int) -> None:
    """Refuses a zip that is not an OOXML workbook, or that would expand beyond reason."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise corrupt() from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        what = "an Excel binary workbook (.xlsb)" if "xl/workbook.bin" in names else "a ZIP archive"
        raise UnreadableFile(
            UnreadableCode.UNSUPPORTED_TYPE, f"The file is {what}, not an Excel (.xlsx) workbook or a CSV file."
        )
    if sum(info.file_size for info in infos) > max_bytes * MAX_EXPANSION:
        raise UnreadableFile(UnreadableCode.TOO_LARGE, "The workbook holds too much data once unpacked; split it.")


def records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells as text) for every row from row 1, blank ones included."""
    try:
        with CalamineWorkbook.from_path(path) as workbook:
            rows = _first_sheet(workbook).iter_rows()
            # calamine starts at row 1 even when the data does not (leading rows come blank).
            for number, cells in enumerate(rows, start=1):
                yield number, [cell_text(cell) for cell in cells]
    except CalamineError:
        raise corrupt() from None


def _first_sheet(workbook: CalamineWorkbook) -> CalamineSheet:
    for index, sheet in enumerate(workbook.sheets_metadata):
        if sheet.typ == SheetTypeEnum.WorkSheet and sheet.visible == SheetVisibleEnum.Visible:
            return workbook.get_sheet_by_index(index)
    return workbook.get_sheet_by_index(0)


def cell_text(value: Cell) -> str:
    """A cell as the user typed it: whole numbers without ".0" (phones typed as numbers), dates ISO."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")  # Excel shows 15 digits
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def corrupt() -> UnreadableFile:
    return UnreadableFile(
        UnreadableCode.CORRUPT_FILE, "The Excel file is damaged and cannot be read; save it again and upload it."
    )
