"""Statement PDFs rendered with WeasyPrint from frozen statement lines.

WeasyPrint reads files only through StaticFilesFetcher, which serves files under
the project's static/ directory and rejects every other URL, so rendering never
touches the network and takes its fonts from static/fonts.

NOTE: a character that DejaVu Sans lacks (CJK, most emoji) is drawn with a
fallback font that fontconfig finds on the machine, so only such text can
differ between machines.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from weasyprint import CSS, HTML, Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.models import Statement
from portal.services.pdf_layout import build_layout, section_css
from portal.services.sla_evidence import SlaEvidence, template_helpers
from portal.services.statement_document import (
    StatementDocument,
    build_document,
    check_footing,
)
from portal.services.statements.periods import company_zone, month_label

logger = logging.getLogger(__name__)

# File name stems by statement language. They are not gettext messages, so a
# download name does not change with the state of the translation catalogue.
FILENAME_STEMS = {"it": "rendiconto", "en": "statement"}
SLA_ANNEX_STEMS = {"it": "allegato-sla", "en": "sla-annex"}
# The mark of a void statement's copy. It is in both languages on every copy,
# so that every reader sees the same mark.
VOID_MARK = "ANNULLATO / VOID"


class StaticFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only regular files under one folder."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"file"})
        self.root = root.resolve()

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Read the file that url names, or raise ValueError unless it is under root."""
        path = self._local_path(url)
        content_type, _encoding = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={"Content-Type": content_type or "application/octet-stream"},
        )

    def _local_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in {"", "localhost"}:
            logger.warning("PDF rendering rejected URL %s: not a local file", url)
            raise ValueError(f"only files under {self.root} may be loaded: {url}")

        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            logger.warning("PDF rendering rejected URL %s: outside static files", url)
            raise ValueError(f"only files under {self.root} may be loaded: {url}")
        return path


def render_statement_pdf(statement: Statement, *, void: bool = False) -> bytes:
    """Render the statement's frozen rows as an A4 PDF and return its bytes.

    Texts are in the statement's language. With void=True every page carries
    the mark "ANNULLATO / VOID" and the first page the void's date and reason.
    Raises StatementFootingError when the stored totals differ from the sum of
    the printed lines. Internal notes cannot appear because the frozen rows
    have no such field.
    """
    document = build_document(statement)
    check_footing(document)
    html, page_css = statement_html(document, void=void)
    pdf = html_to_pdf(html, page_css)
    logger.debug(
        "rendered PDF of statement %s%s: %s detail lines, %s bytes",
        statement.number,
        " (void copy)" if void else "",
        document.detail_line_count,
        len(pdf),
    )
    return pdf


def statement_html(
    document: StatementDocument, *, void: bool = False
) -> tuple[str, str]:
    """Return the statement's HTML and its @page CSS, in the statement's language."""
    with force_locale(document.statement.language):
        html = render_template(
            "pdf/statement.html", **_template_context(document, void)
        )
        page_css = _page_margin_css(top_mark=VOID_MARK if void else None)
    return html, page_css


def render_sla_annex_pdf(evidence: SlaEvidence) -> bytes:
    """Render a month's SLA figures as an A4 annex to the statement.

    Texts are in the customer's language and times in the company's time zone,
    which the annex names. The figures are computed when called, so clocks still
    running can differ from one rendering to the next.
    """
    language = evidence.customer.language
    with force_locale(language):
        html = render_template("pdf/sla_annex.html", **_sla_annex_context(evidence))
        page_css = _page_margin_css(
            _("This annex reports service levels; it is not a tax invoice.")
        )

    pdf = html_to_pdf(html, page_css)
    logger.debug(
        "rendered SLA annex of customer %s for %s: %s tickets, %s bytes",
        evidence.customer.id,
        evidence.month.isoformat(),
        evidence.ticket_count,
        len(pdf),
    )
    return pdf


def _sla_annex_context(evidence: SlaEvidence) -> dict:
    config = current_app.config
    language = evidence.customer.language
    return {
        **template_helpers(language, ZoneInfo(evidence.timezone)),
        "evidence": evidence,
        "language": language,
        "period": month_label(evidence.month, language),
        "company_name": config["COMPANY_NAME"],
        "company_address": config["COMPANY_ADDRESS"],
        "company_vat_number": config["COMPANY_VAT_NUMBER"],
    }


