"""Two admins acting at once: row locks keep an admin and keep contracts apart."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest

from portal.errors import DomainError
from portal.extensions import db
from portal.models import Contract, Customer, Role, User
from portal.services.admin.contracts import ContractData, create_contract
from portal.services.admin.users import deactivate_user

pytestmark = pytest.mark.postgres_only

HOLD_SECONDS = 0.5


def _race(app, first, second) -> dict[str, object]:
    """Run first, which holds its locks for a while, then second. Return outcomes.

    Each callable runs in its own request context, so in its own session and
    transaction, and returns normally or raises DomainError.
    """
    first_holds_locks = threading.Event()
    outcomes: dict[str, object] = {}

    def run(name: str, action, hold: bool) -> None:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            try:
                if not hold:
                    first_holds_locks.wait(timeout=10)
                action()
                if hold:
                    first_holds_locks.set()
                    time.sleep(HOLD_SECONDS)
                db.session.commit()
                outcomes[name] = "done"
            except DomainError as error:
                db.session.rollback()
                outcomes[name] = error
            finally:
                first_holds_locks.set()
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=("first", first, True)),
        threading.Thread(target=run, args=("second", second, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return outcomes


def test_two_admins_cannot_deactivate_each_other(app, make_user):
    first_id = make_user(Role.ADMIN, name="Ada Admin").id
    second_id = make_user(Role.ADMIN, name="Bruno Admin").id

    def deactivate(actor_id: int, user_id: int):
        def action() -> None:
            actor = db.session.get(User, actor_id)
            deactivate_user(actor, db.session.get(User, user_id))

        return action

    outcomes = _race(
        app, deactivate(first_id, second_id), deactivate(second_id, first_id)
    )

    assert outcomes["first"] == "done"
    error = outcomes["second"]
    assert isinstance(error, DomainError)
    assert "Only an active admin can change another admin." in error.message
    db.session.expire_all()
    assert db.session.get(User, first_id).is_active_user is True
    assert db.session.get(User, second_id).is_active_user is False


def test_concurrent_overlapping_contracts_one_wins(app, make_customer, make_user):
    customer_id = make_customer(name="Rossi Srl").id
    admin_id = make_user(Role.ADMIN).id
    db.session.query(Contract).delete()
    db.session.commit()

    def add(name: str, valid_from: date):
        def action() -> None:
            data = ContractData(
                name=name, hourly_rate=Decimal("60.00"), valid_from=valid_from
            )
            customer = db.session.get(Customer, customer_id)
            create_contract(db.session.get(User, admin_id), customer, data)

        return action

    outcomes = _race(
        app, add("Primo", date(2027, 1, 1)), add("Secondo", date(2027, 6, 1))
    )

    assert outcomes["first"] == "done"
    assert isinstance(outcomes["second"], DomainError)
    db.session.expire_all()
    names = [contract.name for contract in db.session.query(Contract).all()]
    assert names == ["Primo"]
