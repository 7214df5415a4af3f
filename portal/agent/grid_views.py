"""The week grid page: type a day's total per ticket, submit the week at once.

A cell edit posts the ticket, the day, the typed duration and the entry
versions the cell showed. The response replaces the cell and, out of band, the
totals, the warnings and the submit button. Editing cells needs htmx; without
it the grid is read-only and the week page and ticket pages log time.
"""

from __future__ import annotations

import json
import logging
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.agent import bp, queries
from portal.agent.forms import parse_whole_number
from portal.agent.grid import (
    WeekGrid,
    build_week_grid,
    parse_row_keys,
    previous_week_keys,
)
from portal.agent.views import requested_monday
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import format_day, format_hmm, user_today
from portal.models.tickets import Ticket
from portal.services import entries as entry_service
from portal.services import week_grid as grid_service
from portal.services.durations import DurationError, parse_duration
from portal.services.entries import EntryDataError
from portal.services.week_grid import CellOutcome, CellResult

logger = logging.getLogger(__name__)

# Texts that clear a cell, besides an empty one.
ZERO_TEXTS = frozenset({"0", "0:00", ":00", "0h", "0m"})


@bp.get("/week/grid")
def week_grid():
    monday = requested_monday(request.args.get("start"))
    keys = parse_row_keys(request.args.get("rows"))
    notice = None

    if request.args.get("copy"):
        copied = previous_week_keys(current_user.id, monday)
        keys = parse_row_keys(",".join([*keys, *copied]))
        notice = _("Added the %(count)s tickets of last week.", count=len(copied))
    added = (request.args.get("add") or "").strip()
    if added:
        keys, notice = _add_row(keys, added)

    grid = build_week_grid(current_user.id, monday, keys, user_today())
    return _render_grid(grid, notice=notice)


def _add_row(keys: list[str], text: str) -> tuple[list[str], str]:
    ticket = queries.find_ticket_by_key(text[: queries.MAX_KEY_LENGTH])
    if ticket is None:
        return keys, _(
            'No ticket has the key "%(key)s". Type words of its title and pick it '
            "from the list.",
            key=text[: queries.MAX_KEY_LENGTH],
        )
    keys = parse_row_keys(",".join([*keys, ticket.key]))
    return keys, _("Added %(key)s to the grid.", key=ticket.key)


@bp.post("/week/grid/cell")
def week_grid_cell():
    ticket = queries.find_ticket_by_key(
        request.form.get("ticket", "")[: queries.MAX_KEY_LENGTH]
    )
    if ticket is None:
        abort(404)
    day = _form_day()
    text = request.form.get("duration", "").strip()
    try:
        minutes = _cell_minutes(text)
        result = grid_service.set_cell_total(
            current_user, ticket, day, minutes, _seen_versions()
        )
    except (DurationError, EntryDataError) as error:
        message = error.message() if isinstance(error, DurationError) else error.message
        logger.info(
            "grid cell of ticket %s on %s rejected: %s", ticket.id, day, message
        )
        db.session.rollback()
        return _render_cell(ticket, day, text=text, error=message, status=422)

    db.session.commit()
    message = _cell_message(result, ticket, day)
    if not is_htmx():
        flash(message, "success")
        return redirect(_grid_url(day, [ticket.key]), code=303)
    return _render_cell(ticket, day, result=result, message=message)


@bp.post("/week/grid/submit")
def week_grid_submit():
    monday = requested_monday(request.form.get("start"))
    keys = parse_row_keys(request.form.get("rows"))
    count = entry_service.submit_week_drafts(current_user, monday)
    db.session.commit()

    if count == 0:
        message = _("There were no drafts to submit.")
    else:
        message = ngettext(
            "Submitted the week: %(num)s time entry.",
            "Submitted the week: %(num)s time entries.",
            count,
        )
    if not is_htmx():
        flash(message, "success" if count else "info")
        return redirect(_grid_url(monday, keys), code=303)
    grid = build_week_grid(current_user.id, monday, keys, user_today())
    return _render_grid(grid, notice=message)


def _form_day() -> date:
    try:
        return date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        abort(400)


def _cell_minutes(text: str) -> int | None:
    if not text or text.lower() in ZERO_TEXTS:
        return None
    return parse_duration(text)


def _seen_versions() -> dict[int, int]:
    seen: dict[int, int] = {}
    for pair in filter(None, request.form.get("seen", "").split(",")):
        entry_text, _sep, version_text = pair.partition(":")
        entry_id, version = (
            parse_whole_number(entry_text),
            parse_whole_number(version_text),
        )
        if entry_id is None or version is None:
            logger.info("grid cell post with invalid versions %r", pair[:40])
            abort(400)
        seen[entry_id] = version
    return seen


def _cell_message(result: CellResult, ticket: Ticket, day: date) -> str:
    values = {"key": ticket.key, "day": format_day(day)}
    if result.outcome == CellOutcome.SEVERAL:
        return _(
            "%(key)s has several entries on %(day)s. Change them one by one.", **values
        )
    if result.outcome == CellOutcome.DELETED:
        return _("Deleted the time on %(key)s on %(day)s.", **values)
    total = sum(entry.minutes for entry in result.entries)
    return _("%(key)s on %(day)s: %(total)s.", total=format_hmm(total), **values)


def _grid_url(day: date, keys: list[str]) -> str:
    monday = queries.week_start(day)
    return url_for("agent.week_grid", start=monday.isoformat(), rows=",".join(keys))


def _render_grid(grid: WeekGrid, notice: str | None = None):
    template = "agent/_week_grid.html" if is_htmx() else "agent/week_grid.html"
    context = {"grid": grid, "notice": notice, "warnings": grid.warnings()}
    if notice and not is_htmx():
        flash(notice, "info")
        context["notice"] = None
    return render_template(template, **context)


def _render_cell(
    ticket: Ticket,
    day: date,
    text: str | None = None,
    error: str | None = None,
    result: CellResult | None = None,
    message: str | None = None,
    status: int = 200,
):
    """Return the cell and, out of band, the totals, warnings and submit button."""
    monday = queries.week_start(day)
    grid = build_week_grid(current_user.id, monday, [ticket.key], user_today())
    context = {
        "grid": grid,
        "cell": grid.cell(ticket.id, day),
        "typed": text,
        "error": error,
        "message": message,
        "several": _several(result),
        "warnings": grid.warnings(),
    }
    body = render_template("agent/_grid_cell_response.html", **context)
    headers = {}
    if context["several"]:
        headers["HX-Trigger-After-Settle"] = json.dumps({"openGridDialog": {}})
    return body, status, headers


def _several(result: CellResult | None):
    if result is None or result.outcome != CellOutcome.SEVERAL:
        return None
    return result.entries
