"""Resources besides time: kilometres, materials and call-outs logged on a ticket.

An agent logs a resource as a draft, may change or delete it while
`ResourceEntry.is_editable` is true, and submits it for the same approval as
time entries (portal.services.resource_approvals). Every change writes one
audit row, and every add, change, delete or submit of a resource dated in a
closed month is rejected by month_close.check_month_open.

Quantities and unit prices are Decimal with at most two decimals. The forms
accept both "12,5" and "12.5", because Italian users type a decimal comma.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_number
from portal.models import EntryStatus, ResourceEntry, Statement, Ticket, User
from portal.models.types import utcnow
from portal.services.audit import changed_fields, record_event, snapshot
from portal.services.billing_rules.lines import ResourceKind
from portal.services.entries import (
    MAX_CLIENT_TOKEN_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    MAX_INTERNAL_NOTE_LENGTH,
    EntryDataError,
    _check_not_before_opening,
    check_entry_month_open,
    check_work_date,
    clean_text,
    is_blank,
)
from portal.services.month_close import check_month_open, check_months_open

logger = logging.getLogger(__name__)

# ResourceEntry.quantity and unit_price are NUMERIC(12, 2).
DECIMAL_PLACES = 2
MAX_AMOUNT = Decimal("9999999999.99")
_CENT = Decimal("0.01")
# Digits with at most one decimal separator, either "," or ".".
_DECIMAL_TEXT = re.compile(r"^(\d+)(?:[.,](\d*))?$", re.ASCII)
# A minus sign before such a number, to name the error of a negative value.
_NEGATIVE_TEXT = re.compile(r"^-\d+(?:[.,]\d*)?$", re.ASCII)

# The largest quantity of one entry per kind and the largest unit price.
# They catch typing errors (an extra zero or a misplaced separator) long
# before the column limit, so such values are rejected instead of billed.
# NOTE: the limits are a business choice with no contract field behind them.
MAX_QUANTITY = {
    ResourceKind.MILEAGE: Decimal(5000),
    ResourceKind.MATERIAL: Decimal(100000),
    ResourceKind.CALL_OUT: Decimal(10),
}
MAX_UNIT_PRICE = Decimal(1000000)

KIND_LABELS = {
    ResourceKind.MILEAGE: _l("Kilometres"),
    ResourceKind.MATERIAL: _l("Material"),
    ResourceKind.CALL_OUT: _l("Call-out"),
}
# The unit of each kind's quantity, as a column of the customer's export.
UNIT_LABELS = {
    ResourceKind.MILEAGE: _l("km"),
    ResourceKind.MATERIAL: _l("units"),
    ResourceKind.CALL_OUT: _l("visits"),
}
# The order of the kinds in the form's select.
FORM_KINDS = (ResourceKind.MILEAGE, ResourceKind.MATERIAL, ResourceKind.CALL_OUT)

# The columns an agent's form sets. Update audit rows record those that changed.
EDITABLE_FIELDS = [
    "work_date",
    "kind",
    "quantity",
    "description",
    "unit_price",
    "internal_note",
]
# Create and delete audit rows record the whole resource.
RESOURCE_FIELDS = ["ticket_id", "agent_id", *EDITABLE_FIELDS, "is_billable", "status"]
SUBMISSION_FIELDS = [
    "status",
    "submitted_at",
    "decided_by_id",
    "decided_at",
    "rejection_reason",
]
SUBMITTABLE = frozenset({EntryStatus.DRAFT, EntryStatus.REJECTED})


@dataclass(frozen=True)
class ResourceData:
    """The values an agent types for one resource, already parsed.

    client_token is the random token of the form that sent them: a retried
    post with the same token returns the resource the first post created.
    """

    kind: ResourceKind
    quantity: Decimal
    work_date: date
    description: str = ""
    unit_price: Decimal | None = None
    internal_note: str = ""
    client_token: str | None = None


# --- Labels ------------------------------------------------------------------


def kind_label(kind: ResourceKind) -> str:
    return str(KIND_LABELS[kind])


def unit_label(kind: ResourceKind) -> str:
    return str(UNIT_LABELS[kind])


def quantity_label(
    kind: ResourceKind, quantity: Decimal, language: str | None = None
) -> str:
    """Format a quantity with its unit: "12,5 km", "3 units", "1 visit"."""
    number = format_number(quantity, language)
    # gettext chooses the plural form from a whole number. In English and
    # Italian only exactly 1 takes the singular, so 1.5 units are plural.
    plural_count = 1 if quantity == 1 else 2
    if kind == ResourceKind.MILEAGE:
        return _("%(quantity)s km", quantity=number)
    if kind == ResourceKind.MATERIAL:
        return ngettext(
            "%(quantity)s unit", "%(quantity)s units", plural_count, quantity=number
        )
    return ngettext(
        "%(quantity)s visit", "%(quantity)s visits", plural_count, quantity=number
    )


# --- Parsing typed numbers ---------------------------------------------------


class DecimalInputError(ValueError):
    """A typed number that is not a non-negative amount with two decimals at most.

    is_negative is true for a number with a minus sign, so forms can say the
    value must be positive instead of asking for a number.
    """

    def __init__(
        self, text: str, too_many_decimals: bool = False, is_negative: bool = False
    ) -> None:
        super().__init__(f"invalid decimal input {text[:40]!r}")
        self.too_many_decimals = too_many_decimals
        self.is_negative = is_negative


def parse_decimal_input(text: str) -> Decimal:
    """Read a non-negative number typed as "12,5" or "12.5" into a Decimal.

    Thousands separators are rejected rather than guessed, because "1.234" is
    1234 in Italian but 1.234 in English. Raises DecimalInputError for
    anything that is not digits with at most one decimal separator, or with
    more than two decimals.
    """
    cleaned = text.strip().replace(" ", "")
    match = _DECIMAL_TEXT.match(cleaned)
    if match is None:
        is_negative = _NEGATIVE_TEXT.match(cleaned) is not None
        raise DecimalInputError(text, is_negative=is_negative)
    whole, decimals = match.group(1), match.group(2) or ""
    if len(decimals) > DECIMAL_PLACES:
        raise DecimalInputError(text, too_many_decimals=True)
    try:
        return Decimal(f"{whole}.{decimals or '0'}")
    except InvalidOperation as error:
        raise DecimalInputError(text) from error


# --- Validation --------------------------------------------------------------


def check_resource_data(actor: User, ticket: Ticket, data: ResourceData) -> None:
    """Raise EntryDataError, with the form field it belongs to, for invalid data."""
    check_work_date(actor, data.work_date)
    # NOTE: a private helper of the time entries, called so that resources
    # follow their opening-date rule instead of a copy of it.
    _check_not_before_opening(actor, ticket, data.work_date)
    if data.kind not in KIND_LABELS:
        raise EntryDataError("kind", _("Choose a kind of resource from the list."))
    _check_quantity(data.kind, data.quantity)
    _check_unit_price(data.kind, data.unit_price)
    _check_texts(data)


def _check_quantity(kind: ResourceKind, quantity: Decimal) -> None:
    if not quantity > 0:
        raise EntryDataError("quantity", _("The quantity must be greater than zero."))
    # The maximum first: quantize() fails on numbers beyond Decimal's precision.
    if quantity > MAX_AMOUNT:
        raise EntryDataError(
            "quantity",
            _(
                "The quantity can be at most %(max)s.",
                max=format_number(MAX_AMOUNT),
            ),
        )
    if quantity != quantity.quantize(_CENT):
        raise EntryDataError(
            "quantity", _("Enter the quantity with at most two decimals.")
        )
    if kind == ResourceKind.CALL_OUT and quantity != quantity.to_integral_value():
        raise EntryDataError(
            "quantity", _("Enter the call-outs as a whole number of visits.")
        )
    if kind in MAX_QUANTITY and quantity > MAX_QUANTITY[kind]:
        raise EntryDataError("quantity", _quantity_limit_message(kind))


def _quantity_limit_message(kind: ResourceKind) -> str:
    limit = format_number(MAX_QUANTITY[kind])
    if kind == ResourceKind.MILEAGE:
        return _(
            "One entry can have at most %(max)s km. Check the number, or log a "
            "longer trip as several entries.",
            max=limit,
        )
    if kind == ResourceKind.CALL_OUT:
        return _("One entry can have at most %(max)s call-out visits.", max=limit)
    return _("One entry can have at most %(max)s units of material.", max=limit)


def _check_unit_price(kind: ResourceKind, unit_price: Decimal | None) -> None:
    if kind != ResourceKind.MATERIAL:
        return
    if unit_price is None:
        raise EntryDataError("unit_price", _("Enter the unit price of the material."))
    if unit_price < 0:
        raise EntryDataError("unit_price", _("The unit price cannot be negative."))
    # The maximum first: quantize() fails on numbers beyond Decimal's precision.
    if unit_price > MAX_UNIT_PRICE:
        raise EntryDataError(
            "unit_price",
            _(
                "The unit price can be at most %(max)s.",
                max=format_number(MAX_UNIT_PRICE),
            ),
        )
    if unit_price != unit_price.quantize(_CENT):
        raise EntryDataError(
            "unit_price", _("Enter the unit price with at most two decimals.")
        )


def _check_texts(data: ResourceData) -> None:
    if data.kind == ResourceKind.MATERIAL and is_blank(data.description):
        raise EntryDataError(
            "description", _("Describe the material, as the customer will see it.")
        )
    if len(data.description) > MAX_DESCRIPTION_LENGTH:
        raise EntryDataError(
            "description",
            _(
                "The description can be at most %(count)s characters long.",
                count=MAX_DESCRIPTION_LENGTH,
            ),
        )
    if len(data.internal_note) > MAX_INTERNAL_NOTE_LENGTH:
        raise EntryDataError(
            "internal_note",
            _(
                "The internal note can be at most %(count)s characters long.",
                count=MAX_INTERNAL_NOTE_LENGTH,
            ),
        )


# --- Logging and changing resources ------------------------------------------


def create_resource(actor: User, ticket: Ticket, data: ResourceData) -> ResourceEntry:
    """Log a draft resource for actor on ticket and audit it.

    A repeated client token returns the resource logged with it before.
    """
    resource, _is_repeat = create_resource_once(actor, ticket, data)
    return resource


def create_resource_once(
    actor: User, ticket: Ticket, data: ResourceData
) -> tuple[ResourceEntry, bool]:
    """Log a draft resource unless data.client_token already logged one.

    Return the resource and whether an earlier post logged it. When two posts
    with the same token race, the unique constraint on (agent_id,
    client_token) rejects the second INSERT and rolls back the transaction, so
    with a token this must be the transaction's first write.
    """
    if data.client_token is not None:
        _check_client_token(data.client_token)
        earlier = _resource_with_token(actor, ticket, data.client_token)
        if earlier is not None:
            return earlier, True
    check_resource_data(actor, ticket, data)
    check_entry_month_open(actor, data.work_date)

    resource = ResourceEntry(
        ticket_id=ticket.id,
        agent_id=actor.id,
        status=EntryStatus.DRAFT,
        is_billable=True,
        client_token=data.client_token,
    )
    _apply(resource, data)
    db.session.add(resource)
    try:
        db.session.flush()
    except IntegrityError:
        if data.client_token is None:
            raise
        return _resource_logged_concurrently(actor, ticket, data.client_token), True

    record_event(actor, "created", resource, None, snapshot(resource, RESOURCE_FIELDS))
    return resource, False


def _check_client_token(token: str) -> None:
    if not token or len(token) > MAX_CLIENT_TOKEN_LENGTH:
        logger.warning("client token of %s characters rejected", len(token))
        raise DomainError(_("The form is invalid. Reload the page and try again."), 400)


def _resource_with_token(
    actor: User, ticket: Ticket, token: str
) -> ResourceEntry | None:
    query = sa.select(ResourceEntry).where(
        ResourceEntry.agent_id == actor.id, ResourceEntry.client_token == token
    )
    resource = db.session.scalar(query)
    if resource is None:
        return None
    if resource.ticket_id != ticket.id:
        logger.warning(
            "client token of resource %s on ticket %s sent again for ticket %s",
            resource.id,
            resource.ticket_id,
            ticket.id,
        )
        raise DomainError(
            _(
                "This form has already been used to log a resource on another "
                "ticket. Reload the page and log the resource again."
            )
        )
    logger.info("resource %s already logged with this client token", resource.id)
    return resource


def _resource_logged_concurrently(
    actor: User, ticket: Ticket, token: str
) -> ResourceEntry:
    # The failed flush leaves the session unusable until the rollback.
    db.session.rollback()
    logger.info(
        "concurrent post of agent %s on ticket %s hit the resource client token",
        actor.id,
        ticket.id,
    )
    resource = _resource_with_token(actor, ticket, token)
    if resource is None:
        raise RuntimeError(f"client token clash of agent {actor.id} left no resource")
    return resource


def update_resource(
    actor: User,
    resource: ResourceEntry,
    data: ResourceData,
    expected_version: int | None = None,
) -> ResourceEntry:
    """Change an editable resource of actor's and audit the changed fields.

    The status stays as it was. When expected_version differs from the stored
    version, someone changed the resource after the form was loaded, so
    StaleDataError is raised, which the app turns into a 409 response.
    """
    ensure_editable(actor, resource)
    _check_version(resource, expected_version)
    check_entry_month_open(actor, resource.work_date)
    check_resource_data(actor, resource.ticket, data)
    check_entry_month_open(actor, data.work_date)

    before = snapshot(resource, EDITABLE_FIELDS)
    _apply(resource, data)
    before, after = changed_fields(before, snapshot(resource, EDITABLE_FIELDS))
    if not after:
        return resource

    db.session.flush()
    record_event(actor, "updated", resource, before, after)
    return resource


def delete_resource(
    actor: User, resource: ResourceEntry, expected_version: int | None = None
) -> None:
    """Delete an editable resource of actor's, keeping its values in the audit row."""
    ensure_editable(actor, resource)
    _check_version(resource, expected_version)
    check_month_open(actor, resource.work_date)

    record_event(actor, "deleted", resource, snapshot(resource, RESOURCE_FIELDS), None)
    db.session.delete(resource)
    db.session.flush()


