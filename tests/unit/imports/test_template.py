"""The import template: its columns, its example row, and that it reads back and maps whole (pure)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import openpyxl
import pytest

from models import CustomFieldType as T
from resolvers.contact import normalize_email, normalize_phone
from resolvers.custom_values import FieldDef, clean_value
from resolvers.imports.mapping import TargetKind, check_mapping, suggest_mapping
from resolvers.imports.reading import open_table
from resolvers.imports.template import template_csv, template_headers, template_xlsx

NOW = datetime(2024, 1, 1, tzinfo=UTC)
STANDARD = ["nome", "email", "telefone", "whatsapp", "tag1", "tag2"]


def define(key: str, label: str, kind: T, position: int, options: tuple[str, ...] = (), archived: bool = False):
    return FieldDef(uuid4(), key, label, kind, options, False, position, archived, 1, NOW, NOW)


FIELDS = [
    define("plano", "Plano", T.SELECT, 2, ("Ouro", "Prata")),
    define("aniversario", "Data de nascimento", T.DATE, 1),
    define("filhos", "Filhos", T.NUMBER, 3),
    define("ticket", "Ticket médio", T.DECIMAL, 4),
    define("ativo", "Cliente ativo", T.BOOLEAN, 5),
    define("site", "Site", T.URL, 6),
    define("financeiro", "E-mail financeiro", T.EMAIL, 7),
    define("recado", "Telefone para recado", T.PHONE, 8),
    define("interesses", "Interesses", T.MULTI_SELECT, 9, ("Carros", "Motos")),
    define("obs", "Observações", T.LONG_TEXT, 10),
    define("evento", "Evento", T.TEXT, 11),
    define("antigo", "Campo antigo", T.TEXT, 0, archived=True),
]


def test_headers_are_the_manuals_then_active_custom_fields_by_position() -> None:
    assert template_headers([]) == STANDARD
    assert template_headers(FIELDS) == [*STANDARD, "Data de nascimento", "Plano", "Filhos", "Ticket médio",
                                        "Cliente ativo", "Site", "E-mail financeiro", "Telefone para recado",
                                        "Interesses", "Observações", "Evento"]  # fmt: skip


def test_csv_is_utf8_with_bom_comma_separated_with_one_example_row() -> None:
    data = template_csv([define("plano", "Plano", T.SELECT, 0, ("Ouro", "Prata"))])
    assert data.startswith(b"\xef\xbb\xbfnome,email,telefone,whatsapp,tag1,tag2,Plano\r\n")
    lines = data.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].endswith(",Ouro")


def example_row(path: Path) -> tuple[list[str], dict[str, str]]:
    table = open_table(path)
    [(number, cells)] = list(table.rows())
    assert number == 2
    return table.headers, dict(zip(table.headers, cells, strict=True))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_template_reads_back_and_maps_every_column(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"modelo.{kind}"
    path.write_bytes(template_csv(FIELDS) if kind == "csv" else template_xlsx(FIELDS))
    headers, row = example_row(path)
    assert headers == template_headers(FIELDS)

    active = [(f.key, f.label) for f in FIELDS if not f.archived]
    mapping = suggest_mapping(headers, active)
    assert all(t.kind != TargetKind.IGNORE for t in mapping)
    assert check_mapping(mapping, headers, {key for key, _ in active}) == []
    assert [t.field for t in mapping[:4]] == ["name", "email", "phone", "whatsapp"]
    assert [t.kind for t in mapping[4:6]] == [TargetKind.TAGS] * 2
    assert [t.field for t in mapping[6:]] == [f.key for f in sorted(FIELDS[:-1], key=lambda f: f.position)]

    # The example row is valid data: contacts normalize, custom values clean.
    assert normalize_email(row["email"])
    assert normalize_phone(row["telefone"], "BR").e164 == "+551134567890"
    assert normalize_phone(row["whatsapp"], "BR").e164 == "+5511987654321"
    assert row["Data de nascimento"] == "1985-07-23"
    assert row["Plano"] == "Ouro"
    assert row["Cliente ativo"] == "sim"
    for f in FIELDS[:-1]:
        value = row[f.label]
        if f.type is T.BOOLEAN:
            continue  # "sim": the import reads yes/no words, the API takes true/false
        assert clean_value(f, [value] if f.type is T.MULTI_SELECT else value, "BR") is not None


def test_a_custom_label_taking_a_standard_name_moves_the_standard_column_to_a_synonym(tmp_path: Path) -> None:
    fields = [define("tel", "Telefone", T.PHONE, 0), define("zap2", "WhatsApp", T.PHONE, 1)]
    headers = template_headers(fields)
    assert headers == ["nome", "email", "phone", "wpp", "tag1", "tag2", "Telefone", "WhatsApp"]
    mapping = suggest_mapping(headers, [(f.key, f.label) for f in fields])
    assert [t.field for t in mapping[2:4]] == ["phone", "whatsapp"]
    assert [t.field for t in mapping[6:]] == ["tel", "zap2"]


def test_xlsx_header_is_bold_and_phone_cells_are_text() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx(FIELDS))).active
    header = [cell for cell in sheet[1]]
    assert all(cell.font.bold for cell in header)
    by_name = {cell.value: cell.column_letter for cell in header}
    for name in ("telefone", "whatsapp", "Telefone para recado"):
        cell = sheet[f"{by_name[name]}2"]
        assert (cell.data_type, cell.number_format) == ("s", "@")
    assert sheet[f"{by_name['Filhos']}2"].value == 3  # numbers stay numbers
