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
from portal.models.teams import Team, team_approvers
from portal.models.tickets import (
    ActivityType,
    Category,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from portal.models.users import Role, User
from portal.models.workflow import Notification, Timer

__all__ = [
    "AcknowledgementKind",
    "ContractSlaTarget",
    "Notification",
    "Team",
    "Timer",
    "team_approvers",
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