def submit_resources(actor: User, resources: Sequence[ResourceEntry]) -> int:
    """Submit actor's draft or rejected resources for approval; return how many.

    The whole batch is checked first, so one resource that cannot be submitted
    leaves all of them as they were.
    """
    for resource in resources:
        _ensure_submittable(actor, resource)
    check_months_open(actor, [resource.work_date for resource in resources])

    now = utcnow()
    for resource in resources:
        before = snapshot(resource, SUBMISSION_FIELDS)
        resource.status = EntryStatus.SUBMITTED
        resource.submitted_at = now
        resource.decided_by_id = None
        resource.decided_at = None
        resource.rejection_reason = None
        before, after = changed_fields(before, snapshot(resource, SUBMISSION_FIELDS))
        record_event(actor, "submitted", resource, before, after)

    db.session.flush()
    return len(resources)


def submit_ticket_resource_drafts(actor: User, ticket: Ticket) -> int:
    """Submit every draft resource of actor's on ticket and return how many."""
    query = sa.select(ResourceEntry).where(
        ResourceEntry.agent_id == actor.id,
        ResourceEntry.ticket_id == ticket.id,
        ResourceEntry.status == EntryStatus.DRAFT,
        ResourceEntry.statement_id.is_(None),
    )
    drafts = list(db.session.scalars(query.order_by(ResourceEntry.id)))
    return submit_resources(actor, drafts)


