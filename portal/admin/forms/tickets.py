"""Forms of the admin ticket pages: the list filter and the ticket form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.admin.fields import IdSelectField, LocalDateTimeField, strip
from portal.agent.labels import PRIORITY_LABELS, TICKET_STATUS_LABELS
from portal.i18n import current_language
from portal.models import Category, Contract, Customer, TicketPriority, TicketStatus
from portal.services.admin.contracts import contract_period
from portal.services.admin.tickets import TicketData, TicketFilter

MAX_QUERY_LENGTH = 100


def status_choices() -> list[SelectChoice]:
    return [
        SelectChoice(status.value, label)
        for status, label in TICKET_STATUS_LABELS.items()
    ]


class TicketFilterForm(FlaskForm):
    """Search, status and customer filters of the ticket list."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Ticket number or title"),
        filters=[strip],
        validators=[Optional(), Length(max=MAX_QUERY_LENGTH)],
        render_kw={"maxlength": MAX_QUERY_LENGTH},
    )
    status = SelectField(_l("Status"), validate_choice=False)
    customer = IdSelectField(
        _l("Customer"), invalid_message=_l("Choose a customer from the list.")
    )

    def __init__(self, *args, customers: list[Customer], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("All statuses")), *status_choices()]
        self.customer.choices = [
            SelectChoice("", _l("All customers")),
            *[SelectChoice(str(item.id), item.name) for item in customers],
        ]

    def validate_status(self, field: SelectField) -> None:
        if field.data and field.data not in {status.value for status in TicketStatus}:
            raise ValidationError(_l("Choose a status from the list."))

    def ticket_filter(self) -> TicketFilter:
        """Return the filter of a valid form."""
        return TicketFilter(
            query=self.q.data or "",
            status=TicketStatus(self.status.data) if self.status.data else None,
            customer_id=self.customer.data,
        )


class TicketForm(FlaskForm):
    """Status, priority, category, contract and SLA timestamps of one ticket.

    The timestamps are typed in the admin's time zone and stored in UTC. An
    empty contract bills each entry under the customer's contract valid on
    its work date.
    """

    status = SelectField(_l("Status"), choices=status_choices())
    priority = SelectField(
        _l("Priority"),
        choices=[
            SelectChoice(priority.value, label)
            for priority, label in PRIORITY_LABELS.items()
        ],
    )
    category_id = IdSelectField(
        _l("Category"), invalid_message=_l("Choose a category from the list.")
    )
    contract_id = IdSelectField(
        _l("Contract"),
        invalid_message=_l("Choose one of this customer's contracts."),
    )
    opened_at = LocalDateTimeField(
        _l("Opened"), validators=[InputRequired(_l("Enter when the ticket opened."))]
    )
    first_response_at = LocalDateTimeField(
        _l("First response"), validators=[Optional()]
    )
    resolved_at = LocalDateTimeField(_l("Resolved"), validators=[Optional()])

    def __init__(
        self,
        *args,
        categories: list[Category],
        contracts: list[Contract],
        current_contract: Contract | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        language = current_language()
        self.category_id.choices = [
            SelectChoice(str(item.id), _category_label(item, language))
            for item in categories
        ]
        self.contract_id.choices = [
            SelectChoice("", _default_contract_label(current_contract)),
            *[
                SelectChoice(str(item.id), f"{item.name} ({contract_period(item)})")
                for item in contracts
            ],
        ]

    def validate_category_id(self, field: IdSelectField) -> None:
        if field.data is None:
            raise ValidationError(_l("Choose a category from the list."))

    def ticket_data(self) -> TicketData:
        """Return the values of a valid form."""
        return TicketData(
            status=TicketStatus(self.status.data),
            priority=TicketPriority(self.priority.data),
            category_id=self.category_id.data,
            contract_id=self.contract_id.data,
            opened_at=self.opened_at.data,
            first_response_at=self.first_response_at.data,
            resolved_at=self.resolved_at.data,
        )


def _default_contract_label(current: Contract | None) -> str:
    """Label the empty choice, which bills work under the contract of its date."""
    if current is None:
        return str(_l("Default: the contract valid on each work date (none today)"))
    return str(
        _l(
            "Default: the contract valid on each work date (today %(name)s)",
            name=current.name,
        )
    )


def _category_label(category: Category, language: str) -> str:
    label = category.label(language)
    if category.is_active:
        return label
    return str(_l("%(name)s (inactive)", name=label))
