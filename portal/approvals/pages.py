"""Rendering shared by the approval views: the page, the queue, rows and counts."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import abort, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm.exc import StaleDataError

from portal.approvals.forms import (
    QueueFilterForm,
    RejectForm,
    ReverseForm,
    SelectionForm,
    queue_filter_args,
    queue_filter_from_args,
)
from portal.approvals.rows import QueueRows
from portal.errors import DomainError
from portal.extensions import db
from portal.htmx import is_htmx
from portal.models import TimeEntry, User
from portal.services import approval_queue
from portal.services.anomalies import find_anomalies
from portal.services.approval_queue import (
    ApproverScope,
    QueueFilter,
    QueueGroup,
    QueuePage,
)
from portal.services.approvals import BulkResult, Decision, skipped_label

logger = logging.getLogger(__name__)


@dataclass
class OpenForms:
    """The inline forms open on the page, by entry id, and the selection form."""

    reject: dict[int, RejectForm] = field(default_factory=dict)
    reverse: dict[int, ReverseForm] = field(default_factory=dict)
    selection: SelectionForm | None = None
    # Ids of the rows whose checkbox stays checked, e.g. after a 422.
    checked: set[int] = field(default_factory=set)


def actor() -> User:
    return current_user._get_current_object()


def current_scope() -> ApproverScope:
    """Return the teams the signed-in approver sees, loaded once per request."""
    if "approver_scope" not in g:
        g.approver_scope = approval_queue.scope_for(actor())
    return g.approver_scope


def request_filters() -> QueueFilter:
    return queue_filter_from_args(request.args)


def queue_url(**args) -> str:
    """Return the queue URL with the current filter and the given extra arguments."""
    return url_for("approvals.queue", **queue_filter_args(request_filters()), **args)


def entry_or_404(entry_id: int) -> TimeEntry:
    """Return the entry if it is in the approver's teams or their own, else 404."""
    entry = approval_queue.load_entry(current_scope(), entry_id)
    if entry is None:
        abort(404)
    return entry


def filter_form(args) -> QueueFilterForm:
    scope = current_scope()
    return QueueFilterForm(
        args,
        scope.teams,
        approval_queue.filter_agents(scope),
        approval_queue.filter_customers(),
    )


def queue_context(
    filters: QueueFilter, forms: OpenForms, outcome: BulkOutcome | None = None
) -> dict:
    """Return what templates/approvals/_queue.html needs to render the queue."""
    scope = current_scope()
    page = approval_queue.load_queue(scope, filters)
    _prefill_versions(page, forms)
    queue_args = queue_filter_args(filters)
    anomalies = find_anomalies(page.entries)
    selection = forms.selection
    if selection is None and filters.is_waiting_view:
        selection = SelectionForm(formdata=None)
    return {
        "scope": scope,
        "filters": filters,
        "page": page,
        "groups": page.groups,
        "rows": QueueRows(page.entries, queue_args, anomalies),
        "forms": forms,
        "selection_form": selection,
        "queue_args": queue_args,
        "outcome": outcome,
        **waiting_counts(filters, page),
    }


def group_rows(group: QueueGroup | None, queue_args: dict[str, str]) -> QueueRows:
    """Return the row helper for one group, e.g. after "Approve all"."""
    entries = group.entries if group is not None else []
    return QueueRows(entries, queue_args, find_anomalies(entries))


def _prefill_versions(page: QueuePage, forms: OpenForms) -> None:
    if not forms.reject and not forms.reverse:
        return
    for entry in page.entries:
        for form in (forms.reject.get(entry.id), forms.reverse.get(entry.id)):
            if form is not None and form.version.data is None:
                form.version.data = entry.version


def render_page(form: QueueFilterForm, filters: QueueFilter, forms: OpenForms) -> str:
    return render_template(
        "approvals/queue.html", filter_form=form, **queue_context(filters, forms)
    )


def render_queue(
    filters: QueueFilter, forms: OpenForms, outcome: BulkOutcome | None = None
) -> str:
    """Render the #queue element with out-of-band count and title (htmx)."""
    return render_template(
        "approvals/_queue_response.html", **queue_context(filters, forms, outcome)
    )


