"""`flask remind-missing-time`: the weekly reminder about days without time (cron)."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext

from portal.services import missing_time


@click.command("remind-missing-time")
@click.option(
    "--week",
    "week_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help=(
        "A day (YYYY-MM-DD) of the week to check; the check covers that week's "
        "Monday to Friday. Default: last week."
    ),
)
@with_appcontext
def remind_missing_time_command(week_day: datetime | None) -> None:
    """Remind each active agent of last week's working days without logged time.

    Creates one in-app notification per agent and week, and e-mails it when
    MAIL_SERVER is set. Running it again for the same week does not
    remind an agent twice.
    """
    today = missing_time.company_today()
    if week_day is None:
        week_start = missing_time.previous_week_start(today)
    else:
        day = week_day.date()
        week_start = day - timedelta(days=day.weekday())

    summary = missing_time.remind_missing_time(week_start, today)
    click.echo(summary.describe())
