"""Statement PDFs rendered after the statement is saved.

NOTE: this renders synchronously in the caller's request; the background
job runner (in-process thread by default, RQ workers with REDIS_URL) will
replace it behind the same function.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy.orm import undefer

from portal.extensions import db
from portal.models import PdfStatus, Statement

logger = logging.getLogger(__name__)


def request_render(statement_id: int, *, void_copy: bool = False) -> None:
    """Render and store a statement's PDF, or its copy marked void.

    Called after the statement is committed. Sets pdf_status to READY, or to
    FAILED with pdf_error when rendering fails, and commits.
    """
    from portal.services.pdf import render_statement_pdf

    statement = db.session.get(
        Statement, statement_id, options=[undefer(Statement.pdf)]
    )
    if statement is None:
        logger.warning("PDF render requested for unknown statement %s", statement_id)
        return
    pdf = render_statement_pdf(statement)
    digest = hashlib.sha256(pdf).hexdigest()
    if void_copy:
        statement.void_pdf, statement.void_pdf_sha256 = pdf, digest
    else:
        statement.pdf, statement.pdf_sha256 = pdf, digest
        statement.pdf_status = PdfStatus.READY
    db.session.commit()
