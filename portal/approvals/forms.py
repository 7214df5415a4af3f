"""Forms of the approval queue: the filter, the decisions, the selection, reversal."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal.models import Customer, EntryStatus, Team, User
from portal.services.approval_queue import (
    REVIEW_STATUSES,
    QueueFilter,
    QueueSort,
    week_start_of,
)
from portal.services.approvals import MAX_REASON_LENGTH, Decision

ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

STATUS_LABELS = {
    EntryStatus.SUBMITTED: _l("Waiting for approval"),
    EntryStatus.APPROVED: _l("Approved"),
    EntryStatus.REJECTED: _l("Rejected"),
}
SORT_LABELS = {
    QueueSort.DATE: _l("Date"),
    QueueSort.SIZE: _l("Size, longest first"),
}


def parse_entry_versions(text: str) -> dict[int, int]:
    """Parse "12:3,15:1" (entry id:version pairs) into {12: 3, 15: 1}.

    Raises ValueError for anything else, including an empty text.
    """
    return parse_version_pairs(text.split(","))


def parse_version_pairs(pairs: Iterable[str]) -> dict[int, int]:
    """Parse "id:version" texts into {id: version}; raise ValueError for others."""
    versions: dict[int, int] = {}
    for pair in pairs:
        entry_id, _sep, version = pair.strip().partition(":")
        if not (entry_id.isdigit() and version.isdigit()):
            raise ValueError(f"invalid entry version pair {pair!r}")
        versions[int(entry_id)] = int(version)
    if not versions:
        raise ValueError("no entry version pairs")
    return versions


def format_entry_versions(versions: Mapping[int, int]) -> str:
    """Format {12: 3, 15: 1} as "12:3,15:1", the value parse_entry_versions reads."""
    return ",".join(f"{entry_id}:{version}" for entry_id, version in versions.items())


def parse_week(text: str) -> date:
    """Return the Monday of a week given as a date (2026-11-11) or ISO week (2026-W46).

    Raises ValueError for any other text.
    """
    text = text.strip()
    match = ISO_WEEK.match(text)
    if match:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    return week_start_of(date.fromisoformat(text))


def queue_filter_from_args(args: Mapping[str, str]) -> QueueFilter:
    """Read the queue filter from query arguments, ignoring invalid values.

    Decision requests carry the filter only to render the queue as the page
    shows it, so a bad value there is not worth an error.
    """

    def number(name: str) -> int | None:
        value = args.get(name, "")
        return int(value) if value.isdigit() else None

    try:
        week_start = parse_week(args["week"]) if args.get("week") else None
    except ValueError:
        week_start = None
    status = args.get("status", "")
    sort = args.get("sort", "")
    return QueueFilter(
        team_id=number("team"),
        agent_id=number("agent"),
        customer_id=number("customer"),
        week_start=week_start,
        status=EntryStatus(status)
        if status in _status_values()
        else EntryStatus.SUBMITTED,
        sort=QueueSort(sort) if sort in set(QueueSort) else QueueSort.DATE,
    )


def queue_filter_args(filters: QueueFilter) -> dict[str, str]:
    """Return the query arguments that reproduce filters, for url_for."""
    args = {}
    if filters.team_id is not None:
        args["team"] = str(filters.team_id)
    if filters.agent_id is not None:
        args["agent"] = str(filters.agent_id)
    if filters.customer_id is not None:
        args["customer"] = str(filters.customer_id)
    if filters.week_start is not None:
        args["week"] = filters.week_start.isoformat()
    if filters.status != EntryStatus.SUBMITTED:
        args["status"] = filters.status.value
    if filters.sort != QueueSort.DATE:
        args["sort"] = filters.sort.value
    return args


def _status_values() -> set[str]:
    return {status.value for status in REVIEW_STATUSES}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class QueueFilterForm(FlaskForm):
    """The GET form that narrows and orders the queue."""

    class Meta:
        csrf = False

    # The choices are checked in the validate_ methods, which give a clearer
    # message than WTForms' "Not a valid choice".
    team = SelectField(_l("Team"), validate_choice=False)
    agent = SelectField(_l("Agent"), validate_choice=False)
    customer = SelectField(_l("Customer"), validate_choice=False)
    week = StringField(_l("Week of"), filters=[_strip])
    status = SelectField(_l("Status"), validate_choice=False)
    sort = SelectField(_l("Sort by"), validate_choice=False)

    def __init__(
        self,
        args: MultiDict,
        teams: Iterable[Team],
        agents: Iterable[User],
        customers: Iterable[Customer],
    ) -> None:
        super().__init__(formdata=args)
        self.team.choices = [SelectChoice("", _l("All teams"))] + [
            SelectChoice(str(team.id), team.name) for team in teams
        ]
        self.agent.choices = [SelectChoice("", _l("All agents"))] + [
            SelectChoice(str(user.id), user.name) for user in agents
        ]
        self.customer.choices = [SelectChoice("", _l("All customers"))] + [
            SelectChoice(str(customer.id), customer.name) for customer in customers
        ]
        self.status.choices = [
            SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()
        ]
        self.sort.choices = [
            SelectChoice(sort.value, label) for sort, label in SORT_LABELS.items()
        ]

    def validate_team(self, field: Field) -> None:
        if not _is_choice(field):
            raise ValidationError(_l("Choose a team from the list."))

    def validate_agent(self, field: Field) -> None:
        if not _is_choice(field):
            raise ValidationError(_l("Choose an agent from the list."))

    def validate_customer(self, field: Field) -> None:
        if not _is_choice(field):
            raise ValidationError(_l("Choose a customer from the list."))

    def validate_week(self, field: Field) -> None:
        if not field.data:
            return
        try:
            field.data = parse_week(field.data).isoformat()
        except ValueError as error:
            raise ValidationError(
                _l("Enter the week as a date, e.g. 2026-11-09.")
            ) from error

    def validate_status(self, field: Field) -> None:
        if field.data and field.data not in _status_values():
            raise ValidationError(_l("Choose a status from the list."))

    def validate_sort(self, field: Field) -> None:
        if field.data and field.data not in set(QueueSort):
            raise ValidationError(_l("Choose an order from the list."))

    def queue_filter(self) -> QueueFilter:
        """Return the filter the valid form selects."""
        return QueueFilter(
            team_id=int(self.team.data) if self.team.data else None,
            agent_id=int(self.agent.data) if self.agent.data else None,
            customer_id=int(self.customer.data) if self.customer.data else None,
            week_start=date.fromisoformat(self.week.data) if self.week.data else None,
            status=EntryStatus(self.status.data or EntryStatus.SUBMITTED),
            sort=QueueSort(self.sort.data or QueueSort.DATE),
        )


def _is_choice(field: SelectField) -> bool:
    value = field.data or ""
    return value == "" or any(value == choice.value for choice in field.choices)


class ApproveForm(FlaskForm):
    """The Approve button of one entry."""

    # The version the approver was shown. The service raises DomainError when
    # the entry has changed since.
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


def _reason_field(label, required_message) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[_strip],
        validators=[
            DataRequired(required_message),
            Length(
                max=MAX_REASON_LENGTH,
                message=_l("The reason can be at most %(max)d characters long."),
            ),
        ],
    )


class RejectForm(FlaskForm):
    """The inline form for the reason of a rejection.

    Build it with prefix=reject_form_prefix(entry_id) so that the ids stay unique
    when several rows of the queue have the form open.
    """

    reason = _reason_field(
        _l("Reason for the rejection"), _l("Enter the reason for the rejection.")
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


def reject_form_prefix(entry_id: int) -> str:
    return f"reject-{entry_id}"


class ReverseForm(FlaskForm):
    """The inline form that reverses an approval, with the reason for the agent.

    Build it with prefix=reverse_form_prefix(entry_id).
    """

    reason = _reason_field(
        _l("Reason for reversing the approval"),
        _l("Enter the reason for reversing the approval."),
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


def reverse_form_prefix(entry_id: int) -> str:
    return f"reverse-{entry_id}"


class GroupApprovalForm(FlaskForm):
    """The "Approve all" button of one agent's week."""

    # The entries the approver was shown, as id:version pairs. Absent means
    # every submitted entry of the group.
    entries = HiddenField()

    def validate_entries(self, field: Field) -> None:
        if field.data:
            try:
                parse_entry_versions(field.data)
            except ValueError as error:
                raise ValidationError(str(error)) from error

    def entry_versions(self) -> dict[int, int] | None:
        """Return the entry versions sent, or None when the field was empty."""
        return parse_entry_versions(self.entries.data) if self.entries.data else None