def ensure_editable(actor: User, resource: ResourceEntry) -> None:
    """Raise DomainError unless actor logged resource and may still change it."""
    if resource.agent_id != actor.id:
        logger.info(
            "user %s may not change resource %s of agent %s",
            actor.id,
            resource.id,
            resource.agent_id,
        )
        raise DomainError(
            _("Only the agent who logged this resource can change it."), 403
        )
    if resource.is_billed:
        raise DomainError(
            _("This resource is on an issued statement and can no longer be changed.")
        )
    if not resource.is_editable:
        raise DomainError(
            _("This resource has been approved and can no longer be changed.")
        )


def _ensure_submittable(actor: User, resource: ResourceEntry) -> None:
    ensure_editable(actor, resource)
    if resource.status not in SUBMITTABLE:
        raise DomainError(_("This resource has already been submitted for approval."))


def _check_version(resource: ResourceEntry, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != resource.version:
        raise StaleDataError(
            f"resource {resource.id} is at version {resource.version}, "
            f"the form was loaded at version {expected_version}"
        )


def _apply(resource: ResourceEntry, data: ResourceData) -> None:
    resource.kind = data.kind
    resource.work_date = data.work_date
    resource.quantity = data.quantity.quantize(_CENT)
    resource.description = clean_text(data.description).strip()
    # Only materials carry a price: the contract prices kilometres and call-outs.
    if data.kind == ResourceKind.MATERIAL and data.unit_price is not None:
        resource.unit_price = data.unit_price.quantize(_CENT)
    else:
        resource.unit_price = None
    resource.internal_note = clean_text(data.internal_note).strip()


# --- Reading -----------------------------------------------------------------


def _with_details(query: sa.Select) -> sa.Select:
    return query.options(
        joinedload(ResourceEntry.ticket),
        joinedload(ResourceEntry.statement).load_only(Statement.id, Statement.number),
        joinedload(ResourceEntry.decided_by).load_only(User.id, User.name),
    )


def agent_ticket_resources(actor: User, ticket: Ticket) -> list[ResourceEntry]:
    """Return actor's resources on ticket, newest work date first, in one query."""
    query = _with_details(
        sa.select(ResourceEntry).where(
            ResourceEntry.ticket_id == ticket.id, ResourceEntry.agent_id == actor.id
        )
    ).order_by(ResourceEntry.work_date.desc(), ResourceEntry.id.desc())
    return list(db.session.scalars(query))


def find_resource(resource_id: int) -> ResourceEntry | None:
    """Return the resource with its ticket, statement and decider, or None."""
    query = _with_details(
        sa.select(ResourceEntry).where(ResourceEntry.id == resource_id)
    )
    return db.session.scalar(query)


def resource_payload(resource: ResourceEntry) -> dict[str, Any]:
    """Return the values a notification keeps about a resource, as JSON types."""
    return {
        "id": resource.id,
        "ticket_key": resource.ticket.key,
        "work_date": resource.work_date.isoformat(),
        "kind": resource.kind.value,
        "quantity": str(resource.quantity),
    }
