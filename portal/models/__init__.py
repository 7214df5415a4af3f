"""Database models: one module per area, all re-exported here."""

from portal.models.audit import AuditEvent
from portal.models.billing import Statement, StatementLine, StatementSequence
from portal.models.customers import Contract, Customer, PortalTimeDisplay
from portal.models.entries import EntryStatus, TimeEntry
from portal.models.portal_access import (
    AcknowledgementKind,
    StatementAcknowledgement,
    TokenPurpose,
    UserToken,
)
from portal.models.sla import ContractSlaTarget
from portal.models.tickets import (
    ActivityType,
    Category,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from portal.models.users import Role, User

__all__ = [
    "AcknowledgementKind",
    "ContractSlaTarget",
    "PortalTimeDisplay",
    "StatementAcknowledgement",
    "TokenPurpose",
    "UserToken",
    "ActivityType",
    "AuditEvent",
    "Category",
    "Contract",
    "Customer",
    "EntryStatus",
    "Role",
    "Statement",
    "StatementLine",
    "StatementSequence",
    "Ticket",
    "TicketPriority",
    "TicketStatus",
    "TimeEntry",
    "User",
]
