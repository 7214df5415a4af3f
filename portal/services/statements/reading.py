"""Reading issued statements: the list, the years that have some, one statement."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload, undefer

from portal.extensions import db
from portal.models import Statement

STATEMENTS_PER_PAGE = 50


def list_statements(
    customer_id: int | None, year: int | None, page: int = 1
) -> Pagination:
    """Return one page of statements, void ones included, newest first."""
    query = sa.select(Statement).options(joinedload(Statement.issued_by))
    if customer_id is not None:
        query = query.where(Statement.customer_id == customer_id)
    if year is not None:
        query = query.where(Statement.year == year)
    query = query.order_by(Statement.issued_at.desc(), Statement.id.desc())
    return db.paginate(
        query, page=page, per_page=STATEMENTS_PER_PAGE, error_out=False, count=True
    )


def statement_years() -> list[int]:
    """Return the years that have statements, newest first."""
    query = sa.select(Statement.year).distinct().order_by(Statement.year.desc())
    return list(db.session.scalars(query))


def get_statement(statement_id: int, with_pdf: bool = False) -> Statement | None:
    """Return the statement with its items and lines, or None for an unknown id."""
    options = [
        selectinload(Statement.lines),
        selectinload(Statement.items),
        selectinload(Statement.package_lines),
        joinedload(Statement.issued_by),
        joinedload(Statement.voided_by),
    ]
    if with_pdf:
        options.append(undefer(Statement.pdf))
        options.append(undefer(Statement.void_pdf))
    return db.session.get(Statement, statement_id, options=options)
