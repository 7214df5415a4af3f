from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.customers import Customer
    from portal.models.teams import Team


class Role(enum.StrEnum):
    AGENT = "agent"
    APPROVER = "approver"
    ACCOUNTS = "accounts"
    ADMIN = "admin"
    CUSTOMER = "customer"


INTERNAL_ROLES = frozenset({Role.AGENT, Role.APPROVER, Role.ACCOUNTS, Role.ADMIN})


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # A customer user belongs to exactly one customer; staff to none.
        sa.CheckConstraint(
            "(role = 'customer' AND customer_id IS NOT NULL) OR "
            "(role <> 'customer' AND customer_id IS NULL)",
            name="customer_role",
        ),
        sa.Index("uq_users_email_lower", sa.func.lower(sa.text("email")), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active_user: Mapped[bool] = mapped_column("is_active", default=True)
    language: Mapped[str] = mapped_column(sa.String(5), default="it")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Rome")
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id"), index=True
    )
    # A customer user who may invite and remove colleagues of the same customer.
    is_customer_admin: Mapped[bool] = mapped_column(default=False)
    # The team an agent's time is approved in; approvers are linked by
    # team_approvers instead.
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    # An agent's level (e.g. "senior"), which contract rates may depend on.
    level: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every session cookie's user id; replacing it signs the user out
    # everywhere, since Flask's signed cookies cannot be revoked one by one.
    session_token: Mapped[str | None] = mapped_column(sa.String(64))

    customer: Mapped[Customer | None] = relationship(back_populates="users")
    team: Mapped[Team | None] = relationship(
        back_populates="members", foreign_keys=[team_id]
    )
    approved_teams: Mapped[list[Team]] = relationship(
        secondary="team_approvers", back_populates="approvers"
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of inactive users.
        return self.is_active_user

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    def get_id(self) -> str:
        """Return the id Flask-Login stores in the session: user id and token."""
        if not self.session_token:
            self.rotate_session_token()
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        """Invalidate every session of this user; the caller commits."""
        self.session_token = secrets.token_hex(32)

    def set_password(self, password: str) -> None:
        # Werkzeug's default method is scrypt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
