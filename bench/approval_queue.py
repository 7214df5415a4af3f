"""Measure the server time of the approval queue with 500 waiting entries.

The script fills a PostgreSQL database with generated time entries (1,000,000
by default, inserted by one INSERT ... SELECT over generate_series), of which
500 wait for approval in the teams of one team lead. It serves the app with
gunicorn on 127.0.0.1, signs in as the lead, and has 20 client threads request
/approvals/ at once. Every response carries a Server-Timing header with the
app's wall-clock and CPU time for it. The script prints the median and p99 of
those and of the time the clients waited, which also contains the queueing for
a free worker.

Usage:
    createdb -h 127.0.0.1 -U postgres consuntivo_bench_approvals
    .venv/bin/python bench/approval_queue.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/consuntivo_bench_approvals
"""

from __future__ import annotations

import argparse
import gc
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.models import (
    ActivityType,
    Category,
    Contract,
    Customer,
    Role,
    Team,
    Ticket,
    User,
)

GOAL_MS = 60.0
BENCH_PASSWORD = "bench-password"
LEAD_EMAIL = "bench-lead@example.com"
CUSTOMER_COUNT = 40
TEAM_COUNT = 10
AGENTS_PER_TEAM = 20
# The lead approves this many teams; the waiting entries are their agents'.
LEAD_TEAMS = 3
TICKET_COUNT = 20_000
# Entries spread over this many days before the newest work date.
HISTORY_DAYS = 5 * 365
WAITING_DAYS = 14
TIMING_HEADER = re.compile(r"app;dur=([0-9.]+), cpu;dur=([0-9.]+)")