def sla_annex_filename(evidence: SlaEvidence) -> str:
    """Return the annex's download name, e.g. allegato-sla-2026-11.pdf in Italian."""
    stem = SLA_ANNEX_STEMS.get(evidence.customer.language, SLA_ANNEX_STEMS["en"])
    return f"{stem}-{evidence.month:%Y-%m}.pdf"


def html_to_pdf(html: str, page_css: str) -> bytes:
    """Lay out html on A4 pages and return the PDF, loading files only from static/."""
    return layout_pdf(html, page_css).write_pdf()


def layout_pdf(html: str, page_css: str) -> Document:
    """Lay out html on A4 pages: the slow step, kept apart so that it can be timed."""
    static_root = Path(current_app.static_folder or "static")
    fetcher = StaticFilesFetcher(static_root)
    source = HTML(
        string=html, base_url=static_root.resolve().as_uri() + "/", url_fetcher=fetcher
    )
    return source.render(stylesheets=[CSS(string=page_css, url_fetcher=fetcher)])


def _template_context(document: StatementDocument, void: bool) -> dict:
    config = current_app.config
    statement = document.statement
    zone = company_zone()
    voided_on = None
    if void and statement.voided_at is not None:
        voided_on = statement.voided_at.astimezone(zone).date()
    layout = None if document.is_legacy else build_layout(document)
    return {
        "document": document,
        "layout": layout,
        "layout_css": section_css(layout) if layout else "",
        "statement": statement,
        "void": void,
        "void_mark": VOID_MARK,
        "voided_on": voided_on,
        "language": statement.language,
        "currency": statement.currency,
        "period": month_label(statement.period_start, statement.language),
        "issued_on": statement.issued_at.astimezone(zone).date(),
        "company_name": config["COMPANY_NAME"],
        "company_address": config["COMPANY_ADDRESS"],
        "company_vat_number": config["COMPANY_VAT_NUMBER"],
    }


def _page_margin_css(notice: str | None = None, top_mark: str | None = None) -> str:
    """Build the @page rule whose footer texts come from the current locale.

    notice is the footer's left text, the statement notice by default, and
    top_mark an optional text printed at the top of every page. The page
    counter must be CSS counters, so the translated sentence is split at its
    placeholders and each literal part becomes a quoted CSS string.
    """
    marker = "\x00"
    counter_text = _(
        "Page %(page)s of %(pages)s",
        page=f"{marker}page{marker}",
        pages=f"{marker}pages{marker}",
    )
    counter_parts = []
    for index, part in enumerate(counter_text.split(marker)):
        # Odd parts sit between two markers, so they are placeholder names.
        if index % 2 and part in {"page", "pages"}:
            counter_parts.append(f"counter({part})")
        elif part:
            counter_parts.append(css_string(part))

    if notice is None:
        notice = _("This document is a statement of work, not a tax invoice.")
    top = ""
    if top_mark is not None:
        top = f" @top-center {{ content: {css_string(top_mark)}; }}"
    return (
        "@page {"
        f" @bottom-left {{ content: {css_string(notice)}; }}"
        f" @bottom-right {{ content: {' '.join(counter_parts)}; }}"
        f"{top}"
        " }"
    )


def css_string(text: str) -> str:
    """Quote text as a CSS string literal, escaping what could end it."""
    escaped = []
    for char in text:
        if char in {'"', "\\", "<", ">"} or ord(char) < 0x20:
            # A hex escape ends with a space, which CSS consumes.
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def statement_filename(statement: Statement) -> str:
    """Return the download name, e.g. rendiconto-2026-0007.pdf in Italian."""
    stem = FILENAME_STEMS.get(statement.language, FILENAME_STEMS["en"])
    # Numbers contain "/" and could contain spaces, which break file names.
    safe_number = re.sub(r"[^A-Za-z0-9._-]+", "-", statement.number).strip("-")
    return f"{stem}-{safe_number}.pdf"
