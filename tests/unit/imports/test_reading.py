"""Reading uploaded files: encodings, delimiters, xlsx cells, and every reason a file is refused (pure)."""

from __future__ import annotations

import tracemalloc
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from resolvers.imports.reading import Table, UnreadableFile, open_table


def write(tmp_path: Path, data: bytes, name: str = "clientes.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(table: Table) -> list[tuple[int, list[str]]]:
    return list(table.rows())


def refused(path: Path, **kwargs: object) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        open_table(path, **kwargs)  # type: ignore[arg-type]
    assert caught.value.message.endswith(".")
    return caught.value


def xlsx(tmp_path: Path, *sheet_rows: list[object], name: str = "clientes.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    for row in sheet_rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


TEXT = "nome;cidade\n{name};Conceição do Mato Dentro\n"


@pytest.mark.parametrize(
    ("data", "encoding", "name"),
    [
        (TEXT.format(name="São João").encode("utf-8"), "utf-8", "São João"),
        (TEXT.format(name="São João").encode("utf-8-sig"), "utf-8-sig", "São João"),
        (TEXT.format(name="São João").encode("cp1252"), "cp1252", "São João"),
        (TEXT.format(name="“Zé” João").encode("cp1252"), "cp1252", "“Zé” João"),  # curly quotes: cp1252, not Latin-1
    ],
)
def test_each_encoding_reads_accents_back(tmp_path: Path, data: bytes, encoding: str, name: str) -> None:
    table = open_table(write(tmp_path, data))
    assert (table.format, table.encoding, table.delimiter) == ("csv", encoding, ";")
    assert table.headers == ["nome", "cidade"]  # no BOM left on the first header
    assert rows(table) == [(2, [name, "Conceição do Mato Dentro"])]


def test_a_windows_1252_byte_far_down_a_utf8_looking_file_is_read(tmp_path: Path) -> None:
    body = b"".join(b"Cliente %d;cliente%d@exemplo.com.br\n" % (i, i) for i in range(60_000))
    path = write(tmp_path, b"nome;email\n" + body + "Conceição;c@exemplo.com.br\n".encode("cp1252"))
    table = open_table(path)
    assert table.encoding == "cp1252"
    assert rows(table)[-1] == (60_002, ["Conceição", "c@exemplo.com.br"])


def test_bytes_neither_encoding_defines_are_bad_encoding(tmp_path: Path) -> None:
    assert refused(write(tmp_path, b"nome\nJo\x81o\n")).code == "BAD_ENCODING"
    assert refused(write(tmp_path, "nome\nAna\n".encode("utf-16"))).code == "BAD_ENCODING"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = [["nome", "email", "cidade"], ["Ana Souza", "ana@exemplo.com", "Rio de Janeiro"], ["Bia", "", "Recife"]]
    table = open_table(write(tmp_path, "\n".join(delimiter.join(line) for line in lines).encode()))
    assert table.delimiter == delimiter
    assert table.headers == ["nome", "email", "cidade"]
    assert rows(table) == [(2, lines[1]), (3, lines[2])]


def test_commas_inside_quoted_cells_do_not_fool_the_sniffer(tmp_path: Path) -> None:
    data = 'nome;endereço;cidade\nAna;"Rua das Flores, 10";"São Paulo, SP"\nBia;"Av. Brasil, 200";Rio\n'
    table = open_table(write(tmp_path, data.encode()))
    assert table.delimiter == ";"
    assert rows(table)[0] == (2, ["Ana", "Rua das Flores, 10", "São Paulo, SP"])


def test_a_single_column_file_is_read(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, b"nome\nAna\nBia\n"))
    assert table.headers == ["nome"]
    assert rows(table) == [(2, ["Ana"]), (3, ["Bia"])]


def test_quoted_line_breaks_stay_in_the_cell_and_rows_count_records(tmp_path: Path) -> None:
    data = b'nome,obs\r\n"Ana","linha 1\r\nlinha 2\r\nlinha 3"\r\nBia,ok\r\n'
    assert rows(open_table(write(tmp_path, data))) == [
        (2, ["Ana", "linha 1\r\nlinha 2\r\nlinha 3"]),
        (3, ["Bia", "ok"]),
    ]


def test_cells_are_stripped_padded_cut_and_blank_rows_skipped(tmp_path: Path) -> None:
    data = b" nome , email \n  Ana  \n,\n\nBia , b@x.com , extra\n"
    table = open_table(write(tmp_path, data))
    assert table.headers == ["nome", "email"]
    assert rows(table) == [(2, ["Ana", ""]), (5, ["Bia", "b@x.com"])]


def test_blank_and_duplicate_header_names_are_allowed(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, b"nome,,tag,tag\nAna,x,a,b\n"))
    assert table.headers == ["nome", "", "tag", "tag"]


def test_rows_can_be_read_twice(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, b"nome\nAna\n"))
    assert rows(table) == rows(table) == [(2, ["Ana"])]


