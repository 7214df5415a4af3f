"""The priced sections and detail lines of a statement as aligned paragraphs.

A statement of 5,000 detail lines has about as many rows in its detail part
and hundreds in its labour summary. As table rows, those take WeasyPrint over
twice as long as the same text in paragraphs (bench/statement_pdf.py), so each
row is one paragraph in a single-column table that still repeats its header on
every page. A summary row is its label padded to the label column, then a
block of right-aligned figures. A detail row is the block of figures, a gap,
then its text, with a hanging indent. portal.services.pdf_columns does the
padding.

Build the sections inside force_locale(statement.language): labels are
translated and numbers formatted in that language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from portal.i18n import format_day, format_hmm, format_money, format_number
from portal.models import ItemKind, StatementItem, StatementLine
from portal.services.pdf_columns import (
    FigureColumns,
    fit_columns,
    padding,
    text_width,
)
from portal.services.statement_document import StatementDocument, TicketLines

# The text area of an A4 page with the 15 mm side margins of pdf.css.
CONTENT_WIDTH_MM = 210 - 2 * 15
# Font size of the aligned tables, set in pdf_statement.css.
TEXT_SIZE_PT = 8
CONTENT_WIDTH_EM = CONTENT_WIDTH_MM / (TEXT_SIZE_PT * 25.4 / 72)
# Between a label or text and the figures.
LABEL_GAP_EM = 1.0
# Left free at the right edge, for padding that comes out a little too wide.
RIGHT_SLACK_EM = 0.15


@dataclass(frozen=True)
class AlignedGroup:
    """Rows under an optional heading, e.g. one ticket's items."""

    heading: str | None
    rows: tuple[str, ...]


@dataclass(frozen=True)
class AlignedSection:
    """One table of aligned paragraphs with its header and optional total.

    css_class names the table in the stylesheet built by section_css().
    """

    css_class: str
    header: str
    groups: tuple[AlignedGroup, ...]
    total: str | None = None
    # Figures first: where the text starts, so that its next lines wrap
    # under it; None for label-first sections.
    hanging_indent_em: float | None = None


@dataclass(frozen=True)
class StatementLayout:
    """The sections of one statement PDF that grow with its size."""

    labour: AlignedSection | None
    fees: AlignedSection | None
    resources: AlignedSection | None
    adjustments: AlignedSection | None
    time_details: AlignedSection | None
    resource_details: AlignedSection | None

    @property
    def sections(self) -> tuple[AlignedSection, ...]:
        every = (
            self.labour,
            self.fees,
            self.resources,
            self.adjustments,
            self.time_details,
            self.resource_details,
        )
        return tuple(section for section in every if section is not None)


def build_layout(document: StatementDocument) -> StatementLayout:
    """Format every row of the statement's long sections, in the current locale."""
    money = _money_formatter(document)
    language = document.statement.language
    return StatementLayout(
        labour=_labour_section(document, money),
        fees=_fees_section(document, money, language),
        resources=_resources_section(document, money, language),
        adjustments=_adjustments_section(document, money),
        time_details=_time_details_section(document, language),
        resource_details=_resource_details_section(document, language),
    )


def section_css(layout: StatementLayout) -> str:
    """Return the hanging indents of the layout's figures-first sections."""
    rules = []
    for section in layout.sections:
        if section.hanging_indent_em is None:
            continue
        indent = f"{section.hanging_indent_em:.3f}em"
        rules.append(
            f"table.{section.css_class} p.r"
            f" {{ padding-left: {indent}; text-indent: -{indent}; }}"
        )
    return "\n".join(rules)


def clean_text(text: str) -> str:
    """Replace tabs and carriage returns, which would break the aligned columns."""
    return text.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")


def resource_quantity(kind: ItemKind, quantity: Decimal | None, language: str) -> str:
    """Format a resource's quantity with its unit, e.g. "35 km" for mileage."""
    if quantity is None:
        return ""
    number = format_number(quantity, language)
    if kind == ItemKind.MILEAGE:
        return f"{number} km"
    return number


