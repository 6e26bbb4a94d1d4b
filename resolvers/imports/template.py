"""The import template a company downloads: the standard columns as the Brazilian manual names them,
one column per active custom field (by its label), and one example row.

Every column of the template maps back to its field through ``suggest_mapping``: a standard
column whose usual name a custom field's label takes is written with a synonym instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from models import CustomFieldType
from resolvers.custom_values import FieldDef
from resolvers.imports.mapping import fold_header

# (names the column may take, first preferred; example value)
_STANDARD: tuple[tuple[tuple[str, ...], str], ...] = (
    (("nome", "name", "nombre"), "Maria Aparecida da Silva"),
    (("email", "e-mail", "correo"), "maria.silva@exemplo.com.br"),
    (("telefone", "phone", "fone"), "(11) 3456-7890"),
    (("whatsapp", "wpp", "zap"), "(11) 98765-4321"),
    (("tag1", "etiqueta1", "marcador1"), "Cliente VIP"),
    (("tag2", "etiqueta2", "marcador2"), "Indicação"),
)
_PHONE_COLUMNS = {"telefone", "phone", "fone", "whatsapp", "wpp", "zap"}
_EXAMPLES: dict[CustomFieldType, str] = {
    CustomFieldType.TEXT: "Feira de Negócios 2024",
    CustomFieldType.LONG_TEXT: "Prefere contato pela manhã.",
    CustomFieldType.NUMBER: "3",
    CustomFieldType.DECIMAL: "1250.90",
    CustomFieldType.DATE: "1985-07-23",
    CustomFieldType.BOOLEAN: "sim",
    CustomFieldType.URL: "https://www.exemplo.com.br",
    CustomFieldType.EMAIL: "financeiro@exemplo.com.br",
    CustomFieldType.PHONE: "(21) 99876-5432",
}


def _active(custom_fields: Sequence[FieldDef]) -> list[FieldDef]:
    return sorted((f for f in custom_fields if not f.archived), key=lambda f: f.position)


def _columns(custom_fields: Sequence[FieldDef]) -> list[tuple[str, str, FieldDef | None]]:
    """(header, example value, custom field or None) for each column."""
    fields = _active(custom_fields)
    labels = {fold_header(f.label) for f in fields}
    columns: list[tuple[str, str, FieldDef | None]] = []
    for names, example in _STANDARD:
        header = next((name for name in names if fold_header(name) not in labels), names[0])
        columns.append((header, example, None))
    for f in fields:
        header = f.label if fold_header(f.label) else f.key
        example = f.options[0] if f.type in (CustomFieldType.SELECT, CustomFieldType.MULTI_SELECT) and f.options else ""
        columns.append((header, _EXAMPLES.get(f.type, example), f))
    return columns


def template_headers(custom_fields: Sequence[FieldDef]) -> list[str]:
    return [header for header, _, _ in _columns(custom_fields)]


def template_csv(custom_fields: Sequence[FieldDef]) -> bytes:
    """UTF-8 with a BOM (so Excel shows accents), comma-separated, CRLF line ends."""
    columns = _columns(custom_fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _, _ in columns])
    writer.writerow([example for _, example, _ in columns])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(custom_fields: Sequence[FieldDef]) -> bytes:
    """One sheet, bold header; phone columns formatted as text so Excel keeps what users type."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Clientes"
    for index, (header, example, field) in enumerate(_columns(custom_fields), start=1):
        head = sheet.cell(row=1, column=index, value=header)
        head.font = Font(bold=True)
        cell = sheet.cell(row=2, column=index, value=_typed(example, field))
        letter = head.column_letter
        sheet.column_dimensions[letter].width = max(14, len(header) + 2, len(example) + 2)
        if header in _PHONE_COLUMNS or (field is not None and field.type is CustomFieldType.PHONE):
            sheet.column_dimensions[letter].number_format = "@"
            cell.number_format = "@"
        elif field is not None and field.type is CustomFieldType.DATE:
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _typed(example: str, field: FieldDef | None) -> object:
    """Numbers and dates as Excel holds them, so the example looks as a user's own data would."""
    if field is None or not example:
        return example
    if field.type is CustomFieldType.NUMBER:
        return int(example)
    if field.type is CustomFieldType.DECIMAL:
        return float(Decimal(example))
    if field.type is CustomFieldType.DATE:
        return date.fromisoformat(example)
    return example
