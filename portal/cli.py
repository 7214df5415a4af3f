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
