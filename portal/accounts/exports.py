"""Accounts exports: time entries of a period, statements of a year, one statement.

The files contain internal notes, so they are offered only here.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import Response, abort, render_template, request, send_file
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.accounts import bp
from portal.accounts.forms import MAX_YEAR, MIN_YEAR
from portal.extensions import db
from portal.i18n import current_language, user_today
from portal.models import Statement
from portal.portal.organisation_forms import ExportForm
from portal.services.accounts_exports import (
    StatementPart,
    entries_export,
    statement_export,
    statements_export,
)
from portal.services.exports import ExportFile, ExportFormat

logger = logging.getLogger(__name__)

# The three forms share a page, so prefixes keep their field ids and
# query parameters apart.
ENTRIES_PREFIX = "entries"
YEAR_PREFIX = "year"
STATEMENT_PREFIX = "statement"

FORMAT_CHOICES = [
    SelectChoice(ExportFormat.XLSX.value, _l("Excel workbook (XLSX)")),
    SelectChoice(ExportFormat.CSV.value, _l("CSV text file")),
]


class _FormatMixin:
    format = SelectField(
        _l("File format"), choices=FORMAT_CHOICES, validate_choice=False
    )

    def validate_format(self, field: SelectField) -> None:
        if field.data not in {member.value for member in ExportFormat}:
            raise ValidationError(_l("Choose XLSX or CSV."))

    @property
    def export_format(self) -> ExportFormat:
        return ExportFormat(self.format.data)


class YearExportForm(_FormatMixin, FlaskForm):
    """The year of the statements export, sent with GET."""

    class Meta:
        csrf = False

    year = StringField(_l("Year"))

    def validate_year(self, field: Field) -> None:
        text = (field.data or "").strip()
        year = int(text) if text.isdigit() else None
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationError(
                _l(
                    "Enter a year between %(low)s and %(high)s.",
                    low=MIN_YEAR,
                    high=MAX_YEAR,
                )
            )
        self.year_value = year


class StatementExportForm(_FormatMixin, FlaskForm):
    """The number of the statement to export and, for CSV, which table."""

    class Meta:
        csrf = False

    number = StringField(_l("Statement number"))
    part = SelectField(
        _l("Table (CSV only)"),
        choices=[
            SelectChoice(StatementPart.ITEMS, _l("Items")),
            SelectChoice(StatementPart.LINES, _l("Detail lines")),
            SelectChoice(StatementPart.TOTALS, _l("Totals")),
        ],
        validate_choice=False,
    )

    def validate_number(self, field: Field) -> None:
        number = (field.data or "").strip()
        statement = db.session.scalar(
            sa.select(Statement).where(Statement.number == number)
        )
        if statement is None:
            raise ValidationError(
                _l(
                    "No statement has this number. Write it as YYYY/NNNN, "
                    "e.g. 2026/0001."
                )
            )
        self.statement = statement

    def validate_part(self, field: SelectField) -> None:
        # An XLSX export contains every table as a sheet, so it needs no choice.
        if self.format.data != ExportFormat.CSV.value:
            return
        if field.data not in StatementPart.ALL:
            raise ValidationError(_l("Choose items, detail lines or totals."))

    @property
    def chosen_part(self) -> str:
        """The CSV table to send. XLSX ignores it, so it defaults to the items."""
        if self.part.data in StatementPart.ALL:
            return self.part.data
        return StatementPart.ITEMS


@bp.get("/exports")
def exports():
    """Show the three export forms."""
    return _render_exports(status=200)


@bp.get("/exports/entries")
def export_entries():
    """Send the time entries of a period, or the page with the form's errors."""
    form = ExportForm(formdata=request.args, prefix=ENTRIES_PREFIX)
    if not form.validate():
        return _render_exports(status=422, entries_form=form)
    export_file = entries_export(
        form.start.data, form.end.data, form.export_format, current_language()
    )
    return _send(export_file)


@bp.get("/exports/statements")
def export_statements():
    """Send the statements of a year, or the page with the form's errors."""
    form = YearExportForm(formdata=request.args, prefix=YEAR_PREFIX)
    if not form.validate():
        return _render_exports(status=422, year_form=form)
    export_file = statements_export(
        form.year_value, form.export_format, current_language()
    )
    return _send(export_file)


@bp.get("/exports/statement")
def export_statement_by_number():
    """Send one statement found by its number, or the page with the form's errors."""
    form = StatementExportForm(formdata=request.args, prefix=STATEMENT_PREFIX)
    if not form.validate():
        return _render_exports(status=422, statement_form=form)
    return _send_statement(form.statement, form.export_format, form.chosen_part)


@bp.get("/exports/statements/<int:statement_id>")
def export_statement(statement_id: int):
    """Send one statement as XLSX, or one of its tables as CSV.

    The query string picks them, e.g. ?format=csv&part=lines.
    """
    statement = db.session.get(Statement, statement_id)
    if statement is None:
        logger.info("statement %s not found for export", statement_id)
        abort(404)
    try:
        export_format = ExportFormat(request.args.get("format", ExportFormat.XLSX))
    except ValueError:
        abort(404)
    part = request.args.get("part", StatementPart.ITEMS)
    if part not in StatementPart.ALL:
        abort(404)
    return _send_statement(statement, export_format, part)


def _send_statement(
    statement: Statement, export_format: ExportFormat, part: str
) -> Response:
    export_file = statement_export(statement, export_format, current_language(), part)
    return _send(export_file)


def _render_exports(
    status: int,
    entries_form: ExportForm | None = None,
    year_form: YearExportForm | None = None,
    statement_form: StatementExportForm | None = None,
) -> tuple[str, int]:
    today = user_today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    html = render_template(
        "accounts/exports.html",
        entries_form=entries_form
        or ExportForm(
            formdata=None,
            prefix=ENTRIES_PREFIX,
            start=last_month_end.replace(day=1),
            end=last_month_end,
            format=ExportFormat.XLSX.value,
        ),
        year_form=year_form
        or YearExportForm(
            formdata=None, prefix=YEAR_PREFIX, year=str(today.year), format="xlsx"
        ),
        statement_form=statement_form
        or StatementExportForm(
            formdata=None,
            prefix=STATEMENT_PREFIX,
            format="xlsx",
            part=StatementPart.ITEMS,
        ),
    )
    return html, status


def _send(export_file: ExportFile) -> Response:
    response = send_file(
        BytesIO(export_file.content),
        mimetype=export_file.mimetype,
        as_attachment=True,
        download_name=export_file.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
