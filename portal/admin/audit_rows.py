"""Turn audit events into readable rows: object links and per-field changes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from portal.admin.labels import (
    FIELD_LABELS,
    LANGUAGE_LABELS,
    PORTAL_TIME_DISPLAY_LABELS,
    ROLE_LABELS,
    object_type_label,
)
from portal.agent.labels import (
    ENTRY_STATUS_LABELS,
    PRIORITY_LABELS,
    TICKET_STATUS_LABELS,
)
from portal.i18n import format_day, format_duration, format_timestamp
from portal.models import AuditEvent
from portal.services.admin.audit_log import (
    REFERENCE_FIELDS,
    contract_customers,
    entry_ticket_keys,
    load_names,
    referenced_ids,
)

EMPTY = "—"
DATE_FIELDS = frozenset({"work_date", "valid_from", "valid_to", "period_start"})
_SLA_TARGET_FIELD = re.compile(r"^sla_(?P<priority>[a-z]+)_(?P<kind>[a-z_]+)_minutes$")
# Enum values stored by each audited field, per object type where they differ.
_VALUE_LABELS: dict[tuple[str | None, str], dict] = {
    (None, "role"): ROLE_LABELS,
    (None, "priority"): PRIORITY_LABELS,
    (None, "language"): LANGUAGE_LABELS,
    (None, "portal_time_display"): PORTAL_TIME_DISPLAY_LABELS,
    ("tickets", "status"): TICKET_STATUS_LABELS,
    ("time_entries", "status"): ENTRY_STATUS_LABELS,
}


@dataclass(frozen=True)
class FieldChange:
    """One field of an event; before is None for a created object, after for a
    deleted one."""

    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class AuditRow:
    """An event with its object's name, page link and readable changes."""

    event: AuditEvent
    object_label: str
    object_url: str | None
    changes: list[FieldChange] = field(default_factory=list)


def build_rows(events: list[AuditEvent]) -> list[AuditRow]:
    """Describe a page of events, loading the names they refer to in batches."""
    ids = referenced_ids(events)
    names = load_names(ids)
    links = _ObjectLinks(
        ticket_keys=entry_ticket_keys(ids.get("time_entries", ())),
        contract_customers=contract_customers(ids.get("contracts", ())),
    )
    return [
        AuditRow(
            event=event,
            object_label=_object_label(event, names),
            object_url=links.url(event.object_type, event.object_id),
            changes=_changes(event, names),
        )
        for event in events
    ]


def field_label(name: str) -> str:
    """Return the translated label of an audited field, or its name."""
    label = FIELD_LABELS.get(name)
    if label is not None:
        return str(label)
    match = _SLA_TARGET_FIELD.match(name)
    if match and match["kind"] in ("first_response", "resolution"):
        priority = next(
            (
                label
                for key, label in PRIORITY_LABELS.items()
                if key == match["priority"]
            ),
            match["priority"],
        )
        if match["kind"] == "first_response":
            return _("SLA first response, priority %(priority)s", priority=priority)
        return _("SLA resolution, priority %(priority)s", priority=priority)
    return name


def format_value(
    object_type: str, name: str, value: Any, names: dict[tuple[str, int], str]
) -> str:
    """Format one audited value for people: names for ids, local times, labels."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    table = REFERENCE_FIELDS.get(name)
    if table is not None:
        return _reference_text(table, value, names)
    labels = _VALUE_LABELS.get((object_type, name)) or _VALUE_LABELS.get((None, name))
    if labels is not None and isinstance(value, str):
        label = next((text for key, text in labels.items() if key == value), value)
        return str(label)
    if isinstance(value, int) and name.endswith("minutes"):
        return format_duration(value)
    if isinstance(value, str):
        return _date_text(name, value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _reference_text(table: str, value: Any, names: dict[tuple[str, int], str]) -> str:
    items = value if isinstance(value, list) else [value]
    texts = []
    for item in items:
        name = names.get((table, item)) if isinstance(item, int) else None
        texts.append(f"{name} (#{item})" if name else f"#{item}")
    return ", ".join(texts) if texts else EMPTY


def _date_text(name: str, value: str) -> str:
    try:
        if name.endswith("_at"):
            return format_timestamp(datetime.fromisoformat(value))
        if name in DATE_FIELDS:
            return format_day(date.fromisoformat(value))
    except ValueError:
        pass
    return value


def _changes(event: AuditEvent, names: dict[tuple[str, int], str]) -> list[FieldChange]:
    """List the fields of before and after; a missing side (creation or
    deletion) stays None, while a stored null shows as the empty value."""
    before = event.before or {}
    after = event.after or {}
    keys = [*after, *(key for key in before if key not in after)]
    changes = []
    for key in keys:
        old = None
        if event.before is not None:
            old = format_value(event.object_type, key, before.get(key), names)
        new = None
        if event.after is not None:
            new = format_value(event.object_type, key, after.get(key), names)
        changes.append(FieldChange(label=field_label(key), before=old, after=new))
    return changes


def _object_label(event: AuditEvent, names: dict[tuple[str, int], str]) -> str:
    name = names.get((event.object_type, event.object_id))
    type_label = object_type_label(event.object_type)
    if name:
        return f"{type_label} {name} (#{event.object_id})"
    return f"{type_label} #{event.object_id}"


@dataclass(frozen=True)
class _ObjectLinks:
    ticket_keys: dict[int, str]
    contract_customers: dict[int, int]

    def url(self, object_type: str, object_id: int) -> str | None:
        """Return the page of an audited object, or None when it has none."""
        simple = {
            "users": ("admin.user", "user_id"),
            "customers": ("admin.customer", "customer_id"),
            "teams": ("admin.team", "team_id"),
            "activity_types": ("admin.activity_type", "activity_id"),
            "categories": ("admin.category", "category_id"),
            "tickets": ("admin.ticket", "ticket_id"),
            "statements": ("accounts.statement", "statement_id"),
        }
        if object_type in simple:
            endpoint, argument = simple[object_type]
            return url_for(endpoint, **{argument: object_id})
        if object_type == "contracts" and object_id in self.contract_customers:
            customer_id = self.contract_customers[object_id]
            return url_for(
                "admin.contract", customer_id=customer_id, contract_id=object_id
            )
        if object_type == "time_entries" and object_id in self.ticket_keys:
            key = self.ticket_keys[object_id]
            return url_for("agent.ticket", key=key, _anchor=f"entry-{object_id}")
        return None
