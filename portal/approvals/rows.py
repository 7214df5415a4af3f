"""Values shared by every row of the approval queue, prepared once per page.

The queue shows up to 500 entries. Translating the labels, formatting the dates
and building the row URLs once per page, instead of once per row, keeps the
page within its time budget (bench/approval_queue.py measures it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from portal.approvals import row_html
from portal.i18n import current_language, format_day, format_hmm
from portal.models import Ticket
from portal.services.anomalies import Anomaly, AnomalyKind
from portal.services.approval_queue import QueueGroup, QueueTicket, ShownEntry

if TYPE_CHECKING:
    from portal.approvals.pages import OpenForms

# An id no real entry has, replaced by each row's id in the built URLs.
_ID_MARKER = 918273645
_KEY_MARKER = "TICKETKEYMARKER"
_WEEK_MARKER = "WEEKMARKER"
_ROW_ENDPOINTS = (
    "approvals.approve",
    "approvals.reject_form",
    "approvals.reject",
    "approvals.row",
    "approvals.reverse_form",
    "approvals.reverse",
    "history.entry",
)
# Row actions whose URLs carry the queue filter, so the response keeps the view.
_FILTERED_ENDPOINTS = frozenset(_ROW_ENDPOINTS) - {"history.entry"}


class QueueRows:
    """Translated labels, dates, URLs, anomalies and the CSRF token of queue rows."""

    def __init__(
        self,
        entries: Iterable[ShownEntry],
        queue_args: Mapping[str, str],
        anomalies: Mapping[int, list[Anomaly]] | None = None,
    ) -> None:
        self.me_id: int = current_user.id
        self.language = current_language()
        self.csrf_token = generate_csrf()
        # Escaped once here, so templates and row_html insert them as they are.
        self.texts = {name: escape(text) for name, text in _row_texts().items()}
        self.anomalies = anomalies or {}
        self._count_labels: dict[int, str] = {}
        self._table_heads: dict[bool, Markup] = {}

        self.days: dict[date, str] = {}
        # Activity labels by id, escaped for HTML.
        self.activity_labels: dict[int, str] = {}
        self._ticket_cells: dict[int, str] = {}
        self._customer_names: dict[int, str] = {}
        for entry in entries:
            if entry.work_date not in self.days:
                self.days[entry.work_date] = format_day(entry.work_date)
            if entry.activity_type_id not in self.activity_labels:
                label = entry.activity_type.label(self.language)
                self.activity_labels[entry.activity_type_id] = str(escape(label))

        self._prepare_urls(queue_args)

    def _prepare_urls(self, queue_args: Mapping[str, str]) -> None:
        """Build each row URL once with a marker id, to fill in per row.

        The parts are escaped for HTML attributes, because a filter's query
        string contains "&".
        """
        self.queue_url = url_for("approvals.queue")
        # The hidden inputs that carry the queue filter in the GET forms of rows.
        self.filter_inputs = Markup("").join(
            Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
            for name, value in queue_args.items()
        )
        ticket_url = url_for("agent.ticket", key=_KEY_MARKER)
        self._ticket_url_parts = ticket_url.split(_KEY_MARKER, 1)

        group_url = url_for(
            "approvals.approve_group",
            agent_id=_ID_MARKER,
            week_start=_WEEK_MARKER,
            **queue_args,
        )
        prefix, rest = str(escape(group_url)).split(str(_ID_MARKER), 1)
        self._group_url_parts = (prefix, *rest.split(_WEEK_MARKER, 1))

        query = urlencode(dict(queue_args))
        # Escaped (prefix, suffix) of each row action URL, around the entry id.
        self.url_parts: dict[str, tuple[str, str]] = {}
        for endpoint in _ROW_ENDPOINTS:
            url = url_for(endpoint, entry_id=_ID_MARKER)
            if query and endpoint in _FILTERED_ENDPOINTS:
                url = f"{url}?{query}"
            prefix, suffix = str(escape(url)).split(str(_ID_MARKER), 1)
            self.url_parts[endpoint] = (prefix, suffix)

    def group_url(self, agent_id: int, week_start: date) -> Markup:
        """Return the "Approve all" URL of a group, with the queue filter, escaped."""
        prefix, middle, suffix = self._group_url_parts
        return Markup(f"{prefix}{agent_id}{middle}{week_start.isoformat()}{suffix}")

    def count_label(self, count: int) -> str:
        """Return "1 entry" or "N entries" in the current language."""
        if count not in self._count_labels:
            self._count_labels[count] = ngettext(
                "%(num)d entry", "%(num)d entries", count
            )
        return self._count_labels[count]

    def url(self, endpoint: str, entry_id: int) -> Markup:
        """Return the escaped URL of a row action, with the queue filter."""
        prefix, suffix = self.url_parts[endpoint]
        return Markup(f"{prefix}{entry_id}{suffix}")

    def ticket_url(self, key: str) -> str:
        """Return url_for("agent.ticket", key=key)."""
        prefix, suffix = self._ticket_url_parts
        return f"{prefix}{quote(key, safe='')}{suffix}"

    def ticket_cells(self, ticket: QueueTicket | Ticket) -> str:
        """Return the escaped ticket and customer cells of a row, once per ticket."""
        cells = self._ticket_cells.get(ticket.id)
        if cells is None:
            customer = self._customer_names.get(ticket.customer_id)
            if customer is None:
                customer = row_html.escape_text(ticket.customer.name)
                self._customer_names[ticket.customer_id] = customer
            key = row_html.escape_text(ticket.key)
            title = row_html.escape_text(ticket.title)
            cells = (
                f'<td><a href="{self.ticket_url(ticket.key)}">{key}</a>'
                f'<div class="ticket-title">{title}</div></td>'
                f"<td>{customer}</td>"
            )
            self._ticket_cells[ticket.id] = cells
        return cells

    def day(self, value: date) -> str:
        if value not in self.days:
            self.days[value] = format_day(value)
        return self.days[value]

    def waiting_row(
        self, entry: ShownEntry, group_id: str, selectable: bool, checked: bool
    ) -> Markup:
        return row_html.waiting_row(self, entry, group_id, selectable, checked)

    def detail_cells(self, entry: ShownEntry) -> Markup:
        return row_html.detail_cells(self, entry)

    def group_summary(
        self, group: QueueGroup, waiting_view: bool, oob: bool = False
    ) -> Markup:
        return row_html.group_summary(self, group, waiting_view, oob)

    def table_head(self, selectable: bool) -> Markup:
        if selectable not in self._table_heads:
            self._table_heads[selectable] = row_html.table_head(self, selectable)
        return self._table_heads[selectable]

    def group_section(
        self,
        group: QueueGroup,
        waiting_view: bool,
        forms: OpenForms,
        entry_row: Callable[..., str],
        queue_args: Mapping[str, str],
        notice: str = "",
    ) -> Markup:
        return row_html.group_section(
            self, group, waiting_view, forms, entry_row, queue_args, notice
        )

    def badges(self, entry_id: int) -> list[tuple[str, str, str]]:
        """Return (kind, label, explanation) for each anomaly of the entry."""
        return [
            (flag.kind.value, *anomaly_texts(flag, self))
            for flag in self.anomalies.get(entry_id, ())
        ]


def anomaly_texts(flag: Anomaly, rows: QueueRows) -> tuple[str, str]:
    """Return the badge label and the explanation of one anomaly."""
    texts = rows.texts
    if flag.kind == AnomalyKind.LONG_ENTRY:
        return texts["long_entry"], _(
            "This entry is longer than 4 hours (%(time)s).",
            time=format_hmm(flag.minutes or 0),
        )
    if flag.kind == AnomalyKind.LONG_DAY:
        return texts["long_day"], _(
            "The agent logged more than 10 hours on this day (%(time)s in all).",
            time=format_hmm(flag.minutes or 0),
        )
    if flag.kind == AnomalyKind.WEEKEND:
        return texts["weekend"], texts["weekend_detail"]
    if flag.kind == AnomalyKind.NIGHT:
        return texts["night"], texts["night_detail"]
    if flag.kind == AnomalyKind.DUPLICATE:
        return texts["duplicate"], _(
            "The agent logged %(num)d entries with the same ticket, day and duration.",
            num=flag.count or 0,
        )
    return texts["closed_ticket"], _(
        "The ticket was resolved on %(day)s, more than 30 days before this work.",
        day=rows.day(flag.day) if flag.day else "",
    )


def _row_texts() -> dict[str, str]:
    return {
        "yes": _("Yes"),
        "no": _("No"),
        "internal": _("Internal"),
        "approve": _("Approve"),
        "reject": _("Reject"),
        "reverse": _("Reverse approval"),
        "history": _("History"),
        "your_entry": _("Your entry"),
        "billed": _("On an issued statement"),
        "select": _("Select"),
        "long_entry": _("Long entry"),
        "long_day": _("Long day"),
        "weekend": _("Weekend"),
        "weekend_detail": _("The work date is a Saturday or a Sunday."),
        "night": _("Night"),
        "night_detail": _("The work ran between 22:00 and 06:00."),
        "duplicate": _("Duplicate"),
        "closed_ticket": _("Closed ticket"),
        # Group headings; "week" is formatted in the template with start and end.
        "week": _("week %(start)s – %(end)s"),
        "total": _("Total"),
        "billable": _("Billable"),
        "approve_all": _("Approve all"),
        "select_week": _("Select all of this week"),
        "no_waiting_group": _("No entries of this group are waiting for approval."),
        "own_group": _("These are your own entries: another team lead approves them."),
        # Column headings.
        "date": _("Date"),
        "ticket": _("Ticket"),
        "customer": _("Customer"),
        "activity": _("Activity"),
        "time": _("Time"),
        "description": _("Description"),
        "decision": _("Decision"),
    }
