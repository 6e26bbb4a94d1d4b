"""CSV as people produce it: which encoding and delimiter a file uses, and its records, streamed.

The encoding is decided over the whole file, not a sample: Excel in pt-BR writes Windows-1252,
and a single "ç" on row 90,000 must not break an import that started as UTF-8. The check reads
the file once in chunks (C-speed decoding, constant memory).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from resolvers.imports.errors import UnreadableCode, UnreadableFile

DELIMITERS = (",", ";", "\t")
_CHUNK = 1 << 20
_SAMPLE = 64 * 1024
# Bytes Windows-1252 leaves undefined: a file holding them is neither UTF-8 nor Windows-1252.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_MOJIBAKE_BOM = codecs.BOM_UTF8.decode("cp1252")


def detect_encoding(path: Path) -> str:
    """ "utf-8-sig" (UTF-8 with a BOM), "utf-8", else "cp1252"; refuses binary and other encodings."""
    with path.open("rb") as file:
        head = file.read(4)
        if head.startswith(_UTF16_BOMS):
            raise UnreadableFile(
                UnreadableCode.BAD_ENCODING,
                "The file is saved as UTF-16 (Unicode text); save it as CSV UTF-8 and upload it again.",
            )
        file.seek(0)
        utf8 = codecs.getincrementaldecoder("utf-8")()
        is_utf8 = is_cp1252 = True
        while chunk := file.read(_CHUNK):
            if b"\x00" in chunk:
                raise UnreadableFile(
                    UnreadableCode.UNSUPPORTED_TYPE,
                    "The file holds binary data, not text; upload a CSV or an Excel (.xlsx) file.",
                )
            if is_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            is_cp1252 = is_cp1252 and not _CP1252_UNDEFINED.search(chunk)
        if is_utf8:
            try:
                utf8.decode(b"", final=True)
            except UnicodeDecodeError:  # cut in the middle of a character
                is_utf8 = False
    if is_utf8:
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    if is_cp1252:
        return "cp1252"
    raise UnreadableFile(
        UnreadableCode.BAD_ENCODING,
        "The file's text encoding is neither UTF-8 nor Windows-1252 (Latin-1); save it as CSV UTF-8 and upload it again.",
    )


def sniff_delimiter(path: Path, encoding: str) -> str:
    """The delimiter among , ; and tab: csv.Sniffer on the first records when it finds one that splits
    the header, else the one splitting the header line into the most columns (a comma on a tie)."""
    with path.open(encoding=encoding, newline="") as file:
        sample = file.read(_SAMPLE)
        if file.read(1) and "\n" in sample:
            sample = sample[: sample.rindex("\n")]  # whole lines only: the sniffer counts per line
    widths = {d: len(next(csv.reader(io.StringIO(sample), delimiter=d), [])) for d in DELIMITERS}
    try:
        sniffed: str | None = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in widths and widths[sniffed] > 1:
        return sniffed
    return max(DELIMITERS, key=lambda d: widths[d])


def records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(record number from 1, raw cells) for every record, blank ones included; a quoted line break
    stays inside its record, so the numbers count records, not lines."""
    with path.open(encoding=encoding, newline="") as file:
        # strict: a quote left open would otherwise swallow every row after it into one cell, unseen.
        reader = csv.reader(file, delimiter=delimiter, strict=True)
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                if number == 1 and cells and encoding == "cp1252":
                    cells[0] = cells[0].removeprefix(_MOJIBAKE_BOM)  # a BOM before Windows-1252 text
                yield number, cells
        except csv.Error as exc:
            raise UnreadableFile(
                UnreadableCode.CORRUPT_FILE, f"Row {number + 1} of the file cannot be read ({exc}); check its quotes."
            ) from None
