"""Measure the server time of the agent and portal pages of a 500-entry ticket.

The script fills a fresh database with 10,000 time entries on 500 tickets, one
of which contains 500 approved, billable entries. It signs in through the Flask test
client as an agent and as a user of that ticket's customer, requests each page
a few times to warm up, then times N more requests and prints the median and
90th percentile. The timings are in-process round trips through the WSGI app, so
they contain no network or HTTP server time. The CPU column is the process
time of this script during a request: with a PostgreSQL database it leaves out
the server's work, and on a busy machine it is steadier than the wall-clock time.

Usage: .venv/bin/python bench/ticket_pages.py [--database-url URL] [--requests N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.demo import ACTIVITY_TYPES, CATEGORIES, WORK_DESCRIPTIONS
from portal.extensions import db
from portal.models import (
    ActivityType,
    Category,
    Contract,
    Customer,
    EntryStatus,
    Role,
    Ticket,
    TicketStatus,
    TimeEntry,
    User,
)

SEED = 7
BENCH_PASSWORD = "bench-password"
GOAL_MEDIAN_MS = 40.0
BIG_TICKET_KEY = "ASS-1"
CUSTOMER_COUNT = 20
AGENT_COUNT = 8
# Entries that are not on the big ticket get one of these statuses.
OTHER_STATUSES = {
    EntryStatus.APPROVED: 80,
    EntryStatus.SUBMITTED: 10,
    EntryStatus.DRAFT: 7,
    EntryStatus.REJECTED: 3,
}
DESCRIPTIONS = list(itertools.chain.from_iterable(WORK_DESCRIPTIONS.values()))


@dataclass(frozen=True)
class Sizes:
    entries: int
    tickets: int
    big_ticket_entries: int


@dataclass
class BenchUsers:
    agent_email: str
    customer_email: str


@dataclass
class PageResult:
    name: str
    path: str
    status: int
    size_bytes: int
    queries: int
    samples_ms: list[float]
    cpu_samples_ms: list[float]
    shows_ticket: bool

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p90_ms(self) -> float:
        return statistics.quantiles(self.samples_ms, n=10, method="inclusive")[8]

    @property
    def cpu_median_ms(self) -> float:
        return statistics.median(self.cpu_samples_ms)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="empty database to fill, e.g. postgresql://postgres@127.0.0.1/bench "
        "(default: a SQLite file in a temporary directory)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="drop every table of --database-url first instead of requiring it empty",
    )
    parser.add_argument(
        "--requests", type=int, default=50, help="timed requests per page"
    )
    parser.add_argument(
        "--warmups", type=int, default=5, help="untimed requests per page first"
    )
    parser.add_argument(
        "--entries", type=int, default=10_000, help="time entries in all"
    )
    parser.add_argument("--tickets", type=int, default=500, help="tickets in all")
    parser.add_argument(
        "--big-ticket-entries",
        type=int,
        default=500,
        help=f"time entries on the measured ticket {BIG_TICKET_KEY}",
    )
    parser.add_argument(
        "--json", type=Path, help="file to write the results to as JSON, as well"
    )
    args = parser.parse_args(argv)
    if args.requests < 2:
        parser.error("--requests must be at least 2 to compute percentiles")
    if args.tickets < 2 or args.big_ticket_entries > args.entries:
        parser.error("need at least 2 tickets and no more big-ticket entries than all")
    return args


def sqlalchemy_url(url: str) -> str:
    """Select the psycopg 3 driver for PostgreSQL URLs, as portal.config does."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def build_app(url: str) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            # Only GET requests are timed; the login POST needs no token here.
            "WTF_CSRF_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
    )


def prepare_schema(app: Flask, reset: bool) -> None:
    """Create the tables through the migrations in an empty database."""
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        if metadata.tables and not reset:
            raise SystemExit(
                f"The database already has {len(metadata.tables)} tables. Give the "
                "benchmark an empty database, or pass --reset to drop its tables."
            )
        metadata.drop_all(bind=db.engine)
        upgrade()