# Label first: the summary sections.


def _labour_section(document: StatementDocument, money) -> AlignedSection | None:
    if not document.labour:
        return None
    header = (_("Worked"), _("Billed"), _("Hourly rate"), _("Amount"))
    groups = []
    figures = []
    for ticket in document.labour:
        rows = []
        for item in ticket.items:
            values = (
                format_hmm(item.raw_minutes),
                format_hmm(item.billed_minutes),
                money(item.unit_price),
                money(item.amount),
            )
            figures.append(values)
            rows.append((_labour_label(item, document.statement.language), values))
        groups.append(
            (f"{ticket.ticket_key} · {clean_text(ticket.ticket_title)}", rows)
        )
    total = (
        _("Total labour"),
        (
            format_hmm(document.labour_raw_minutes),
            format_hmm(document.labour_billed_minutes),
            "",
            money(document.labour_total),
        ),
    )
    return _label_first(
        "s-labour", _("Labour by ticket and activity"), header, groups, total, figures
    )


def _labour_label(item: StatementItem, language: str) -> str:
    parts = [item.activity or ""]
    if item.description:
        parts.append(item.description)
    label = " · ".join(clean_text(part) for part in parts if part)
    if item.multiplier != 1:
        label += f" ×{format_number(item.multiplier, language)}"
    if item.is_included:
        label += f" ({_('included')})"
    return label


def _fees_section(
    document: StatementDocument, money, language: str
) -> AlignedSection | None:
    if not document.fees:
        return None
    rows = []
    for item in document.fees.items:
        parts = [item.activity, item.description, item.contract_name]
        label = " · ".join(clean_text(part) for part in parts if part)
        if item.quantity is not None:
            quantity = format_number(item.quantity, language)
        else:
            quantity = format_hmm(item.billed_minutes)
        rows.append((label, (quantity, money(item.unit_price), money(item.amount))))
    total = (_("Total monthly fee and overage"), ("", "", money(document.fees.total)))
    return _label_first(
        "s-fees",
        _("Monthly fee and overage"),
        (_("Quantity"), _("Unit price"), _("Amount")),
        [(None, rows)],
        total,
        [values for _label, values in rows],
    )


def _resources_section(
    document: StatementDocument, money, language: str
) -> AlignedSection | None:
    if not document.resources:
        return None
    rows = []
    for item in document.resources.items:
        parts = [item.ticket_key, item.activity, item.description]
        label = " · ".join(clean_text(part) for part in parts if part)
        quantity = resource_quantity(item.kind, item.quantity, language)
        rows.append((label, (quantity, money(item.unit_price), money(item.amount))))
    total = (_("Total resources"), ("", "", money(document.resources.total)))
    return _label_first(
        "s-resources",
        _("Resources"),
        (_("Quantity"), _("Unit price"), _("Amount")),
        [(None, rows)],
        total,
        [values for _label, values in rows],
    )


def _adjustments_section(document: StatementDocument, money) -> AlignedSection | None:
    if not document.adjustments:
        return None
    rows = []
    for item in document.adjustments.items:
        label = _("Adjustment to statement %(number)s", number=item.refers_to_number)
        if item.description:
            label += f": {clean_text(item.description)}"
        rows.append((label, (money(item.amount),)))
    total = (_("Total adjustments"), (money(document.adjustments.total),))
    return _label_first(
        "s-adjustments",
        _("Adjustments to earlier statements"),
        (_("Amount"),),
        [(None, rows)],
        total,
        [values for _label, values in rows],
    )


