"""Statement PDFs rendered in the background after the statement is committed.

request_render() marks the statement's PDF PENDING and hands the render to a
runner chosen by PDF_RENDER_MODE:

- "inline" renders at once in the caller's thread, in an app context and
  database session of its own (tests use this),
- "thread" queues it for one worker thread of the web process, the default
  without Redis,
- "rq" enqueues it on the RQ queue PDF_QUEUE at REDIS_URL, served by
  `flask worker`.

Whatever the runner, run_render_job() does the work. It claims the statement
with a guarded UPDATE (PENDING to RENDERING), renders the document the
statement still lacks, stores it only where none is stored yet, and sets
READY. A failure sets FAILED with pdf_error and changes nothing else. Two jobs
for one statement therefore never render it twice at once nor overwrite each
other, and a READY statement is not rendered again.

pdf_status describes the document that downloads return: the issued PDF, or
for a void statement the copy marked void.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.extensions import db
from portal.models import PdfStatus, Statement, StatementStatus

logger = logging.getLogger(__name__)

RENDER_MODES = ("inline", "thread", "rq")
# pdf_error keeps the start of a long message, e.g. a traceback's last line.
MAX_ERROR_LENGTH = 1000
# A job renders at most the issued PDF and then a void copy requested while it
# ran. More passes would mean that the statement keeps changing under it.
MAX_PASSES = 3


class PdfNotReadyError(DomainError):
    """Raised when a download requests a PDF that is not rendered yet."""

    def __init__(self, statement: Statement) -> None:
        if statement.pdf_status == PdfStatus.FAILED:
            message = _(
                "The PDF of statement %(number)s is not available at the moment. "
                "Try again later.",
                number=statement.number,
            )
        else:
            message = _(
                "The PDF of statement %(number)s is being prepared. "
                "Try again in a moment.",
                number=statement.number,
            )
        super().__init__(message, 409)
        self.statement_id = statement.id


@dataclass(frozen=True)
class StoredPdf:
    """The bytes a download returns, with the SHA-256 stored beside them."""

    data: bytes
    sha256: str


# Requesting a render.


def request_render(statement_id: int, *, void_copy: bool = False) -> None:
    """Render the statement's missing PDF in the background, or now in inline mode.

    Call it after committing the statement: after issue, or with
    void_copy=True after voiding it. It commits in a session of its own, so
    the caller's session is left as it was. Queueing errors are logged and
    recorded as FAILED rather than raised, because the statement itself is
    already saved.
    """
    app = current_app._get_current_object()
    with app.app_context():
        marked = _mark_pending(statement_id)
    if not marked:
        logger.info(
            "PDF of statement %s not queued: nothing to render or already rendering",
            statement_id,
        )
        return
    if void_copy:
        logger.info("void copy of statement %s queued for rendering", statement_id)
    _dispatch(app, statement_id)


def retry_render(statement_id: int) -> bool:
    """Queue a failed render again; return False unless the PDF had FAILED."""
    app = current_app._get_current_object()
    with app.app_context():
        marked = _mark_pending(statement_id, only_failed=True)
    if marked:
        logger.info("PDF render of statement %s retried", statement_id)
        _dispatch(app, statement_id)
    return marked


def render_mode(app: Flask) -> str:
    """Return the configured mode; an empty setting picks one for the app."""
    mode = app.config.get("PDF_RENDER_MODE") or ""
    if not mode:
        if app.testing:
            return "inline"
        return "rq" if app.config.get("REDIS_URL") else "thread"
    if mode not in RENDER_MODES:
        raise ValueError(
            f"PDF_RENDER_MODE must be one of {', '.join(RENDER_MODES)}, got {mode!r}"
        )
    return mode


def _dispatch(app: Flask, statement_id: int) -> None:
    mode = render_mode(app)
    if mode == "inline":
        with app.app_context():
            run_render_job(statement_id)
    elif mode == "thread":
        _thread_runner.submit(app, statement_id)
    else:
        _enqueue_rq(app, statement_id)


def _needs_document() -> sa.ColumnElement[bool]:
    """Match statements that lack the document their downloads return."""
    return sa.or_(
        sa.and_(
            Statement.status == StatementStatus.ISSUED,
            _is_missing(Statement.pdf_sha256),
        ),
        sa.and_(
            Statement.status == StatementStatus.VOID,
            _is_missing(Statement.void_pdf_sha256),
        ),
    )


def _is_missing(digest_column) -> sa.ColumnElement[bool]:
    # Statements issued before background rendering stored "" before the PDF.
    return sa.or_(digest_column.is_(None), digest_column == "")


def _mark_pending(statement_id: int, only_failed: bool = False) -> bool:
    """Set PENDING when a document is missing and no job is rendering it."""
    if only_failed:
        state = Statement.pdf_status == PdfStatus.FAILED
    else:
        state = Statement.pdf_status != PdfStatus.RENDERING
    result = db.session.execute(
        sa.update(Statement)
        .where(Statement.id == statement_id, state, _needs_document())
        .values(pdf_status=PdfStatus.PENDING, pdf_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


# The job.


def run_render_job(statement_id: int) -> None:
    """Render and store what the statement lacks; needs an app context.

    A failed render is not raised. Its error is logged and stored in pdf_error
    with pdf_status FAILED.
    """
    if not _claim(statement_id):
        logger.info(
            "PDF job for statement %s skipped: not pending or nothing to render",
            statement_id,
        )
        return
    try:
        for _pass in range(MAX_PASSES):
            rendered = _render_missing_document(statement_id)
            if not rendered and _finish(statement_id):
                return
        raise RuntimeError(
            f"the statement still lacked a PDF after {MAX_PASSES} renders"
        )
    except Exception as error:
        db.session.rollback()
        logger.exception("PDF render of statement %s failed", statement_id)
        _record_failure(statement_id, error)


def _claim(statement_id: int) -> bool:
    result = db.session.execute(
        sa.update(Statement)
        .where(
            Statement.id == statement_id,
            Statement.pdf_status == PdfStatus.PENDING,
            _needs_document(),
        )
        .values(pdf_status=PdfStatus.RENDERING)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _render_missing_document(statement_id: int) -> bool:
    """Render the issued PDF or void copy the statement lacks; False if none."""
    # Looked up on the module each time, so tests can replace it.
    from portal.services import pdf

    db.session.expire_all()
    statement = db.session.get(Statement, statement_id)
    if statement is None:
        raise LookupError(f"statement {statement_id} no longer exists")

    if statement.is_void and not statement.void_pdf_sha256:
        data = pdf.render_statement_pdf(statement, void=True)
        _store(statement_id, data, void_copy=True)
        logger.info("void copy of statement %s rendered", statement.number)
        return True
    if not statement.is_void and not statement.pdf_sha256:
        data = pdf.render_statement_pdf(statement)
        _store(statement_id, data, void_copy=False)
        logger.info("PDF of statement %s rendered", statement.number)
        return True
    return False


def _store(statement_id: int, data: bytes, void_copy: bool) -> None:
    """Save the PDF and its SHA-256 unless another job saved one first."""
    if void_copy:
        columns = {"void_pdf": data, "void_pdf_sha256": _digest(data)}
        digest_column = Statement.void_pdf_sha256
    else:
        columns = {"pdf": data, "pdf_sha256": _digest(data)}
        digest_column = Statement.pdf_sha256
    result = db.session.execute(
        sa.update(Statement)
        .where(Statement.id == statement_id, _is_missing(digest_column))
        .values(**columns)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount == 0:
        logger.warning(
            "PDF of statement %s rendered twice; the first one stored is kept",
            statement_id,
        )


def _finish(statement_id: int) -> bool:
    """Set READY unless a document went missing meanwhile, e.g. by a void."""
    result = db.session.execute(
        sa.update(Statement)
        .where(
            Statement.id == statement_id,
            Statement.pdf_status == PdfStatus.RENDERING,
            sa.not_(_needs_document()),
        )
        .values(pdf_status=PdfStatus.READY, pdf_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _record_failure(statement_id: int, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
    try:
        db.session.execute(
            sa.update(Statement)
            .where(Statement.id == statement_id)
            .values(pdf_status=PdfStatus.FAILED, pdf_error=message)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception(
            "could not record the PDF failure of statement %s", statement_id
        )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Downloads.


def stored_pdf(statement: Statement) -> StoredPdf:
    """Return the document a download of the statement sends.

    That is the copy marked void for a void statement, else the issued PDF.
    Stored bytes are sent whatever pdf_status is, and PdfNotReadyError (409)
    is raised while there are none.
    """
    if statement.is_void:
        column, digest = Statement.void_pdf, statement.void_pdf_sha256
    else:
        column, digest = Statement.pdf, statement.pdf_sha256
    data = None
    if digest:
        data = db.session.scalar(sa.select(column).where(Statement.id == statement.id))
    if not data:
        raise PdfNotReadyError(statement)
    return StoredPdf(data=data, sha256=digest)


# The in-process runner.


class _ThreadRunner:
    """One daemon thread that renders queued statements one after another.

    Each job runs in an app context and database session of its own. The
    thread starts on the first job of each process, so a web server that
    forks its workers gets one thread per worker.

    NOTE: queued jobs live in memory. A process that stops before a job ran
    leaves its statement PENDING (or RENDERING, if it stopped mid-render)
    until someone requests the render again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.Queue[tuple[Flask, int]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, app: Flask, statement_id: int) -> None:
        with self._lock:
            if self._pid != os.getpid():
                # A forked child inherits neither the thread nor a safe queue.
                self._jobs = queue.Queue()
                self._thread = None
                self._pid = os.getpid()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="pdf-render", daemon=True
                )
                self._thread.start()
            self._jobs.put((app, statement_id))

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until every queued job has run; False when timeout passes first."""
        jobs = self._jobs
        with jobs.all_tasks_done:
            return jobs.all_tasks_done.wait_for(
                lambda: jobs.unfinished_tasks == 0, timeout
            )

    def _work(self) -> None:
        jobs = self._jobs
        while True:
            app, statement_id = jobs.get()
            try:
                with app.app_context():
                    run_render_job(statement_id)
            except Exception:
                logger.exception(
                    "PDF worker thread failed on statement %s", statement_id
                )
            finally:
                jobs.task_done()


_thread_runner = _ThreadRunner()


def wait_for_thread_jobs(timeout: float) -> bool:
    """Wait for the in-process worker thread to run every queued job."""
    return _thread_runner.wait_until_idle(timeout)


# RQ.


def _enqueue_rq(app: Flask, statement_id: int) -> None:
    try:
        rq_queue(app).enqueue(
            run_queued_render,
            statement_id,
            job_timeout=app.config["PDF_JOB_TIMEOUT"],
            description=f"render the PDF of statement {statement_id}",
        )
    except Exception as error:
        logger.exception("could not queue the PDF of statement %s on RQ", statement_id)
        with app.app_context():
            _record_failure(statement_id, error)


def rq_queue(app: Flask):
    """Return the RQ queue of PDF jobs at REDIS_URL."""
    from redis import Redis
    from rq import Queue

    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set, so there is no RQ queue to use")
    return Queue(app.config["PDF_QUEUE"], connection=Redis.from_url(url))


def run_queued_render(statement_id: int) -> None:
    """Run one job taken from the RQ queue, inside `flask worker`.

    The worker has pushed the app's context. The job gets a context and
    session of its own, like the other runners.
    """
    if has_app_context():
        app = current_app._get_current_object()
    else:
        # A worker started with the plain `rq worker` command has no app.
        from portal import create_app

        app = create_app()
    with app.app_context():
        run_render_job(statement_id)