def fill(app: Flask, sizes: Sizes) -> BenchUsers:
    """Insert the customers, users, tickets and entries; return who signs in."""
    rng = random.Random(SEED)
    with app.app_context():
        activities = _add_reference_data()
        customers = _add_customers()
        agents, customer_user = _add_users(customers[0])
        tickets = _add_tickets(rng, customers, sizes.tickets)
        db.session.flush()

        rows = _entry_rows(rng, sizes, tickets, agents, activities)
        db.session.execute(sa.insert(TimeEntry), rows)
        db.session.commit()
        return BenchUsers(agents[0].email, customer_user.email)


def _add_reference_data() -> list[ActivityType]:
    for code, name_it, name_en in CATEGORIES:
        db.session.add(Category(code=code, name_it=name_it, name_en=name_en))
    activities = [
        ActivityType(
            code=code,
            name_it=name_it,
            name_en=name_en,
            is_billable=billable,
            position=position,
        )
        for code, name_it, name_en, billable, position in ACTIVITY_TYPES
    ]
    db.session.add_all(activities)
    return activities


def _add_customers() -> list[Customer]:
    customers = []
    for number in range(1, CUSTOMER_COUNT + 1):
        customer = Customer(
            name=f"Cliente Benchmark {number:02d} S.r.l.",
            vat_number=f"IT{number:011d}",
            address=f"Via del Lavoro {number}, 20100 Milano (MI)",
            language="it",
        )
        Contract(
            customer=customer,
            name="Contratto di assistenza",
            hourly_rate=Decimal("60.00"),
            valid_from=date(2020, 1, 1),
        )
        customers.append(customer)
    db.session.add_all(customers)
    return customers


def _add_users(big_customer: Customer) -> tuple[list[User], User]:
    password_hash = generate_password_hash(BENCH_PASSWORD)
    agents = [
        User(
            name=f"Agente {number}",
            email=f"agent{number}@bench.example.com",
            password_hash=password_hash,
            role=Role.AGENT,
        )
        for number in range(1, AGENT_COUNT + 1)
    ]
    customer_user = User(
        name="Referente cliente",
        email="customer@bench.example.com",
        password_hash=password_hash,
        role=Role.CUSTOMER,
        customer=big_customer,
    )
    db.session.add_all([*agents, customer_user])
    return agents, customer_user


def _add_tickets(
    rng: random.Random, customers: list[Customer], count: int
) -> list[Ticket]:
    categories = list(db.session.scalars(sa.select(Category)))
    opened = datetime.now(UTC) - timedelta(days=400)
    tickets = []
    for number in range(1, count + 1):
        customer = customers[0] if number == 1 else rng.choice(customers)
        ticket = Ticket(
            key=f"ASS-{number}",
            title=f"Richiesta di assistenza numero {number}",
            customer=customer,
            contract=customer.contracts[0],
            category=rng.choice(categories),
            status=rng.choice(list(TicketStatus)),
            opened_at=opened,
        )
        tickets.append(ticket)
    db.session.add_all(tickets)
    return tickets


