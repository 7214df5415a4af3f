"""Command-line commands registered on the flask CLI."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db


def register_commands(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option(
        "--if-empty",
        is_flag=True,
        help="Load the demo data only when the database has no users yet.",
    )
    def seed_demo_command(if_empty: bool) -> None:
        """Load the demo company: customers, tickets, entries and one login per role."""
        from portal.demo import DemoDataError, seed_demo
        from portal.models import User

        if if_empty and db.session.scalar(select(func.count(User.id))):
            click.echo("The database already has users; demo data not loaded.")
            return
        try:
            summary = seed_demo()
        except DemoDataError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(summary)

    from portal.notifications.cli import remind_missing_time_command

    app.cli.add_command(remind_missing_time_command)

    @app.cli.command("worker")
    @click.option(
        "--burst",
        is_flag=True,
        help="Stop once the queue is empty instead of waiting for more jobs.",
    )
    @click.option(
        "--no-fork",
        is_flag=True,
        help="Run each job in this process instead of a forked child process.",
    )
    def worker_command(burst: bool, no_fork: bool) -> None:
        """Render statement PDFs queued on RQ at REDIS_URL (queue PDF_QUEUE)."""
        from rq import SimpleWorker, Worker

        from portal.services.pdf_jobs import rq_queue

        try:
            pdf_queue = rq_queue(app)
        except RuntimeError as error:
            raise click.ClickException(str(error)) from error
        worker_class = SimpleWorker
        if not no_fork:
            # Forked job processes must not share this process's database
            # connections, so it keeps none open.
            db.engine.dispose()
            worker_class = Worker
        worker = worker_class([pdf_queue], connection=pdf_queue.connection)
        click.echo(f"Rendering statement PDFs from RQ queue {pdf_queue.name!r}.")
        worker.work(burst=burst, logging_level=app.config["LOG_LEVEL"])