def waiting_counts(
    filters: QueueFilter, page: QueuePage | None = None
) -> dict[str, int | None]:
    """Return the waiting entries in all and, with a filter, those shown."""
    if page is not None and not filters.is_active and not page.truncated:
        # The default view shows every waiting entry in scope, so it needs no
        # count query.
        return {"waiting": page.entry_count, "shown": None}
    scope = current_scope()
    waiting = approval_queue.count_waiting(scope)
    if not filters.is_active:
        return {"waiting": waiting, "shown": None}
    if page is not None:
        return {"waiting": waiting, "shown": page.entry_count}
    if filters.is_waiting_view:
        return {
            "waiting": waiting,
            "shown": approval_queue.count_waiting(scope, filters),
        }
    return {"waiting": waiting, "shown": None}


def render_row(entry: TimeEntry, forms: OpenForms) -> str:
    filters = request_filters()
    queue_args = queue_filter_args(filters)
    return render_template(
        "approvals/_row.html",
        entry=entry,
        forms=forms,
        filters=filters,
        rows=QueueRows([entry], queue_args, find_anomalies([entry])),
        group_id=approval_queue.group_dom_id(
            entry.agent_id, approval_queue.week_start_of(entry.work_date)
        ),
        queue_args=queue_args,
    )


def rerender_row_on_conflict(view: Callable[[int], ResponseReturnValue]):
    """Wrap a decision view so that a 409 sends htmx the entry's current row.

    A decision whose entry another approver decided, or its agent changed,
    fails with 409. Without this the row would keep the values the approver
    saw. The response carries the message for #flash-area and the current row
    out of band. Plain requests keep the error page.
    """

    @functools.wraps(view)
    def wrapper(entry_id: int) -> ResponseReturnValue:
        try:
            return view(entry_id)
        except DomainError as error:
            if error.status != 409 or not is_htmx():
                raise
            message = error.message
        except StaleDataError as error:
            if not is_htmx():
                raise
            logger.info("decision on entry %s lost a race: %s", entry_id, error)
            message = _(
                "Someone else changed this item in the meantime. Reload and try again."
            )
        db.session.rollback()
        return conflict_response(entry_id, message)

    return wrapper


def conflict_response(entry_id: int, message: str):
    """Return message and, out of band, the entry's row as it is now, with 409."""
    entry = approval_queue.load_entry(current_scope(), entry_id)
    row = Markup("")
    if entry is not None:
        row = _out_of_band_row(render_row(entry, OpenForms()), entry_id)
    return render_template("approvals/_conflict.html", message=message, row=row), 409


def _out_of_band_row(row_html: str, entry_id: int) -> Markup:
    # The row templates have no out-of-band switch, so mark the opening tag
    # that every one of them starts with.
    opening = f'<tr id="entry-{entry_id}"'
    return Markup(row_html.replace(opening, f'{opening} hx-swap-oob="true"', 1))


def invalid_form_response(entry: TimeEntry, forms: OpenForms):
    """Return the row (htmx) or the page (plain) with the form's errors, as 422."""
    if is_htmx():
        return render_row(entry, forms), 422

    form = filter_form(request.args)
    valid = form.validate()
    filters = form.queue_filter() if valid else QueueFilter()
    return render_page(form, filters, forms), 422


@dataclass(frozen=True)
class BulkOutcome:
    """The report of a bulk decision: a summary and (entry, reason) per skipped one."""

    notice: str
    skipped: list[tuple[str, str]]

    def as_message(self) -> str:
        """Return the summary and the skipped entries as one flash message."""
        if not self.skipped:
            return self.notice
        details = "; ".join(f"{label}: {reason}" for label, reason in self.skipped)
        skipped = ngettext(
            "Skipped %(num)d entry: %(details)s",
            "Skipped %(num)d entries: %(details)s",
            len(self.skipped),
            details=details,
        )
        return f"{self.notice} {skipped}"


def bulk_outcome(notice: str, result: BulkResult) -> BulkOutcome:
    skipped = [(skipped_label(item), item.reason) for item in result.skipped]
    return BulkOutcome(notice, skipped)


def selection_notice(decision: Decision, result: BulkResult) -> str:
    """Return the sentence on how many selected entries were decided."""
    count = len(result.decided)
    if decision == Decision.APPROVE:
        return ngettext("Approved %(num)d entry.", "Approved %(num)d entries.", count)
    return ngettext("Rejected %(num)d entry.", "Rejected %(num)d entries.", count)


def check_hidden_fields(form, names=("version", "entries")) -> None:
    """Raise DomainError 400 when a hidden field (version, entry list) is invalid.

    The user cannot fix these fields, so they get no error beside a field.
    """
    errors = {name: form[name].errors for name in names if name in form}
    if any(errors.values()):
        logger.warning("invalid hidden fields in approval form: %s", errors)
        raise DomainError(
            _("The form is incomplete or out of date. Reload the page and try again."),
            400,
        )