@dataclass
class Samples:
    """Per-request times in milliseconds, and the statuses seen."""

    server_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, timing: str, client_ms: float) -> None:
        match = TIMING_HEADER.search(timing)
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.client_ms.append(client_ms)
            if match:
                self.server_ms.append(float(match.group(1)))
                self.cpu_ms.append(float(match.group(2)))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="PostgreSQL database made for the benchmark, e.g. "
        "postgresql://postgres@127.0.0.1:5432/consuntivo_bench_approvals",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the data a previous run left instead of dropping every "
        "table and generating it again",
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--waiting", type=int, default=500, help="waiting entries")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument(
        "--requests", type=int, default=25, help="timed requests per client"
    )
    parser.add_argument(
        "--warmups", type=int, default=3, help="untimed requests per client first"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn worker processes"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)"
    )
    parser.add_argument(
        "--gc-freeze",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="call gc.freeze() in each worker once the app is loaded, as wsgi.py "
        "does in production (default: on)",
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgresql://", "postgres://")):
        parser.error("--database-url must be a PostgreSQL URL")
    return args


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Data


def prepare(app: Flask, entries: int, waiting: int) -> None:
    """Drop every table, run the migrations and generate the data."""
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        metadata.drop_all(bind=db.engine)
        upgrade()

        newest = datetime.now(UTC).date()
        ids = _add_reference_rows()
        started = time.perf_counter()
        _insert_history(ids, entries - waiting, newest)
        _insert_waiting(ids, waiting, newest)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        elapsed = time.perf_counter() - started
        print(f"generated {entries:,} entries in {elapsed:.0f} s", flush=True)


def _add_reference_rows() -> dict[str, list[int]]:
    """Add activities, customers, tickets, teams, agents and the lead."""
    category = Category(code="bench", name_it="Varie", name_en="Other")
    activities = [
        ActivityType(code=f"bench-{n}", name_it=f"Attività {n}", name_en=f"Work {n}")
        for n in range(4)
    ]
    customers = [
        Customer(name=f"Bench customer {n:02d} Srl", language="it")
        for n in range(CUSTOMER_COUNT)
    ]
    for customer in customers:
        Contract(
            customer=customer,
            name="Contract",
            hourly_rate=Decimal("60.00"),
            valid_from=date(2015, 1, 1),
        )
    teams = [Team(name=f"Team {n:02d}") for n in range(TEAM_COUNT)]
    lead = _user("Bench Lead", LEAD_EMAIL, Role.APPROVER)
    lead.approved_teams = teams[:LEAD_TEAMS]
    agents = [
        _user(f"Agent {n:03d}", f"bench-agent-{n}@example.com", Role.AGENT)
        for n in range(TEAM_COUNT * AGENTS_PER_TEAM)
    ]
    for index, agent in enumerate(agents):
        agent.team = teams[index // AGENTS_PER_TEAM]
    db.session.add_all([category, *activities, *customers, *teams, lead, *agents])
    db.session.flush()

    tickets = [
        {
            "key": f"BEN-{n}",
            "title": f"Generated ticket {n}",
            "customer_id": customers[n % CUSTOMER_COUNT].id,
            "category_id": category.id,
            "opened_at": datetime(2020, 1, 1, tzinfo=UTC),
        }
        for n in range(TICKET_COUNT)
    ]
    db.session.execute(sa.insert(Ticket), tickets)
    ticket_ids = list(db.session.scalars(sa.select(Ticket.id).order_by(Ticket.id)))
    lead_agents = agents[: LEAD_TEAMS * AGENTS_PER_TEAM]
    return {
        "lead": [lead.id],
        "agents": [agent.id for agent in agents],
        "lead_agents": [agent.id for agent in lead_agents],
        "activities": [activity.id for activity in activities],
        "tickets": ticket_ids,
    }


def _user(name: str, email: str, role: Role) -> User:
    user = User(name=name, email=email, role=role, language="en")
    user.set_password(BENCH_PASSWORD)
    return user


# Decided entries: mostly approved, every 40th rejected, about three a day per agent.
HISTORY_SQL = """
INSERT INTO time_entries (
    ticket_id, agent_id, work_date, minutes, activity_type_id, description,
    internal_note, is_billable, status, submitted_at, decided_by_id, decided_at,
    rejection_reason, created_at, updated_at, version)
SELECT
    (:tickets)[CAST(1 + (g * 7919) % cardinality(:tickets) AS integer)],
    (:agents)[CAST(1 + g % cardinality(:agents) AS integer)],
    CAST(:newest AS date)
        - CAST(WAITING_DAYS + (g / cardinality(:agents)) % :days AS integer),
    CAST(15 + (g * 37) % 226 AS integer),
    (:activities)[CAST(1 + g % cardinality(:activities) AS integer)],
    'Generated work ' || g,
    CASE WHEN g % 5 = 0 THEN 'Checked the logs' ELSE '' END,
    g % 9 <> 0,
    CASE WHEN g % 40 = 0 THEN 'rejected' ELSE 'approved' END,
    now(), :lead, now(),
    CASE WHEN g % 40 = 0 THEN 'Generated rejection' END,
    now(), now(), 2
FROM generate_series(CAST(1 AS bigint), :count) AS g
""".replace("WAITING_DAYS", str(WAITING_DAYS))

WAITING_SQL = """
INSERT INTO time_entries (
    ticket_id, agent_id, work_date, minutes, activity_type_id, description,
    internal_note, is_billable, status, submitted_at, created_at, updated_at,
    version)
SELECT
    (:tickets)[CAST(1 + (g * 104729) % cardinality(:tickets) AS integer)],
    (:agents)[CAST(1 + g % cardinality(:agents) AS integer)],
    CAST(:newest AS date) - CAST(g % :days AS integer),
    CAST(15 + (g * 53) % 300 AS integer),
    (:activities)[CAST(1 + g % cardinality(:activities) AS integer)],
    'Waiting work ' || g,
    CASE WHEN g % 4 = 0 THEN 'Customer asked twice' ELSE '' END,
    g % 7 <> 0,
    'submitted', now(), now(), now(), 1
FROM generate_series(CAST(1 AS bigint), :count) AS g
"""


def _insert_history(ids: dict[str, list[int]], count: int, newest: date) -> None:
    db.session.execute(
        sa.text(HISTORY_SQL),
        {
            "tickets": ids["tickets"],
            "agents": ids["agents"],
            "activities": ids["activities"],
            "lead": ids["lead"][0],
            "newest": newest,
            "days": HISTORY_DAYS,
            "count": count,
        },
    )


def _insert_waiting(ids: dict[str, list[int]], count: int, newest: date) -> None:
    db.session.execute(
        sa.text(WAITING_SQL),
        {
            "tickets": ids["tickets"],
            "agents": ids["lead_agents"],
            "activities": ids["activities"],
            "newest": newest,
            "days": WAITING_DAYS,
            "count": count,
        },
    )


# Server


class ServerTiming:
    """WSGI middleware that reports the app's time in a Server-Timing header.

    "app" is the wall-clock time from the call to the moment the app starts
    the response, which Flask does once the body is rendered. "cpu" is the
    worker's CPU time in that span. A sync gunicorn worker serves one request
    at a time, so that CPU time is this request's alone. It leaves out the
    database server's work.
    """

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        cpu_started = time.process_time()

        def timed_start_response(status, headers, exc_info=None):
            elapsed_ms = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu_started) * 1000
            timing = f"app;dur={elapsed_ms:.2f}, cpu;dur={cpu_ms:.2f}"
            headers.append(("Server-Timing", timing))
            return start_response(status, headers, exc_info)

        return self.app(environ, timed_start_response)


def timed_app() -> Callable:
    """Return the app wrapped in ServerTiming, for gunicorn.

    With BENCH_GC_FREEZE=1 the worker moves the objects of the loaded app out
    of the garbage collector's reach (gc.freeze), as wsgi.py does, so its full
    collections during requests scan only the request's own objects.
    """
    app = create_app({"LOG_LEVEL": "WARNING"})
    if os.environ.get("BENCH_GC_FREEZE") == "1":
        gc.collect()
        gc.freeze()
    return ServerTiming(app)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    url: str, workers: int, port: int, gc_freeze: bool
) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, CONSUNTIVO_ENV="development")
    env["BENCH_GC_FREEZE"] = "1" if gc_freeze else "0"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(Path(__file__).resolve().parent),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "approval_queue:timed_app()",
    ]
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _request(port, "GET", "/login")
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start within 30 s")


