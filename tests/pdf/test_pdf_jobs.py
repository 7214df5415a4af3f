"""Background rendering: status transitions, failures, idempotence and runners."""

from __future__ import annotations

import hashlib
import socket
import time
import uuid

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import PdfStatus, Statement
from portal.services import pdf_jobs
from portal.services.pdf import VOID_MARK

from .conftest import read_pdf, void

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _fresh(statement_id: int) -> Statement:
    db.session.expire_all()
    return db.session.get(Statement, statement_id)


def _stored_columns(statement_id: int) -> sa.Row:
    return db.session.execute(
        sa.select(
            Statement.pdf,
            Statement.pdf_sha256,
            Statement.void_pdf,
            Statement.void_pdf_sha256,
        ).where(Statement.id == statement_id)
    ).one()


@pytest.fixture
def render_mode(app):
    """Set PDF_RENDER_MODE for one test and restore it afterwards."""
    keys = ("PDF_RENDER_MODE", "REDIS_URL", "PDF_QUEUE")
    before = {key: app.config.get(key) for key in keys}

    def set_mode(mode: str, **settings) -> None:
        app.config["PDF_RENDER_MODE"] = mode
        app.config.update(settings)

    yield set_mode
    app.config.update(before)


def test_inline_render_sets_ready(frozen_statement, request_context):
    statement = frozen_statement()

    pdf_jobs.request_render(statement.id)

    stored = _stored_columns(statement.id)
    assert _fresh(statement.id).pdf_status == PdfStatus.READY
    assert stored.pdf.startswith(b"%PDF")
    assert stored.pdf_sha256 == hashlib.sha256(stored.pdf).hexdigest()
    assert stored.void_pdf is None
    assert _fresh(statement.id).pdf_error is None


def test_job_passes_through_rendering(frozen_statement, request_context, monkeypatch):
    statement = frozen_statement()
    seen = []

    def spy(rendered_statement, **kwargs):
        seen.append(_status_in_other_session(rendered_statement.id))
        return b"%PDF-1.7 spy"

    monkeypatch.setattr("portal.services.pdf.render_statement_pdf", spy)
    assert _fresh(statement.id).pdf_status == PdfStatus.PENDING

    pdf_jobs.request_render(statement.id)

    assert seen == [PdfStatus.RENDERING]
    assert _fresh(statement.id).pdf_status == PdfStatus.READY


def _status_in_other_session(statement_id: int) -> PdfStatus:
    with db.engine.connect() as connection:
        value = connection.execute(
            sa.select(Statement.pdf_status).where(Statement.id == statement_id)
        ).scalar_one()
    return PdfStatus(value)


def test_ready_statement_not_rendered_again(
    frozen_statement, request_context, monkeypatch
):
    statement = frozen_statement()
    pdf_jobs.request_render(statement.id)
    before = _stored_columns(statement.id)

    def fail(statement, **kwargs):
        raise AssertionError("a READY statement must not be rendered again")

    monkeypatch.setattr("portal.services.pdf.render_statement_pdf", fail)
    pdf_jobs.request_render(statement.id)
    pdf_jobs.run_render_job(statement.id)

    assert _stored_columns(statement.id) == before
    assert _fresh(statement.id).pdf_status == PdfStatus.READY


def test_second_job_does_not_overwrite(
    app, frozen_statement, request_context, monkeypatch
):
    statement = frozen_statement()
    calls = []

    def render_while_another_job_runs(rendered_statement, **kwargs):
        calls.append(rendered_statement.id)
        # A second worker picks the same statement up meanwhile.
        with app.app_context():
            pdf_jobs.run_render_job(rendered_statement.id)
        return b"%PDF-1.7 first"

    monkeypatch.setattr(
        "portal.services.pdf.render_statement_pdf", render_while_another_job_runs
    )
    pdf_jobs.request_render(statement.id)

    assert calls == [statement.id]
    assert _stored_columns(statement.id).pdf == b"%PDF-1.7 first"


