"""Two customers with portal users, and helpers to read links from e-mails."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

import pytest

from portal.extensions import db
from portal.models import Customer, Role, User
from tests.conftest import PASSWORD

LINK_PATTERN = re.compile(
    r"https?://\S+?(/(?:invitation|reset-password)/[A-Za-z0-9_-]+)"
)


@dataclass
class Organisation:
    """Customer A with an admin and a plain user; customer B with its own admin."""

    customer: Customer
    admin: User
    member: User
    other_customer: Customer
    other_admin: User


@pytest.fixture
def org(make_customer, make_user) -> Organisation:
    customer = make_customer(name="Alfa Ricambi Srl")
    other = make_customer(name="Beta Logistica Srl")
    admin = make_user(Role.CUSTOMER, customer=customer, name="Anna Admin")
    member = make_user(Role.CUSTOMER, customer=customer, name="Marco Membro")
    other_admin = make_user(Role.CUSTOMER, customer=other, name="Bruno Beta")
    admin.is_customer_admin = True
    other_admin.is_customer_admin = True
    db.session.commit()
    return Organisation(customer, admin, member, other, other_admin)


@pytest.fixture(autouse=True)
def english_browser(client) -> None:
    """Send Accept-Language: en, so pages for anonymous users come in English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def sign_in(client) -> Callable[..., None]:
    """Sign the test client in through the login form."""

    def sign_in_as(user: User, password: str = PASSWORD) -> None:
        response = client.post(
            "/login", data={"email": user.email, "password": password}
        )
        assert response.status_code == 303, response.get_data(as_text=True)

    return sign_in_as


@pytest.fixture
def admin_client(client, org, sign_in):
    sign_in(org.admin)
    return client


def mail_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def mail_html(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_path(message: EmailMessage) -> str:
    """Return the path of the one link in the plain-text part of message."""
    paths = LINK_PATTERN.findall(mail_text(message))
    assert len(paths) == 1, mail_text(message)
    return paths[0]


def user_by_email(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))