def _entry_rows(
    rng: random.Random,
    sizes: Sizes,
    tickets: list[Ticket],
    agents: list[User],
    activities: list[ActivityType],
) -> list[dict]:
    """Build the entry rows: the big ticket's first, the rest spread evenly."""
    now = datetime.now(UTC)
    today = now.date()
    others = tickets[1:]
    rows = []
    for index in range(sizes.entries):
        on_big_ticket = index < sizes.big_ticket_entries
        ticket = tickets[0] if on_big_ticket else others[index % len(others)]
        activity = rng.choice(activities)
        status = EntryStatus.APPROVED
        if not on_big_ticket:
            weights = list(OTHER_STATUSES.values())
            status = rng.choices(list(OTHER_STATUSES), weights=weights)[0]
        decided = status in {EntryStatus.APPROVED, EntryStatus.REJECTED}
        rows.append(
            {
                "ticket_id": ticket.id,
                "agent_id": rng.choice(agents).id,
                "work_date": today - timedelta(days=rng.randint(0, 365)),
                "minutes": rng.randrange(15, 241, 15),
                "activity_type_id": activity.id,
                "description": rng.choice(DESCRIPTIONS),
                "internal_note": "Nota interna" if rng.random() < 0.05 else "",
                # The big ticket is billable throughout, whatever the activity.
                "is_billable": on_big_ticket or activity.is_billable,
                "status": status,
                "submitted_at": None if status == EntryStatus.DRAFT else now,
                "decided_at": now if decided else None,
                "rejection_reason": (
                    "Descrizione incompleta."
                    if status == EntryStatus.REJECTED
                    else None
                ),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    return rows


def sign_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
    if response.status_code != 303:
        raise SystemExit(
            f"Signing in as {email} failed with status {response.status_code}."
        )
    return client


@contextmanager
def count_queries(engine: sa.Engine) -> Iterator[list[int]]:
    """Count the SQL statements run on engine inside the block."""
    counter = [0]

    def on_execute(*_args) -> None:
        counter[0] += 1

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def measure(
    client: FlaskClient,
    engine: sa.Engine,
    name: str,
    path: str,
    warmups: int,
    requests: int,
) -> PageResult:
    """Time requests GETs of path after warmups untimed ones."""
    for _ in range(warmups):
        client.get(path)

    with count_queries(engine) as queries:
        response = client.get(path)
    body = response.get_data()

    samples = []
    cpu_samples = []
    for _ in range(requests):
        started = time.perf_counter()
        cpu_started = time.process_time()
        client.get(path)
        cpu_samples.append((time.process_time() - cpu_started) * 1000)
        samples.append((time.perf_counter() - started) * 1000)

    return PageResult(
        name=name,
        path=path,
        status=response.status_code,
        size_bytes=len(body),
        queries=queries[0],
        samples_ms=samples,
        cpu_samples_ms=cpu_samples,
        shows_ticket=BIG_TICKET_KEY.encode() in body,
    )


def print_table(results: list[PageResult], description: str) -> None:
    print(description)
    header = (
        f"{'page':<8} {'path':<24} {'status':>6} {'KiB':>7} {'queries':>7} "
        f"{'median ms':>9} {'p90 ms':>7} {'min ms':>7} {'max ms':>7} "
        f"{'CPU median ms':>13}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        print(
            f"{result.name:<8} {result.path:<24} {result.status:>6} "
            f"{result.size_bytes / 1024:>7.1f} {result.queries:>7} "
            f"{result.median_ms:>9.1f} {result.p90_ms:>7.1f} "
            f"{min(result.samples_ms):>7.1f} {max(result.samples_ms):>7.1f} "
            f"{result.cpu_median_ms:>13.1f}"
        )
    print(f"goal: median <= {GOAL_MEDIAN_MS:.0f} ms on the {BIG_TICKET_KEY} pages")
    for result in results:
        if result.status != 200 or not result.shows_ticket:
            print(
                f"NOTE: {result.path} returned status {result.status} without the "
                f"ticket key {BIG_TICKET_KEY}; it is a placeholder or an error page, "
                "so its figures do not measure the real page."
            )


def run(args: argparse.Namespace, url: str) -> list[PageResult]:
    sizes = Sizes(args.entries, args.tickets, args.big_ticket_entries)
    app = build_app(url)
    prepare_schema(app, args.reset)

    started = time.perf_counter()
    users = fill(app, sizes)
    elapsed = time.perf_counter() - started
    print(f"Filled the database in {elapsed:.1f} s.", file=sys.stderr)

    with app.app_context():
        engine = db.engine
    pages = [
        ("agent", users.agent_email, f"/agent/tickets/{BIG_TICKET_KEY}"),
        ("portal", users.customer_email, f"/portal/tickets/{BIG_TICKET_KEY}"),
    ]
    results = []
    for name, email, path in pages:
        client = sign_in(app, email)
        results.append(measure(client, engine, name, path, args.warmups, args.requests))
    engine.dispose()
    return results


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="consuntivo-bench-") as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'bench.sqlite'}"
        url = sqlalchemy_url(url)
        results = run(args, url)

    backend = sa.make_url(url).get_backend_name()
    description = (
        f"{args.entries} entries on {args.tickets} tickets, {BIG_TICKET_KEY} has "
        f"{args.big_ticket_entries}; database {backend}; {args.requests} timed "
        f"requests per page after {args.warmups} warm-ups (in-process test client)"
    )
    print_table(results, description)
    if args.json:
        payload = {"description": description, "results": [asdict(r) for r in results]}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