def _label_first(
    css_class: str,
    title: str,
    header: Sequence[str],
    groups: Sequence[tuple[str | None, Sequence[tuple[str, Sequence[str]]]]],
    total: tuple[str, Sequence[str]],
    figures: Sequence[Sequence[str]],
) -> AlignedSection:
    """Lay out label then figures, with the figures ending at the right margin."""
    columns = fit_columns(header, figures, bold_rows=[total[1]])
    label_em = max(CONTENT_WIDTH_EM - columns.width_em - RIGHT_SLACK_EM, 20.0)
    return AlignedSection(
        css_class=css_class,
        header=_label_row(title, header, columns, label_em, bold=True),
        groups=tuple(
            AlignedGroup(
                heading,
                tuple(
                    _label_row(label, values, columns, label_em)
                    for label, values in rows
                ),
            )
            for heading, rows in groups
        ),
        total=_label_row(total[0], total[1], columns, label_em, bold=True),
    )


def _label_row(
    label: str,
    values: Sequence[str],
    columns: FigureColumns,
    label_em: float,
    bold: bool = False,
) -> str:
    """Pad a label to its column and add the figures.

    A label too wide for its column keeps its own lines, and the figures
    follow on the next line.
    """
    if text_width(label, bold) > label_em - LABEL_GAP_EM:
        return f"{label}\n" + columns.format(values, bold, lead_em=label_em)
    return columns.format(values, bold, lead=label, lead_em=label_em)


# Figures first: the detail sections.


def _time_details_section(
    document: StatementDocument, language: str
) -> AlignedSection | None:
    if not document.time_lines:
        return None
    header = (_("Worked"), _("Billed"))
    figures = [
        (format_hmm(line.raw_minutes), format_hmm(line.minutes))
        for group in document.time_lines
        for line in group.lines
    ]
    columns = fit_columns(header, figures)
    gap = padding(LABEL_GAP_EM)
    groups = []
    values = iter(figures)
    for group in document.time_lines:
        groups.append(
            AlignedGroup(
                _ticket_heading(group),
                tuple(
                    f"{columns.format(next(values))}{gap}{_time_text(line, language)}"
                    for line in group.lines
                ),
            )
        )
    title = _("Date · agent · activity — description")
    return AlignedSection(
        css_class="s-details",
        header=_figures_header(columns, header, title),
        groups=tuple(groups),
        hanging_indent_em=columns.width_em + LABEL_GAP_EM,
    )


def _figures_header(columns: FigureColumns, header: Sequence[str], title: str) -> str:
    """Return a figures-first header whose title starts where the rows' text does."""
    bold_gap = padding(LABEL_GAP_EM, bold=True)
    return f"{columns.format(header, bold=True)}{bold_gap}{title}"


def _ticket_heading(group: TicketLines) -> str:
    return f"{group.ticket_key} · {clean_text(group.ticket_title)}"


def _time_text(line: StatementLine, language: str) -> str:
    return (
        f"{format_day(line.work_date, language)} · {clean_text(line.agent_name)}"
        f" · {clean_text(line.activity)} — {clean_text(line.description)}"
    )


def _resource_details_section(
    document: StatementDocument, language: str
) -> AlignedSection | None:
    if not document.resource_lines:
        return None
    header = (_("Quantity"),)
    figures = [
        (resource_quantity(line.kind, line.quantity, language),)
        for line in document.resource_lines
    ]
    columns = fit_columns(header, figures)
    gap = padding(LABEL_GAP_EM)
    rows = []
    for line, values in zip(document.resource_lines, figures, strict=True):
        text = (
            f"{format_day(line.work_date, language)} · {line.ticket_key}"
            f" · {clean_text(line.agent_name)} · {clean_text(line.activity)}"
        )
        if line.description:
            text += f" — {clean_text(line.description)}"
        rows.append(f"{columns.format(values)}{gap}{text}")
    title = _("Date · ticket · agent · resource — description")
    return AlignedSection(
        css_class="s-resource-details",
        header=_figures_header(columns, header, title),
        groups=(AlignedGroup(None, tuple(rows)),),
        hanging_indent_em=columns.width_em + LABEL_GAP_EM,
    )


def _money_formatter(document: StatementDocument):
    """Return a formatter of amounts in the statement's currency and language."""
    statement = document.statement

    def money(amount: Decimal | None) -> str:
        if amount is None:
            return ""
        return format_money(amount, statement.currency, statement.language)

    return money