class SelectionForm(FlaskForm):
    """ "Approve selected" and "Reject selected" over the checked rows of the queue.

    The checkboxes sit in the rows, outside the form element, and join it with
    the form="selection-form" attribute. Each sends "id:version".
    """

    reason = TextAreaField(
        _l("Reason, when rejecting the selected entries"),
        filters=[_strip],
        # No Optional(): it would stop the chain before validate_reason runs.
        validators=[
            Length(
                max=MAX_REASON_LENGTH,
                message=_l("The reason can be at most %(max)d characters long."),
            ),
        ],
    )
    # Set by the button pressed: "approve" or "reject".
    decision = StringField()
    selected = SelectMultipleField(validate_choice=False)

    def validate_decision(self, field: Field) -> None:
        if field.data not in set(Decision):
            raise ValidationError(f"invalid decision {field.data!r}")

    def validate_selected(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Select at least one entry."))
        try:
            parse_version_pairs(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_reason(self, field: Field) -> None:
        if self.decision.data == Decision.REJECT and not field.data:
            raise ValidationError(_l("Enter the reason for rejecting the entries."))

    @property
    def has_invalid_hidden_values(self) -> bool:
        """Whether the request was tampered with: the user cannot fix these."""
        if self.decision.errors:
            return True
        return bool(self.selected.data) and bool(self.selected.errors)

    def entry_versions(self) -> dict[int, int]:
        """Return the selected entries and the versions the approver saw."""
        return parse_version_pairs(self.selected.data or [])

    def selected_ids(self) -> set[int]:
        """Return the ids of the checked rows, ignoring invalid values."""
        ids = set()
        for value in self.selected.data or []:
            entry_id, _sep, _version = value.partition(":")
            if entry_id.isdigit():
                ids.add(int(entry_id))
        return ids
