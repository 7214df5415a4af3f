"""HTML of the queue rows' cells, built in Python for speed.

A queue page has up to 500 rows. Rendering each cell through Jinja macros took
most of the page's time (bench/approval_queue.py), because every expression is
escaped and every macro call is costly. These functions build the same markup
with one format string per cell and escape only the values that come from
users. The inline forms (reject, reverse) and the decided rows stay in
templates/approvals/_group.html, where they are rare.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from portal.i18n import format_hmm
from portal.services.approval_queue import QueueGroup, ShownEntry

if TYPE_CHECKING:
    from portal.approvals.pages import OpenForms
    from portal.approvals.rows import QueueRows

_COLUMNS = ("date", "ticket", "customer", "activity", "time", "billable")


def escape_text(value: str) -> str:
    """Escape a str for HTML as markupsafe.escape does, returning a plain str.

    It gives the same output (&amp; &lt; &gt; &#39; &#34;) three times faster,
    because it creates no Markup object, and a page escapes thousands of values.
    """
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def group_section(
    rows: QueueRows,
    group: QueueGroup,
    waiting_view: bool,
    forms: OpenForms,
    entry_row: Callable[..., str],
    queue_args: Mapping[str, str],
    notice: str = "",
) -> Markup:
    """Return a group's section: its summary, notice and table of entries.

    entry_row is the Jinja macro of the same name. It renders the rows that
    are rare on a page: those with an open inline form and decided entries.
    """
    dom_id = group.dom_id
    cells = []
    for entry in group.entries:
        if waiting_view and entry.id not in forms.reject:
            checked = entry.id in forms.checked
            cells.append(_waiting_row(rows, entry, dom_id, True, checked))
        else:
            cells.append(
                entry_row(entry, rows, dom_id, waiting_view, forms, queue_args)
            )
    table = ""
    if group.entries:
        head = rows.table_head(waiting_view)
        table = f"<table>{head}<tbody>{''.join(cells)}</tbody></table>"
    return Markup(
        f'<section class="card approval-group" id="{dom_id}" '
        f'aria-labelledby="{dom_id}-title">'
        f"{group_summary(rows, group, waiting_view, False)}{notice}{table}</section>"
    )


# The functions below return Markup for the templates. Their helpers return
# plain str, because creating a Markup object per cell cost a noticeable part
# of a 500-row page.


def waiting_row(
    rows: QueueRows, entry: ShownEntry, group_id: str, selectable: bool, checked: bool
) -> Markup:
    """Return the whole row of a waiting entry whose inline forms are closed.

    selectable adds the checkbox column of the waiting view. The approver's own
    entries get an empty checkbox cell and no buttons.
    """
    return Markup(_waiting_row(rows, entry, group_id, selectable, checked))


def _waiting_row(
    rows: QueueRows, entry: ShownEntry, group_id: str, selectable: bool, checked: bool
) -> str:
    entry_id = entry.id
    own = entry.agent_id == rows.me_id
    select = ""
    if selectable:
        select = (
            '<td class="select"></td>'
            if own
            else _select_cell(rows, entry, group_id, checked)
        )
    if own:
        actions = f'<span class="muted">{rows.texts["your_entry"]}</span>'
    else:
        actions = _waiting_actions(rows, entry, group_id)
    history_prefix, history_suffix = rows.url_parts["history.entry"]
    return (
        f'<tr id="entry-{entry_id}">{select}{_detail_cells(rows, entry)}'
        f'<td class="decision">{actions}<a class="history-link" '
        f'href="{history_prefix}{entry_id}{history_suffix}">'
        f"{rows.texts['history']}</a></td></tr>"
    )


def _select_cell(
    rows: QueueRows, entry: ShownEntry, group_id: str, checked: bool
) -> str:
    """Return the checkbox cell that adds the entry to the selection form."""
    day = rows.days[entry.work_date]
    label = f"{rows.texts['select']} {day} {escape_text(entry.ticket.key)}"
    return (
        '<td class="select"><input type="checkbox" name="selected" '
        f'value="{entry.id}:{entry.version}" form="selection-form" '
        f'data-group="{group_id}" aria-label="{label}"'
        f"{' checked' if checked else ''}></td>"
    )


def detail_cells(rows: QueueRows, entry: ShownEntry) -> Markup:
    """Return the cells from the date to the description, with anomaly badges."""
    return Markup(_detail_cells(rows, entry))


def _detail_cells(rows: QueueRows, entry: ShownEntry) -> str:
    texts = rows.texts
    clock = ""
    if entry.start_time is not None:
        end = f"–{entry.end_time:%H:%M}" if entry.end_time is not None else ""
        clock = f'<div class="muted clock">{entry.start_time:%H:%M}{end}</div>'
    note = ""
    if entry.internal_note:
        note = (
            '<p class="note internal-note"><span class="badge badge-internal">'
            f"{texts['internal']}</span> {escape_text(entry.internal_note)}</p>"
        )
    badges = _badges(rows, entry.id) if entry.id in rows.anomalies else ""
    return (
        f'<td class="nowrap">{rows.days[entry.work_date]}</td>'
        f"{rows.ticket_cells(entry.ticket)}"
        f"<td>{rows.activity_labels[entry.activity_type_id]}</td>"
        f'<td class="num">{format_hmm(entry.minutes)}{clock}</td>'
        f"<td>{texts['yes'] if entry.is_billable else texts['no']}</td>"
        f"<td>{badges}"
        f'<div class="description">{escape_text(entry.description)}</div>{note}</td>'
    )


def _badges(rows: QueueRows, entry_id: int) -> str:
    badges = "".join(
        f'<span class="badge badge-anomaly anomaly-{kind}" title="{escape(detail)}">'
        f'{escape(label)}<span class="visually-hidden">: {escape(detail)}</span></span>'
        for kind, label, detail in rows.badges(entry_id)
    )
    return f'<p class="anomalies">{badges}</p>'


def waiting_actions(rows: QueueRows, entry: ShownEntry, group_id: str) -> Markup:
    """Return the Approve and Reject buttons of a waiting entry.

    Without JavaScript, Reject reloads the queue with the rejection form of the
    row open; htmx fetches the form into the row instead.
    """
    return Markup(_waiting_actions(rows, entry, group_id))


def _waiting_actions(rows: QueueRows, entry: ShownEntry, group_id: str) -> str:
    texts = rows.texts
    entry_id = entry.id
    target = f'hx-target="#entry-{entry_id}" hx-swap="outerHTML"'
    approve_prefix, approve_suffix = rows.url_parts["approvals.approve"]
    approve_url = f"{approve_prefix}{entry_id}{approve_suffix}"
    reject_prefix, reject_suffix = rows.url_parts["approvals.reject_form"]
    return (
        '<div class="actions">'
        f'<form method="post" action="{approve_url}" hx-post="{approve_url}" '
        f'{target} hx-include="#{group_id}-entries">'
        f'<input type="hidden" name="csrf_token" value="{rows.csrf_token}">'
        f'<input type="hidden" name="version" value="{entry.version}">'
        f'<button type="submit" class="primary">{texts["approve"]}</button></form>'
        f'<form method="get" action="{rows.queue_url}#entry-{entry_id}" '
        f'hx-get="{reject_prefix}{entry_id}{reject_suffix}" {target}>'
        f"{rows.filter_inputs}"
        f'<input type="hidden" name="reject" value="{entry_id}">'
        f'<button type="submit" class="danger">{texts["reject"]}</button></form>'
        "</div>"
    )


def table_head(rows: QueueRows, selectable: bool) -> Markup:
    """Return the <thead> of a group's table."""
    texts = rows.texts
    select = ""
    if selectable:
        select = (
            '<th scope="col" class="select">'
            f'<span class="visually-hidden">{texts["select"]}</span></th>'
        )
    numeric = ' class="num"'
    cells = "".join(
        f'<th scope="col"{numeric if name == "time" else ""}>{texts[name]}</th>'
        for name in _COLUMNS
    )
    return Markup(
        f"<thead><tr>{select}{cells}"
        f'<th scope="col">{texts["description"]}</th>'
        f'<th scope="col">{texts["decision"]}</th></tr></thead>'
    )


def group_summary(
    rows: QueueRows, group: QueueGroup, waiting_view: bool, oob: bool
) -> Markup:
    """Return the heading, totals and "Approve all" of a group.

    Decisions replace it out-of-band (oob) with the new totals.
    """
    texts = rows.texts
    dom_id = group.dom_id
    week = texts["week"] % {
        "start": rows.day(group.week_start),
        "end": rows.day(group.week_end),
    }
    swap = ' hx-swap-oob="true"' if oob else ""
    return Markup(
        f'<header class="group-head" id="{dom_id}-summary"{swap}><div>'
        f'<h2 id="{dom_id}-title">{escape(group.agent.name)} '
        f'<span class="week">{week}</span></h2>'
        '<p class="totals group-totals">'
        f'<span class="count">{rows.count_label(len(group.entries))}</span> '
        f'<span class="total">{texts["total"]} '
        f"<strong>{format_hmm(group.total_minutes)}</strong></span> "
        f'<span class="billable">{texts["billable"]} '
        f"<strong>{format_hmm(group.billable_minutes)}</strong></span></p></div>"
        f"{_group_action(rows, group, waiting_view)}</header>"
    )


def _group_action(rows: QueueRows, group: QueueGroup, waiting_view: bool) -> str:
    texts = rows.texts
    if not waiting_view:
        return ""
    if not group.entries:
        return f'<p class="muted">{texts["no_waiting_group"]}</p>'
    if group.agent.id == rows.me_id:
        return f'<p class="muted">{texts["own_group"]}</p>'
    dom_id = group.dom_id
    url = rows.group_url(group.agent.id, group.week_start)
    versions = ",".join(
        f"{entry_id}:{version}" for entry_id, version in group.approval_versions.items()
    )
    return (
        '<div class="actions"><label class="check select-group" hidden>'
        f'<input type="checkbox" data-select-group="{dom_id}"> {texts["select_week"]}'
        f'</label><form method="post" action="{url}" hx-post="{url}" '
        f'hx-target="#{dom_id}" hx-swap="outerHTML">'
        f'<input type="hidden" name="csrf_token" value="{rows.csrf_token}">'
        f'<input type="hidden" name="entries" id="{dom_id}-entries" value="{versions}">'
        f'<button type="submit" class="primary">{texts["approve_all"]}</button>'
        "</form></div>"
    )