def test_xlsx_cells_read_as_the_user_typed_them(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path,
        ["Nome", "Telefone", "Nascimento", "Visita", "Ticket", "VIP", 2024],
        ["Ana", 11987654321, date(1985, 7, 23), datetime(2024, 5, 1, 13, 30), 1250.9, True, 7.0],
        [None, None, None, None, None, None, None],
        ["  Bia  ", 5511987654321.0, datetime(2024, 1, 2), None, 0.1 + 0.2, False, None],
    )
    table = open_table(path, filename="clientes.xlsx")
    assert (table.format, table.encoding, table.delimiter) == ("xlsx", None, None)
    assert table.headers == ["Nome", "Telefone", "Nascimento", "Visita", "Ticket", "VIP", "2024"]
    assert rows(table) == [
        (2, ["Ana", "11987654321", "1985-07-23", "2024-05-01T13:30:00", "1250.9", "true", "7"]),
        (4, ["Bia", "5511987654321", "2024-01-02", "", "0.3", "false", ""]),
    ]


def test_xlsx_reads_the_first_sheet_with_spreadsheet_row_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    first = workbook.active
    first["B1"], first["C1"] = "nome", "email"
    first["B5"] = "Ana"
    workbook.create_sheet("Outra")["A1"] = "ignored"
    workbook.save(path := tmp_path / "c.xlsx")
    table = open_table(path)
    assert table.headers == ["nome", "email"]
    assert rows(table) == [(5, ["Ana", ""])]


def test_format_comes_from_content_not_the_name(tmp_path: Path) -> None:
    assert (
        open_table(write(tmp_path, b"nome\nAna\n", "export.xls"), content_type="application/vnd.ms-excel").format
        == "csv"
    )
    renamed = write(tmp_path, xlsx(tmp_path, ["nome"], ["Ana"]).read_bytes(), "planilha.csv")
    assert open_table(renamed, filename="planilha.csv", content_type="text/csv").format == "xlsx"


def test_empty_files(tmp_path: Path) -> None:
    assert refused(write(tmp_path, b"")).code == "EMPTY_FILE"
    assert refused(write(tmp_path, b"\r\n  \n\t\n")).code == "EMPTY_FILE"
    assert refused(write(tmp_path, b"\xef\xbb\xbf")).code == "EMPTY_FILE"
    assert refused(xlsx(tmp_path)).code == "EMPTY_FILE"


def test_header_only(tmp_path: Path) -> None:
    assert refused(write(tmp_path, b"nome,email\r\n")).code == "HEADER_ONLY"
    assert refused(write(tmp_path, b"nome,email\n,\n  \n")).code == "HEADER_ONLY"
    assert refused(xlsx(tmp_path, ["nome", "email"])).code == "HEADER_ONLY"


def test_a_blank_first_row_is_a_bad_header(tmp_path: Path) -> None:
    assert refused(write(tmp_path, b";;\nAna;a@x.com;1\n")).code == "BAD_HEADER"
    workbook = openpyxl.Workbook()
    workbook.active["A3"] = "nome"
    workbook.active["A4"] = "Ana"
    workbook.save(path := tmp_path / "b.xlsx")
    assert refused(path).code == "BAD_HEADER"


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, b"nome\n" + b"Ana\n" * 300)
    assert refused(path, max_bytes=1000).code == "TOO_LARGE"
    assert open_table(path, max_bytes=1205).headers == ["nome"]


def test_a_zip_bomb_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * 2_000_000)
    assert refused(path, max_bytes=50_000).code == "TOO_LARGE"


def test_a_truncated_workbook_is_corrupt(tmp_path: Path) -> None:
    data = xlsx(tmp_path, ["nome"], ["Ana"]).read_bytes()
    assert refused(write(tmp_path, data[: len(data) // 2], "cut.xlsx")).code == "CORRUPT_FILE"


def test_a_workbook_with_broken_parts_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not xml at all")
    assert refused(path).code == "CORRUPT_FILE"


def test_binary_named_xlsx_is_corrupt_else_unsupported(tmp_path: Path) -> None:
    noise = bytes(range(256)) * 4
    assert refused(write(tmp_path, noise, "c.xlsx"), filename="c.xlsx").code == "CORRUPT_FILE"
    assert refused(write(tmp_path, noise, "c.bin"), filename="c.bin").code == "UNSUPPORTED_TYPE"


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize(
    "data",
    [
        PNG,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,  # legacy .xls
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        b'[{"nome": "Ana"}]',
        b'  {"nome": "Ana"}',
        b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
        b"<html><table><tr><td>nome</td></tr></table></html>",
        b"nome\nAna\x00\x00\x00\n",
    ],
)
def test_other_kinds_of_file_are_unsupported(tmp_path: Path, data: bytes) -> None:
    assert refused(write(tmp_path, data)).code == "UNSUPPORTED_TYPE"


def test_other_zip_archives_are_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "doc.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert refused(path).code == "UNSUPPORTED_TYPE"


def test_iterating_a_large_csv_keeps_memory_small(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        out.write(b"nome;email;telefone;cidade\n")
        for start in range(0, 200_000, 10_000):
            out.write(b"".join(b"Cliente %d;c%d@exemplo.com.br;(11) 98765-%04d;Sao Paulo\n" % (i, i, i % 10_000)
                               for i in range(start, start + 10_000)))  # fmt: skip
    tracemalloc.start()
    try:
        count = sum(1 for _ in open_table(path).rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert path.stat().st_size > 10_000_000
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_an_unclosed_quote_swallowing_the_file_is_corrupt(tmp_path: Path) -> None:
    error = refused(write(tmp_path, b'nome,obs\nAna,"nunca fecha\n' + b"texto sem fim " * 20_000))
    assert (error.code, error.message) == (
        "CORRUPT_FILE",
        "Row 2 of the file cannot be read (field larger than field limit (131072)); check its quotes.",
    )