def _request(
    port: int, method: str, path: str, body: str | None = None, cookie: str = ""
) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def sign_in(port: int) -> str:
    """Sign in as the lead through the login form and return the session cookie."""
    response, page = _request(port, "GET", "/login")
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    form = urlencode(
        {
            "csrf_token": token.group(1).decode(),
            "email": LEAD_EMAIL,
            "password": BENCH_PASSWORD,
        }
    )
    response, _body = _request(port, "POST", "/login", form, cookie)
    if response.status != 303:
        raise SystemExit(f"signing in failed with status {response.status}")
    return response.getheader("Set-Cookie", "").split(";", 1)[0]


# Load


def run_clients(port: int, cookie: str, args: argparse.Namespace) -> Samples:
    samples = Samples()
    barrier = threading.Barrier(args.clients)

    def client() -> None:
        for _ in range(args.warmups):
            _request(port, "GET", "/approvals/", cookie=cookie)
        barrier.wait()
        for _ in range(args.requests):
            started = time.perf_counter()
            response, _body = _request(port, "GET", "/approvals/", cookie=cookie)
            client_ms = (time.perf_counter() - started) * 1000
            timing = response.getheader("Server-Timing", "")
            samples.add(response.status, timing, client_ms)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def check_page(port: int, cookie: str, waiting: int) -> None:
    """Print a NOTE when the page does not show the waiting entries."""
    response, body = _request(port, "GET", "/approvals/", cookie=cookie)
    rows = body.count(b'<tr id="entry-')
    print(f"page: status {response.status}, {len(body) / 1024:.0f} KiB, {rows} rows")
    if response.status != 200 or rows != min(waiting, 500):
        print("NOTE: the page does not show the waiting entries; figures are void.")


def percentile(values: Iterable[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def report(samples: Samples, args: argparse.Namespace) -> None:
    freeze = "on" if args.gc_freeze else "off"
    print(
        f"{len(samples.client_ms)} requests by {args.clients} concurrent clients, "
        f"{args.workers} gunicorn workers, gc.freeze {freeze}; "
        f"statuses {samples.statuses}"
    )
    measured = (
        ("server", samples.server_ms),
        ("server CPU", samples.cpu_ms),
        ("client", samples.client_ms),
    )
    for name, values in measured:
        print(
            f"{name} time ms: median {statistics.median(values):.1f}, "
            f"p90 {percentile(values, 0.9):.1f}, p99 {percentile(values, 0.99):.1f}, "
            f"max {max(values):.1f}"
        )
    median = statistics.median(samples.server_ms)
    verdict = "within" if median <= GOAL_MS else "over"
    print(f"median server time is {verdict} the goal of {GOAL_MS:.0f} ms")


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    url = sqlalchemy_url(args.database_url)
    if not args.reuse:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
        prepare(app, args.entries, args.waiting)

    port = args.port or free_port()
    server = start_server(url, args.workers, port, args.gc_freeze)
    try:
        cookie = sign_in(port)
        check_page(port, cookie, args.waiting)
        samples = run_clients(port, cookie, args)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(samples, args)


if __name__ == "__main__":
    main(sys.argv[1:])
