"""Forms of the approval queue: the filter, the decisions and "Approve all"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal.models import Customer, User
from portal.services.approvals import MAX_REASON_LENGTH, QueueFilter


def parse_entry_versions(text: str) -> dict[int, int]:
    """Parse "12:3,15:1" (entry id:version pairs) into {12: 3, 15: 1}.

    Raises ValueError for anything else, including an empty text.
    """
    versions: dict[int, int] = {}
    for pair in text.split(","):
        entry_id, _sep, version = pair.strip().partition(":")
        if not (entry_id.isdigit() and version.isdigit()):
            raise ValueError(f"invalid entry version pair {pair!r}")
        versions[int(entry_id)] = int(version)
    return versions


def format_entry_versions(versions: Mapping[int, int]) -> str:
    """Format {12: 3, 15: 1} as "12:3,15:1", the value parse_entry_versions reads."""
    return ",".join(f"{entry_id}:{version}" for entry_id, version in versions.items())


def queue_filter_from_args(args: Mapping[str, str]) -> QueueFilter:
    """Read the queue filter from query arguments, ignoring invalid values.

    Decision requests carry the filter only to render the group as the page
    shows it, so a bad value there is not worth an error.
    """
    agent = args.get("agent", "")
    customer = args.get("customer", "")
    return QueueFilter(
        agent_id=int(agent) if agent.isdigit() else None,
        customer_id=int(customer) if customer.isdigit() else None,
    )


def queue_filter_args(filters: QueueFilter) -> dict[str, int]:
    """Return the query arguments that reproduce filters, for url_for."""
    args = {}
    if filters.agent_id is not None:
        args["agent"] = filters.agent_id
    if filters.customer_id is not None:
        args["customer"] = filters.customer_id
    return args


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class QueueFilterForm(FlaskForm):
    """The GET form that narrows the queue to one agent or one customer."""

    class Meta:
        csrf = False

    # The choices are checked in validate_agent and validate_customer, which give
    # a clearer message than WTForms' "Not a valid choice".
    agent = SelectField(_l("Agent"), validate_choice=False)
    customer = SelectField(_l("Customer"), validate_choice=False)

    def __init__(
        self, args: MultiDict, agents: Iterable[User], customers: Iterable[Customer]
    ) -> None:
        super().__init__(formdata=args)
        self.agent.choices = [("", _l("All agents"))] + [
            (str(user.id), user.name) for user in agents
        ]
        self.customer.choices = [("", _l("All customers"))] + [
            (str(customer.id), customer.name) for customer in customers
        ]

    def validate_agent(self, field: Field) -> None:
        if not _is_choice(field):
            raise ValidationError(_l("Choose an agent from the list."))

    def validate_customer(self, field: Field) -> None:
        if not _is_choice(field):
            raise ValidationError(_l("Choose a customer from the list."))

    def queue_filter(self) -> QueueFilter:
        """Return the filter the valid form selects."""
        return QueueFilter(
            agent_id=int(self.agent.data) if self.agent.data else None,
            customer_id=int(self.customer.data) if self.customer.data else None,
        )


def _is_choice(field: SelectField) -> bool:
    value = field.data or ""
    return value == "" or any(value == choice for choice, _label in field.choices)


class ApproveForm(FlaskForm):
    """The Approve button of one entry."""

    # The version the approver was shown. The service raises DomainError when
    # the entry has changed since.
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class RejectForm(FlaskForm):
    """The inline form for the reason of a rejection.

    Build it with prefix=reject_form_prefix(entry_id) so that the ids stay unique
    when several rows of the queue have the form open.
    """

    reason = TextAreaField(
        _l("Reason for the rejection"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the reason for the rejection.")),
            Length(
                max=MAX_REASON_LENGTH,
                message=_l("The reason can be at most %(max)d characters long."),
            ),
        ],
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


def reject_form_prefix(entry_id: int) -> str:
    return f"reject-{entry_id}"


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
