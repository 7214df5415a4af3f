"""Translated names of roles, languages, audited objects and their fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models import PortalTimeDisplay, Role

ROLE_LABELS = {
    Role.AGENT: _l("Agent"),
    Role.APPROVER: _l("Approver"),
    Role.ACCOUNTS: _l("Accounts"),
    Role.ADMIN: _l("Admin"),
    Role.CUSTOMER: _l("Customer"),
}

# Language names are written in their own language, as language pickers do.
LANGUAGE_LABELS = {"it": "Italiano", "en": "English"}

PORTAL_TIME_DISPLAY_LABELS = {
    PortalTimeDisplay.BILLED: _l("Billed time only"),
    PortalTimeDisplay.BILLED_AND_WORKED: _l("Billed and worked time"),
}

# Table names, as AuditEvent.object_type stores them.
OBJECT_TYPE_LABELS = {
    "time_entries": _l("Time entry"),
    "statements": _l("Statement"),
    "statement_acknowledgements": _l("Statement acknowledgement"),
    "tickets": _l("Ticket"),
    "users": _l("User"),
    "teams": _l("Team"),
    "customers": _l("Customer"),
    "contracts": _l("Contract"),
    "activity_types": _l("Activity type"),
    "categories": _l("Category"),
    "timers": _l("Timer"),
    "notifications": _l("Notification"),
    "resource_entries": _l("Resource entry"),
    "adjustments": _l("Adjustment"),
    "prepaid_packages": _l("Prepaid package"),
    "closed_months": _l("Closed month"),
    "contract_rates": _l("Contract rate"),
}

FIELD_LABELS = {
    "activity_type_id": _l("Activity"),
    "address": _l("Address"),
    "agent_id": _l("Agent"),
    "approver_ids": _l("Approvers"),
    "category_id": _l("Category"),
    "code": _l("Code"),
    "contract_id": _l("Contract"),
    "currency": _l("Currency"),
    "customer_id": _l("Customer"),
    "decided_at": _l("Decided at"),
    "decided_by_id": _l("Decided by"),
    "description": _l("Description"),
    "email": _l("E-mail"),
    "first_response_at": _l("First response"),
    "hourly_rate": _l("Hourly rate"),
    "internal_note": _l("Internal note"),
    "is_active": _l("Active"),
    "is_active_user": _l("Active"),
    "is_billable": _l("Billable"),
    "is_customer_admin": _l("Customer admin"),
    "language": _l("Language"),
    "member_ids": _l("Members"),
    "minutes": _l("Duration"),
    "name": _l("Name"),
    "name_en": _l("English name"),
    "name_it": _l("Italian name"),
    "opened_at": _l("Opened"),
    "portal_shows_agent_names": _l("Portal shows agent names"),
    "portal_time_display": _l("Portal shows"),
    "position": _l("Position"),
    "priority": _l("Priority"),
    "rejection_reason": _l("Rejection reason"),
    "resolved_at": _l("Resolved"),
    "revoked_links": _l("Links revoked"),
    "role": _l("Role"),
    "sla_business_hours": _l("SLA in business hours"),
    "sla_timezone": _l("SLA time zone"),
    "sla_working_days": _l("SLA working days"),
    "sla_working_hours": _l("SLA working hours"),
    "status": _l("Status"),
    "submitted_at": _l("Submitted at"),
    "team_id": _l("Team"),
    "ticket_id": _l("Ticket"),
    "timezone": _l("Time zone"),
    "valid_from": _l("Valid from"),
    "valid_to": _l("Valid to"),
    "vat_number": _l("VAT number"),
    "work_date": _l("Work date"),
    "agent_level": _l("Agent level"),
    "amount": _l("Amount"),
    "billing_model": _l("Billing model"),
    "call_out_fee": _l("Call-out fee"),
    "effective_from": _l("Effective from"),
    "evening_multiplier": _l("Evening multiplier"),
    "expiry_date": _l("Expiry date"),
    "holiday_multiplier": _l("Holiday multiplier"),
    "is_on_site": _l("On-site work"),
    "kind": _l("Kind"),
    "level": _l("Level"),
    "minimum_minutes": _l("Minimum charge (minutes)"),
    "minutes_bought": _l("Minutes bought"),
    "monthly_fee": _l("Monthly fee"),
    "monthly_included_minutes": _l("Minutes included per month"),
    "night_multiplier": _l("Night multiplier"),
    "overage_rate": _l("Overage rate"),
    "price": _l("Price"),
    "purchase_date": _l("Purchase date"),
    "quantity": _l("Quantity"),
    "rate_per_km": _l("Rate per km"),
    "reason": _l("Reason"),
    "rounding_direction": _l("Rounding direction"),
    "rounding_increment": _l("Rounding increment (minutes)"),
    "rounding_scope": _l("Rounding applies to"),
    "saturday_multiplier": _l("Saturday multiplier"),
    "sunday_multiplier": _l("Sunday multiplier"),
    "unit_price": _l("Unit price"),
}


def language_label(code: str) -> str:
    """Return the name of a document language, or the code itself if it is unknown."""
    return LANGUAGE_LABELS.get(code, code)


def role_label(role: Role) -> str:
    return str(ROLE_LABELS[role])


def object_type_label(object_type: str) -> str:
    """Return the translated name of an audited table, or the table name itself."""
    label = OBJECT_TYPE_LABELS.get(object_type)
    return str(label) if label is not None else object_type
