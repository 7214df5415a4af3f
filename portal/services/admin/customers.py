"""Customers: name, VAT number, address and the language of their documents."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Customer, User
from portal.services.admin import PAGE_SIZE, AdminFieldError, like_pattern
from portal.services.audit import changed_fields, record_event, snapshot

logger = logging.getLogger(__name__)

CUSTOMER_FIELDS = ["name", "vat_number", "address", "language"]


@dataclass(frozen=True)
class CustomerData:
    """The values an admin types for one customer, with None for blank optional text."""

    name: str
    language: str
    vat_number: str | None = None
    address: str | None = None


def list_customers(query_text: str = "", page: int = 1) -> Pagination:
    """Return one page of customers whose name or VAT number contains query_text."""
    query = sa.select(Customer).options(selectinload(Customer.contracts))
    if query_text:
        pattern = like_pattern(query_text)
        query = query.where(
            sa.or_(
                Customer.name.ilike(pattern, escape="\\"),
                Customer.vat_number.ilike(pattern, escape="\\"),
            )
        )
    query = query.order_by(sa.func.lower(Customer.name), Customer.id)
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def customer_choices() -> list[Customer]:
    """Return every customer by name, for select fields."""
    query = sa.select(Customer).order_by(sa.func.lower(Customer.name), Customer.id)
    return list(db.session.scalars(query))


def get_customer(customer_id: int) -> Customer | None:
    return db.session.get(
        Customer, customer_id, options=[selectinload(Customer.contracts)]
    )


def customer_users(customer: Customer) -> list[User]:
    query = (
        sa.select(User)
        .where(User.customer_id == customer.id)
        .order_by(sa.func.lower(User.name))
    )
    return list(db.session.scalars(query))


def create_customer(actor: User, data: CustomerData) -> Customer:
    """Create a customer, without contracts, and audit it."""
    _check_name_free(data.name, None)
    customer = Customer()
    _apply(customer, data)
    db.session.add(customer)
    _flush_unique_name(data.name)

    record_event(actor, "created", customer, None, snapshot(customer, CUSTOMER_FIELDS))
    return customer


def update_customer(actor: User, customer: Customer, data: CustomerData) -> Customer:
    """Change a customer's data and audit the changed fields.

    Issued statements keep the name and address they were issued with.
    """
    _check_name_free(data.name, customer.id)
    before = snapshot(customer, CUSTOMER_FIELDS)
    _apply(customer, data)
    _flush_unique_name(data.name)

    before, after = changed_fields(before, snapshot(customer, CUSTOMER_FIELDS))
    if after:
        record_event(actor, "updated", customer, before, after)
    return customer


def _apply(customer: Customer, data: CustomerData) -> None:
    customer.name = data.name
    customer.vat_number = data.vat_number
    customer.address = data.address
    customer.language = data.language


def _check_name_free(name: str, customer_id: int | None) -> None:
    query = sa.select(Customer.id).where(sa.func.lower(Customer.name) == name.lower())
    if customer_id is not None:
        query = query.where(Customer.id != customer_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise AdminFieldError(
            "name",
            _(
                "A customer named %(name)s already exists. Choose another name.",
                name=name,
            ),
        )


def _flush_unique_name(name: str) -> None:
    """Flush, turning a concurrent insert of the same name into a field error."""
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        logger.info("customer name %s rejected by the unique index: %s", name, error)
        _check_name_free(name, None)
        raise
