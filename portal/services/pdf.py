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
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.models import Statement
from portal.services.statements import company_zone, month_label, summarize

logger = logging.getLogger(__name__)

# File name stems by statement language. They are not gettext messages, so a
# download name does not change with the state of the translation catalogue.
FILENAME_STEMS = {"it": "rendiconto", "en": "statement"}


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


def render_statement_pdf(statement: Statement) -> bytes:
    """Render the statement's frozen lines as an A4 PDF and return its bytes.

    Texts are in the statement's language. Internal notes cannot appear because
    StatementLine has no such field.
    """
    static_root = Path(current_app.static_folder or "static")
    fetcher = StaticFilesFetcher(static_root)
    language = statement.language

    with force_locale(language):
        html = render_template("pdf/statement.html", **_template_context(statement))
        page_css = _page_margin_css()

    document = HTML(
        string=html, base_url=static_root.resolve().as_uri() + "/", url_fetcher=fetcher
    )
    pdf = document.write_pdf(stylesheets=[CSS(string=page_css, url_fetcher=fetcher)])
    logger.debug(
        "rendered PDF of statement %s: %s lines, %s bytes",
        statement.number,
        len(statement.lines),
        len(pdf),
    )
    return pdf


def _template_context(statement: Statement) -> dict:
    config = current_app.config
    issued_on = statement.issued_at.astimezone(company_zone()).date()
    return {
        "statement": statement,
        "bill": summarize(statement.lines),
        "language": statement.language,
        "period": month_label(statement.period_start, statement.language),
        "issued_on": issued_on,
        "company_name": config["COMPANY_NAME"],
        "company_address": config["COMPANY_ADDRESS"],
        "company_vat_number": config["COMPANY_VAT_NUMBER"],
    }


def _page_margin_css() -> str:
    """Build the @page rule whose footer texts come from the current locale.

    The page counter must be CSS counters, so the translated sentence is split
    at its placeholders and each literal part becomes a quoted CSS string.
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

    notice = _("This document is a statement of work, not a tax invoice.")
    return (
        "@page {"
        f" @bottom-left {{ content: {css_string(notice)}; }}"
        f" @bottom-right {{ content: {' '.join(counter_parts)}; }}"
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
    return f"{stem}-{statement.number.replace('/', '-')}.pdf"
