"""Database models: one module per area, all re-exported here."""

from portal.models.audit import AuditEvent
from portal.models.billing import (
    Adjustment,
    ClosedMonth,
    ItemKind,
    PdfStatus,
    Statement,
    StatementItem,
    StatementLine,
    StatementPackageLine,
    StatementSequence,
    StatementStatus,
)
from portal.models.customers import (
    BillingModel,
    Contract,
    ContractRate,
    Customer,
    PortalTimeDisplay,
)
from portal.models.entries import EntryStatus, TimeEntry
from portal.models.portal_access import (
    AcknowledgementKind,
    StatementAcknowledgement,
    TokenPurpose,
    UserToken,
)
from portal.models.prepaid import PackageDraw, PrepaidPackage
from portal.models.resources import ResourceEntry
from portal.models.sla import ContractSlaTarget
from portal.models.teams import Team, team_approvers
from portal.models.tickets import (
    ActivityType,
    Category,
    Ticket,
    TicketPriority,
    TicketStatus,
    TicketStatusChange,
)
from portal.models.users import Role, User
from portal.models.workflow import Notification, Timer

__all__ = [
    "Adjustment",
    "BillingModel",
    "ClosedMonth",
    "ContractRate",
    "ItemKind",
    "PackageDraw",
    "PdfStatus",
    "PrepaidPackage",
    "ResourceEntry",
    "StatementItem",
    "StatementPackageLine",
    "StatementStatus",
    "TicketStatusChange",
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