def test_store_keeps_first_pdf(frozen_statement, request_context):
    statement = frozen_statement()
    pdf_jobs.request_render(statement.id)
    first = _stored_columns(statement.id)

    pdf_jobs._store(statement.id, b"%PDF-1.7 late duplicate", void_copy=False)

    assert _stored_columns(statement.id) == first


def test_failed_render_sets_failed(
    frozen_statement, request_context, monkeypatch, caplog
):
    statement = frozen_statement()
    number, total = statement.number, statement.total_amount

    def fail(statement, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("portal.services.pdf.render_statement_pdf", fail)
    caplog.set_level("ERROR", logger="portal.services.pdf_jobs")

    pdf_jobs.request_render(statement.id)

    failed = _fresh(statement.id)
    assert failed.pdf_status == PdfStatus.FAILED
    assert failed.pdf_error == "OSError: disk full"
    assert _stored_columns(statement.id).pdf is None
    assert failed.pdf_sha256 is None
    assert failed.number == number
    assert failed.total_amount == total
    assert f"PDF render of statement {statement.id} failed" in caplog.text


def test_retry_after_failure(frozen_statement, request_context, monkeypatch):
    statement = frozen_statement()
    monkeypatch.setattr(
        "portal.services.pdf.render_statement_pdf",
        lambda statement, **kwargs: (_ for _ in ()).throw(OSError("disk full")),
    )
    pdf_jobs.request_render(statement.id)
    monkeypatch.undo()

    retried = pdf_jobs.retry_render(statement.id)

    assert retried is True
    assert _fresh(statement.id).pdf_status == PdfStatus.READY
    assert _fresh(statement.id).pdf_error is None


def test_retry_ignores_ready(frozen_statement, request_context):
    statement = frozen_statement()
    pdf_jobs.request_render(statement.id)

    assert pdf_jobs.retry_render(statement.id) is False


def test_void_copy_leaves_issued_pdf(frozen_statement, request_context, tmp_path):
    statement = frozen_statement()
    pdf_jobs.request_render(statement.id)
    issued = _stored_columns(statement.id)
    void(_fresh(statement.id))

    pdf_jobs.request_render(statement.id, void_copy=True)

    stored = _stored_columns(statement.id)
    assert stored.pdf == issued.pdf
    assert stored.pdf_sha256 == issued.pdf_sha256
    assert stored.void_pdf_sha256 == hashlib.sha256(stored.void_pdf).hexdigest()
    assert _fresh(statement.id).pdf_status == PdfStatus.READY
    rendered = read_pdf(stored.void_pdf, tmp_path / "void.pdf")
    assert VOID_MARK in rendered.pages[0]


def test_void_during_render_gets_void_copy(
    frozen_statement, request_context, monkeypatch
):
    """A void committed while the issued PDF renders is rendered by the same job."""
    statement = frozen_statement()
    rendered = []

    def render_then_void(rendered_statement, void=False):
        rendered.append(void)
        if not void:
            voided = db.session.get(Statement, rendered_statement.id)
            voided.status = "void"
            voided.void_reason = "Cliente sbagliato"
        return b"%PDF-1.7 void" if void else b"%PDF-1.7 issued"

    monkeypatch.setattr("portal.services.pdf.render_statement_pdf", render_then_void)

    pdf_jobs.request_render(statement.id)

    stored = _stored_columns(statement.id)
    assert rendered == [False, True]
    assert stored.pdf == b"%PDF-1.7 issued"
    assert stored.void_pdf == b"%PDF-1.7 void"
    assert _fresh(statement.id).pdf_status == PdfStatus.READY


def test_thread_mode_renders_in_background(
    frozen_statement, request_context, render_mode
):
    statement = frozen_statement()
    render_mode("thread")

    pdf_jobs.request_render(statement.id)

    deadline = time.monotonic() + 60
    while _fresh(statement.id).pdf_status != PdfStatus.READY:
        assert time.monotonic() < deadline, "the worker thread did not finish"
        time.sleep(0.2)
    assert pdf_jobs.wait_for_thread_jobs(timeout=10)
    assert _stored_columns(statement.id).pdf.startswith(b"%PDF")


def test_thread_mode_records_failure(
    frozen_statement, request_context, render_mode, monkeypatch
):
    statement = frozen_statement()
    render_mode("thread")
    monkeypatch.setattr(
        "portal.services.pdf.render_statement_pdf",
        lambda statement, **kwargs: (_ for _ in ()).throw(ValueError("bad font")),
    )

    pdf_jobs.request_render(statement.id)

    assert pdf_jobs.wait_for_thread_jobs(timeout=30)
    failed = _fresh(statement.id)
    assert failed.pdf_status == PdfStatus.FAILED
    assert failed.pdf_error == "ValueError: bad font"


def test_unreachable_redis_sets_failed(frozen_statement, request_context, render_mode):
    statement = frozen_statement()
    # Nothing listens on port 1 of the loopback address.
    render_mode("rq", REDIS_URL="redis://127.0.0.1:1/0")

    pdf_jobs.request_render(statement.id)

    failed = _fresh(statement.id)
    assert failed.pdf_status == PdfStatus.FAILED
    assert "ConnectionError" in failed.pdf_error


def test_render_mode_choice(app):
    class FakeApp:
        def __init__(self, testing: bool, **config) -> None:
            self.testing = testing
            self.config = config

    assert pdf_jobs.render_mode(FakeApp(True)) == "inline"
    assert pdf_jobs.render_mode(FakeApp(False)) == "thread"
    assert pdf_jobs.render_mode(FakeApp(False, REDIS_URL="redis://x")) == "rq"
    assert pdf_jobs.render_mode(FakeApp(True, PDF_RENDER_MODE="thread")) == "thread"
    with pytest.raises(ValueError, match="PDF_RENDER_MODE"):
        pdf_jobs.render_mode(FakeApp(False, PDF_RENDER_MODE="celery"))


def _redis_listens() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def rq_queue_name(app):
    """A queue of this test alone on the local Redis, deleted afterwards."""
    if not _redis_listens():
        pytest.skip(f"no Redis on {REDIS_HOST}:{REDIS_PORT}")
    from redis import Redis

    name = f"consuntivo-pdf-test-{uuid.uuid4().hex}"
    connection = Redis(host=REDIS_HOST, port=REDIS_PORT)
    yield name
    _delete_rq_keys(connection, name)
    connection.close()


def _delete_rq_keys(connection, queue_name: str) -> None:
    """Delete the queue, its jobs and the records of workers that served it."""
    for key in connection.scan_iter(f"*{queue_name}*"):
        connection.delete(key)
    connection.srem("rq:queues", f"rq:queue:{queue_name}")
    for key in connection.scan_iter("rq:job:*"):
        if connection.hget(key, "origin") == queue_name.encode():
            connection.delete(key, key.replace(b"rq:job:", b"rq:results:"))
    for key in connection.scan_iter("rq:worker:*"):
        if connection.hget(key, "queues") == queue_name.encode():
            connection.srem("rq:workers", key)
            connection.delete(key)


def test_rq_worker_renders_queued_job(
    app, frozen_statement, request_context, render_mode, rq_queue_name
):
    statement = frozen_statement()
    render_mode(
        "rq", REDIS_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/0", PDF_QUEUE=rq_queue_name
    )

    pdf_jobs.request_render(statement.id)

    assert _fresh(statement.id).pdf_status == PdfStatus.PENDING
    assert pdf_jobs.rq_queue(app).count == 1
    result = app.test_cli_runner().invoke(args=["worker", "--burst", "--no-fork"])
    assert result.exit_code == 0, result.output
    assert _fresh(statement.id).pdf_status == PdfStatus.READY
    assert _stored_columns(statement.id).pdf.startswith(b"%PDF")


def test_worker_needs_redis_url(app, render_mode):
    render_mode("rq", REDIS_URL="")

    result = app.test_cli_runner().invoke(args=["worker", "--burst"])

    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
