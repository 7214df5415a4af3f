"""CSV and XLSX files of a table, formatted for the reader's language.

CSV is UTF-8 with a byte order mark, which Excel needs to read accents. Italian
files use ";" between fields and "," as decimal separator, the way Excel with
Italian regional settings opens them; English files use "," and ".". A text
cell that starts with =, +, -, @, tab or CR gets a leading single quote, so a
spreadsheet shows it as text instead of running it as a formula (CSV
injection). Numeric columns are never quoted.

XLSX cells are typed: dates are dates, minutes, decimal hours, amounts and
ids are numbers, and durations also appear as a day fraction formatted
[h]:mm. The header row is bold and frozen. A None value leaves the cell empty.
"""

from __future__ import annotations

import csv
import enum
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.i18n import format_day

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITERS = {"it": ";", "en": ","}
DECIMAL_SEPARATORS = {"it": ",", "en": "."}
MINUTES_PER_DAY = 24 * 60
# Excel rejects sheet names longer than 31 characters or containing []:*?/\
SHEET_TITLE_LENGTH = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class ColumnKind(enum.StrEnum):
    """Kind of value in a column. Every duration kind takes int minutes."""

    TEXT = "text"
    DATE = "date"
    MINUTES = "minutes"
    # Minutes shown as hours and minutes, e.g. 90 as 1:30.
    HMM = "hmm"
    # Minutes shown as decimal hours with two places, e.g. 90 as 1.50.
    HOURS = "hours"
    # A Decimal with two places: an amount of money or a quantity.
    DECIMAL = "decimal"
    # A whole number such as an id.
    INTEGER = "integer"


XLSX_NUMBER_FORMATS = {
    ColumnKind.DATE: "DD/MM/YYYY",
    ColumnKind.MINUTES: "0",
    ColumnKind.HMM: "[h]:mm",
    ColumnKind.HOURS: "0.00",
    ColumnKind.DECIMAL: "#,##0.00",
    ColumnKind.INTEGER: "0",
}
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    header: str
    kind: ColumnKind
    # Width of the XLSX column in characters.
    width: int = 12


@dataclass(frozen=True)
class Table:
    """A sheet: a title, its columns and rows of values in column order."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def mimetype(self) -> str:
        if self == ExportFormat.CSV:
            # Flask appends "; charset=utf-8" to text types itself.
            return "text/csv"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    mimetype: str
    content: bytes


def write_table(table: Table, export_format: ExportFormat, language: str) -> bytes:
    """Write table in export_format for a reader of language."""
    if export_format == ExportFormat.CSV:
        return write_csv(table, language)
    return write_xlsx(table)


def neutralise_text(text: str) -> str:
    """Prefix a single quote to text a spreadsheet would run as a formula."""
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def decimal_hours(minutes: int) -> Decimal:
    """Return minutes as hours, rounded half-up to two places."""
    hours = Decimal(minutes) / Decimal(60)
    return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def write_csv(table: Table, language: str) -> bytes:
    """Write table as CSV with the separators of language, BOM first."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=CSV_DELIMITERS.get(language, ","),
        lineterminator="\r\n",
    )
    writer.writerow([neutralise_text(column.header) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                _csv_cell(value, column.kind, language)
                for column, value in zip(table.columns, row, strict=True)
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: Any, kind: ColumnKind, language: str) -> str:
    if value is None:
        return ""
    if kind == ColumnKind.TEXT:
        return neutralise_text(str(value))
    if kind == ColumnKind.DATE:
        return format_day(value, language)
    if kind in (ColumnKind.MINUTES, ColumnKind.INTEGER):
        return str(int(value))
    if kind == ColumnKind.HMM:
        hours, minutes = divmod(int(value), 60)
        return f"{hours}:{minutes:02d}"
    separator = DECIMAL_SEPARATORS.get(language, ".")
    if kind == ColumnKind.DECIMAL:
        number = _two_places(value)
    else:
        number = decimal_hours(int(value))
    return format(number, "f").replace(".", separator)


def _two_places(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"a DECIMAL column takes Decimal values, got {value!r}")
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def write_xlsx(table: Table) -> bytes:
    """Write table as one XLSX sheet with typed cells and a frozen bold header."""
    return write_workbook([table])


def write_workbook(tables: Sequence[Table]) -> bytes:
    """Write each table as one sheet of an XLSX workbook, in order."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        _write_sheet(workbook.create_sheet(_sheet_title(table.title)), table)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _write_sheet(sheet, table: Table) -> None:
    bold = Font(bold=True)
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"

    for row_number, row in enumerate(table.rows, start=2):
        for index, (column, value) in enumerate(
            zip(table.columns, row, strict=True), start=1
        ):
            _write_xlsx_cell(sheet.cell(row=row_number, column=index), column, value)


def _write_xlsx_cell(cell, column: Column, value: Any) -> None:
    if value is None:
        return
    if column.kind == ColumnKind.TEXT:
        # openpyxl raises IllegalCharacterError on control characters that
        # XML 1.0 cannot carry, so they are removed first.
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        cell.value = text
        # openpyxl turns a string starting with "=" into a formula, so force the
        # text type. Excel's quote prefix marks risky text as typing ' would.
        cell.data_type = "s"
        cell.quotePrefix = text.startswith(FORMULA_PREFIXES)
        return
    if column.kind == ColumnKind.HMM:
        # Spreadsheets store durations as fractions of a day.
        cell.value = int(value) / MINUTES_PER_DAY
    elif column.kind == ColumnKind.HOURS:
        cell.value = decimal_hours(int(value))
    elif column.kind == ColumnKind.DECIMAL:
        cell.value = _two_places(value)
    else:
        cell.value = value
    cell.number_format = XLSX_NUMBER_FORMATS[column.kind]


def _sheet_title(title: str) -> str:
    cleaned = SHEET_TITLE_FORBIDDEN.sub(" ", title).strip()
    return cleaned[:SHEET_TITLE_LENGTH] or "Sheet"


def export_filename(
    stem: str, name: str, start: date, end: date, export_format: ExportFormat
) -> str:
    """Build an ASCII file name like activity-rossi-srl-2026-11-01-2026-11-30.csv."""
    return (
        f"{stem}-{slugify(name)}-{start.isoformat()}-{end.isoformat()}"
        f".{export_format.value}"
    )


def slugify(text: str) -> str:
    """Reduce text to lower-case ASCII letters, digits and hyphens."""
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "export"
