"""Notifications to an agent about their resources: rejected, approval reversed.

They are Notification rows like those about time entries
(portal.services.notifications), with kinds of their own. The payload keeps
the values, never a rendered text, so each reader gets the message in their
own language. notifications.describe() passes these kinds to describe() here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.extensions import db
from portal.i18n import format_day
from portal.models import Notification, ResourceEntry, User
from portal.services.billing_rules.lines import ResourceKind
from portal.services.notifications import NotificationText, notify
from portal.services.resources import quantity_label, resource_payload

RESOURCES_REJECTED = "resources_rejected"
RESOURCE_APPROVAL_REVERSED = "resource_approval_reversed"
KINDS = (RESOURCES_REJECTED, RESOURCE_APPROVAL_REVERSED)


def notify_resources_rejected(
    actor: User, resources: Sequence[ResourceEntry], reason: str
) -> list[Notification]:
    """Tell each agent which of their resources actor rejected, one row per agent."""
    by_agent: dict[int, list[ResourceEntry]] = defaultdict(list)
    for resource in resources:
        by_agent[resource.agent_id].append(resource)

    created = []
    for agent_id, agent_resources in by_agent.items():
        payload = {
            "actor": actor.name,
            "reason": reason,
            "resources": [_payload(resource) for resource in agent_resources],
        }
        first = agent_resources[0] if len(agent_resources) == 1 else None
        created.append(notify(agent_id, RESOURCES_REJECTED, payload, first))
    db.session.flush()
    return created


def notify_resource_approval_reversed(
    actor: User, resource: ResourceEntry, reason: str
) -> Notification:
    """Tell the resource's agent that actor reversed its approval, and why."""
    payload = {"actor": actor.name, "reason": reason, "resource": _payload(resource)}
    notification = notify(
        resource.agent_id, RESOURCE_APPROVAL_REVERSED, payload, resource
    )
    db.session.flush()
    return notification


def _payload(resource: ResourceEntry) -> dict[str, Any]:
    return resource_payload(resource)


def describe(kind: str, payload: dict[str, Any]) -> NotificationText:
    """Render a resource notification in the current language."""
    reason = _("Reason: %(reason)s", reason=payload.get("reason", ""))
    if kind == RESOURCE_APPROVAL_REVERSED:
        resource = payload.get("resource") or {}
        title = _(
            "%(name)s reversed the approval of your resource (%(what)s, %(day)s) "
            "on ticket %(key)s. It is waiting for approval again.",
            name=payload.get("actor", ""),
            what=_what(resource),
            day=_day(resource),
            key=resource.get("ticket_key", ""),
        )
        return NotificationText(title, reason, *_link(resource))

    resources = payload.get("resources") or []
    if len(resources) == 1:
        resource = resources[0]
        title = _(
            "%(name)s rejected your resource (%(what)s, %(day)s) on ticket %(key)s.",
            name=payload.get("actor", ""),
            what=_what(resource),
            day=_day(resource),
            key=resource.get("ticket_key", ""),
        )
        return NotificationText(title, reason, *_link(resource))

    title = ngettext(
        "%(name)s rejected %(num)d of your resources.",
        "%(name)s rejected %(num)d of your resources.",
        len(resources),
        name=payload.get("actor", ""),
    )
    tickets = {resource.get("ticket_key") for resource in resources}
    if len(tickets) == 1 and resources:
        return NotificationText(title, reason, *_link(resources[0]))
    return NotificationText(title, reason, None, {})


def _what(resource: dict[str, Any]) -> str:
    try:
        kind = ResourceKind(resource.get("kind"))
        quantity = Decimal(resource.get("quantity", ""))
    except (ValueError, ArithmeticError):
        return ""
    return quantity_label(kind, quantity)


def _day(resource: dict[str, Any]) -> str:
    text = resource.get("work_date")
    return format_day(date.fromisoformat(text)) if text else ""


def _link(resource: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    values = {
        "key": resource.get("ticket_key", ""),
        "_anchor": f"resource-{resource.get('id')}",
    }
    return "agent.ticket", values
