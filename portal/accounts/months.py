"""Accounts pages of month close: close, reopen, and correct an entry with a reason."""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.accounts import bp
from portal.accounts.forms import MAX_YEAR, MIN_YEAR, MONTH_PATTERN
from portal.accounts.month_forms import (
    CloseMonthForm,
    CorrectionForm,
    EntryLookupForm,
    ReasonForm,
    YearForm,
)
from portal.agent.labels import ENTRY_STATUS_LABELS
from portal.extensions import db
from portal.i18n import current_language, user_today
from portal.models import Ticket, TimeEntry
from portal.services import month_close
from portal.services.entries import EntryDataError
from portal.services.entry_corrections import correct_entry, correctable_activities
from portal.services.statements import month_end, month_label

logger = logging.getLogger(__name__)

# Entries per page of a month's entry list.
ENTRIES_PER_PAGE = 50


@bp.get("/months")
def months():
    """List the months of a year with their state and the actions on them."""
    year = user_today().year
    form = YearForm(
        formdata=request.args if "year" in request.args else None, year=str(year)
    )
    status = 200
    if "year" in request.args:
        if form.validate():
            year = form.year_value
        else:
            status = 422
    return _render_months(year, form, EntryLookupForm(formdata=None), status)


def _render_months(
    year: int, form: YearForm, lookup: EntryLookupForm, status: int
) -> tuple[str, int]:
    html = render_template(
        "accounts/months.html",
        year=year,
        form=form,
        lookup=lookup,
        states=month_close.month_states(year),
        month_key=_month_key,
    )
    return html, status


@bp.route("/months/<month_text>/close", methods=["GET", "POST"])
def close_month(month_text: str):
    """Ask for confirmation, then close the month."""
    month = _month_or_404(month_text)
    form = CloseMonthForm()
    if not form.validate_on_submit():
        state = month_close.month_states(month.year)[month.month - 1]
        return render_template("accounts/month_close.html", state=state, form=form)
    month_close.close_month(current_user._get_current_object(), month)
    db.session.commit()
    flash(
        _("%(month)s is closed.", month=month_label(month, current_language())),
        "success",
    )
    return redirect(url_for("accounts.months", year=month.year), 303)


@bp.route("/months/<month_text>/reopen", methods=["GET", "POST"])
def reopen_month(month_text: str):
    """Reopen a closed month, with a required reason."""
    month = _month_or_404(month_text)
    if not month_close.is_month_closed(month):
        flash(
            _("%(month)s is not closed.", month=month_label(month, current_language())),
            "info",
        )
        return redirect(url_for("accounts.months", year=month.year), 303)
    form = ReasonForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        html = render_template("accounts/month_reopen.html", month=month, form=form)
        return html, status
    month_close.reopen_month(
        current_user._get_current_object(), month, form.reason.data
    )
    db.session.commit()
    flash(
        _("%(month)s is open again.", month=month_label(month, current_language())),
        "success",
    )
    return redirect(url_for("accounts.months", year=month.year), 303)


@bp.get("/months/<month_text>/entries")
def month_entries(month_text: str):
    """List the time entries dated in a month, each with a link to correct it."""
    month = _month_or_404(month_text)
    query = (
        sa.select(TimeEntry)
        .where(TimeEntry.work_date.between(month, month_end(month)))
        .options(
            selectinload(TimeEntry.ticket).selectinload(Ticket.customer),
            selectinload(TimeEntry.agent),
            selectinload(TimeEntry.activity_type),
            selectinload(TimeEntry.statement),
        )
        .order_by(TimeEntry.work_date, TimeEntry.id)
    )
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(query, page=page, per_page=ENTRIES_PER_PAGE)
    return render_template(
        "accounts/month_entries.html",
        month=month,
        month_text=month_text,
        is_closed=month_close.is_month_closed(month),
        pagination=pagination,
        status_labels=ENTRY_STATUS_LABELS,
    )


@bp.get("/entries/correct")
def find_entry_to_correct():
    """Open the correction page of the entry whose number was typed."""
    lookup = EntryLookupForm(formdata=request.args)
    if lookup.validate():
        entry = db.session.get(TimeEntry, lookup.entry_id_value)
        if entry is not None:
            return redirect(url_for("accounts.correct", entry_id=entry.id), 303)
        lookup.entry_id.errors = [
            _("No time entry has the number %(id)s.", id=lookup.entry_id_value)
        ]
    year = user_today().year
    return _render_months(year, YearForm(formdata=None, year=str(year)), lookup, 422)


@bp.route("/entries/<int:entry_id>/correct", methods=["GET", "POST"])
def correct(entry_id: int):
    """Correct an entry's time, activity, date or text, with a required reason."""
    entry = db.session.get(TimeEntry, entry_id)
    if entry is None:
        logger.info("time entry %s not found for a correction", entry_id)
        abort(404)
    activities = correctable_activities(entry)
    if request.method == "GET":
        form = CorrectionForm.for_entry(entry, activities)
        return _render_correction(entry, form, 200)

    form = CorrectionForm(activities=activities)
    if not form.validate_on_submit():
        return _render_correction(entry, form, 422)
    try:
        correct_entry(
            current_user._get_current_object(),
            entry,
            form.correction_data(),
            form.reason.data,
            expected_version=form.expected_version(),
        )
    except EntryDataError as error:
        logger.info("correction of entry %s rejected: %s", entry.id, error.message)
        form.add_error(error.field, error.message)
        return _render_correction(entry, form, 422)
    except month_close.ClosedMonthError as error:
        logger.info("correction of entry %s rejected: closed month", entry.id)
        form.add_error("work_date", error.message)
        return _render_correction(entry, form, error.status)
    db.session.commit()
    flash(_("Time entry %(id)s corrected.", id=entry.id), "success")
    return redirect(url_for("accounts.correct", entry_id=entry.id), 303)


def _render_correction(
    entry: TimeEntry, form: CorrectionForm, status: int
) -> tuple[str, int]:
    html = render_template(
        "accounts/entry_correct.html",
        entry=entry,
        form=form,
        is_closed=month_close.is_month_closed(entry.work_date),
        status_label=ENTRY_STATUS_LABELS[entry.status],
        month_key=_month_key,
    )
    return html, status


def _month_or_404(text: str) -> date:
    match = MONTH_PATTERN.match(text)
    if match is None or not MIN_YEAR <= int(match["year"]) <= MAX_YEAR:
        abort(404)
    return date(int(match["year"]), int(match["month"]), 1)


def _month_key(month: date) -> str:
    """Return the month as it appears in URLs, e.g. 2026-11."""
    return month.strftime("%Y-%m")
