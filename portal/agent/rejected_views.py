"""The agent's rejected entries: the reason, who rejected them, fix and resubmit.

"Fix" turns a row into the entry's edit form. "Save and resubmit" saves the
changes and submits the entry for approval again in one action; "Resubmit"
sends it back unchanged.
"""

from __future__ import annotations

import logging
from functools import partial

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.agent import bp, queries
from portal.agent.forms import EditEntryForm
from portal.agent.views import edit_form, entry_or_404, save_entry
from portal.agent.warnings import entry_warnings, flash_result
from portal.extensions import db
from portal.htmx import is_htmx
from portal.models.entries import EntryStatus, TimeEntry
from portal.models.users import User
from portal.services import entries as entry_service
from portal.services.entries import EntryData

logger = logging.getLogger(__name__)


@bp.get("/rejected")
def rejected():
    entries = queries.rejected_entries(current_user.id)
    return render_template("agent/rejected.html", entries=entries)


@bp.get("/rejected/<int:entry_id>/row")
def rejected_row(entry_id: int):
    entry = entry_or_404(entry_id)
    if not is_htmx():
        return redirect(url_for("agent.rejected", _anchor=f"rejected-{entry.id}"))
    return render_template("agent/_rejected_row.html", entry=entry)


@bp.route("/rejected/<int:entry_id>/fix", methods=["GET", "POST"])
def rejected_fix(entry_id: int):
    entry = entry_or_404(entry_id)
    entry_service.ensure_editable(current_user, entry)
    form = edit_form(entry)
    if request.method == "GET":
        return _render_fix(entry, form, 200)

    resubmit = request.form.get("action") == "resubmit"
    save = entry_service.fix_and_resubmit if resubmit else _update_only
    saved = save_entry(
        form,
        partial(save, current_user, entry, expected_version=form.expected_version()),
    )
    if saved is None:
        return _render_fix(entry, form, 422)

    db.session.commit()
    if resubmit:
        message = _("The time entry has been corrected and submitted again.")
    else:
        message = _("The time entry has been saved. Submit it again when it is ready.")
    return _after_change(entry, message, entry_warnings(saved))


@bp.post("/rejected/<int:entry_id>/resubmit")
def rejected_resubmit(entry_id: int):
    entry = entry_or_404(entry_id)
    entry_service.submit_entries(current_user, [entry])
    db.session.commit()
    return _after_change(entry, _("The time entry has been submitted again."), [])


def _update_only(
    actor: User, entry: TimeEntry, data: EntryData, expected_version: int | None
) -> TimeEntry:
    return entry_service.update_entry(
        actor, entry, data, expected_version=expected_version
    )


def _render_fix(entry: TimeEntry, form: EditEntryForm, status: int):
    template = "agent/_rejected_fix.html" if is_htmx() else "agent/rejected_fix.html"
    return render_template(template, entry=entry, form=form), status


def _after_change(entry: TimeEntry, message: str, warnings: list[str]):
    if not is_htmx():
        flash_result(message, warnings)
        return redirect(url_for("agent.rejected"), code=303)
    still_rejected = entry.status == EntryStatus.REJECTED
    return render_template(
        "agent/_rejected_response.html",
        entry=entry if still_rejected else None,
        entry_id=entry.id,
        notice=message,
        warnings=warnings,
        remaining=len(queries.rejected_entries(current_user.id)),
    )
