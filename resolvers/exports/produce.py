"""Writing an export's file: the rows streamed from the database into the format's writer."""

from __future__ import annotations

import codecs
import csv
import io
from typing import IO

from authz.access import Access
from authz.masking import contact_hidden
from models import ExportFormat
from resolvers.custom_fields import load_definitions
from resolvers.exports.arguments import ExportArguments, plan_for
from resolvers.exports.cells import row_cells, row_object
from resolvers.exports.columns import choose
from resolvers.exports.source import copy_csv, narrowed, stream_rows
from resolvers.exports.writers import JsonWriter, Writer, XlsxWriter
from resolvers.imports.formula_cells import inert

MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSON: "application/json",
}


async def write_export(access: Access, arguments: ExportArguments, fmt: ExportFormat, out: IO[bytes]) -> int:
    """Write the export to ``out`` as the caller may see it now; answer the number of rows."""
    columns = choose(await load_definitions(access.principal.tenant_id), arguments.columns)
    plan = narrowed(access, await plan_for(access, arguments))
    writer: Writer
    if fmt is ExportFormat.CSV:
        # PostgreSQL writes the lines (COPY): the header and the BOM are ours.
        header = io.StringIO()
        csv.writer(header, delimiter=arguments.delimiter, lineterminator="\n").writerow(
            [inert(h) for c in columns for h in c.headers]
        )
        out.write(codecs.BOM_UTF8 + header.getvalue().encode())
        return await copy_csv(access, plan, columns, arguments.delimiter, out)
    if fmt is ExportFormat.JSON:
        writer = JsonWriter(out, row_object(columns, contact_hidden(access)))
    else:
        writer = XlsxWriter(out, [h for c in columns for h in c.headers], row_cells(columns))
    count = 0
    async for batch in stream_rows(access, plan, columns, ids=fmt is ExportFormat.JSON):
        writer.write_rows(batch)
        count += len(batch)
    writer.close()
    return count
