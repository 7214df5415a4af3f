"""Measure the quick-log post on PostgreSQL with 1M time entries, 20 clients at once.

The script fills an empty PostgreSQL database with 1,000,000 time entries
(INSERT ... SELECT over generate_series, in a few statements), starts the app
under gunicorn on 127.0.0.1, and lets 20 client threads sign in as 20 agents and
post the quick-log bar's form over HTTP, each a fixed number of times. The
response to that post is the bar's fragment: a fresh form and the notice.

Every response carries the time the app spent on it, measured by a WSGI
wrapper from the request's arrival in the worker to its response headers. The
script prints the median and 99th percentile of that server time per scenario,
and of the clients' round trips, which add HTTP and waiting for a free worker.

Two scenarios run: the bar used on a page other than the ticket's, and on the
ticket's own page, where the response also carries the ticket's time log.

Usage: .venv/bin/python bench/quick_log.py --database-url URL [--reset]
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.demo import ACTIVITY_TYPES, CATEGORIES
from portal.extensions import db
from portal.models import (
    ActivityType,
    AuditEvent,
    Category,
    Contract,
    Customer,
    Role,
    TimeEntry,
    User,
)

SEED = 11
BENCH_PASSWORD = "bench-password"
GOAL_MEDIAN_MS = 15.0
GOAL_P99_MS = 50.0
SERVER_TIME_HEADER = "X-Bench-Server-Ms"
CPU_TIME_HEADER = "X-Bench-Cpu-Ms"
# The description of every entry the benchmark posts. The entries are removed
# after the run, so repeated runs with --reuse measure the same data.
POSTED_DESCRIPTION = "Verifica e chiusura della richiesta (benchmark)"
# Short durations in the formats agents type. A day takes at most 24 hours of
# entries, and with the default options each agent posts 56 entries on today's
# date on top of about 6 hours of generated ones, so longer durations would
# make the later posts fail.
POSTED_DURATIONS = ("1m", "0:02", "3m", "0:04", "5m")
CUSTOMER_COUNT = 40
AGENT_COUNT = 200
# Each agent's entries are spread evenly over this many past days, today
# included: with the default 1M entries, about 2.7 entries per agent and day.
HISTORY_DAYS = 5 * 365


@dataclass(frozen=True)
class Scenario:
    name: str
    # The page the bar is used on, sent as htmx's HX-Current-URL.
    on_ticket_page: bool


SCENARIOS = (
    Scenario("bar on another page", on_ticket_page=False),
    Scenario("bar on the ticket's page", on_ticket_page=True),
)


@dataclass
class ScenarioResult:
    name: str
    requests: int
    failures: int
    server_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    round_trip_ms: list[float] = field(default_factory=list)
    response_bytes: list[int] = field(default_factory=list)
    # How many posts failed with each HTTP status.
    failed_statuses: dict[int, int] = field(default_factory=dict)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        required=True,
        help="empty PostgreSQL database, e.g. postgresql://postgres@127.0.0.1/bench",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="drop every table of --database-url first instead of requiring it empty",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a database this script filled before, without filling it",
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument(
        "--requests", type=int, default=25, help="timed posts per client and scenario"
    )
    parser.add_argument(
        "--warmups", type=int, default=3, help="untimed posts per client first"
    )
    # Sync workers spend most of a post on the CPU, so extra workers only
    # share the cores. On 2 cores, 4 workers gave 3 to 4 times the median
    # server time of 2 workers (measured, see bench/README.md).
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="gunicorn worker processes (default: the CPU count)",
    )
    parser.add_argument(
        "--gc-freeze",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="call gc.freeze() in each worker once the app is loaded, as wsgi.py "
        "does in production (default: on)",
    )
    parser.add_argument(
        "--json", type=Path, help="file to write the raw samples to as JSON, as well"
    )
    args = parser.parse_args(argv)
    if args.clients > AGENT_COUNT:
        parser.error(f"--clients can be at most {AGENT_COUNT}, one agent each")
    if args.requests * args.clients < 100:
        parser.error("need at least 100 timed posts per scenario for a 99th percentile")
    return args


def sqlalchemy_url(url: str) -> str:
    """Select the psycopg 3 driver for PostgreSQL URLs, as portal.config does."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# --- Filling the database ----------------------------------------------------


def prepare_schema(app: Flask, reset: bool) -> None:
    """Create the tables through the migrations in an empty database."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("This benchmark needs PostgreSQL: it fills it with SQL.")
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        if metadata.tables and not reset:
            raise SystemExit(
                f"The database already has {len(metadata.tables)} tables. Give the "
                "benchmark an empty database, or pass --reset to drop its tables."
            )
        metadata.drop_all(bind=db.engine)
        upgrade()


def fill(app: Flask, entries: int, tickets: int) -> None:
    """Insert the reference rows with the ORM, then tickets and entries with SQL."""
    with app.app_context():
        _add_reference_data()
        db.session.commit()
        started = time.perf_counter()
        db.session.execute(sa.text(TICKETS_SQL), {"count": tickets})
        db.session.execute(
            sa.text(ENTRIES_SQL),
            {"count": entries, "days": HISTORY_DAYS, "agents": AGENT_COUNT},
        )
        db.session.commit()
        print(
            f"inserted {tickets:,} tickets and {entries:,} entries "
            f"in {time.perf_counter() - started:.1f} s"
        )
    with app.app_context(), db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM ANALYZE")
        )


def _add_reference_data() -> None:
    for code, name_it, name_en in CATEGORIES:
        db.session.add(Category(code=code, name_it=name_it, name_en=name_en))
    for code, name_it, name_en, billable, position in ACTIVITY_TYPES:
        db.session.add(
            ActivityType(
                code=code,
                name_it=name_it,
                name_en=name_en,
                is_billable=billable,
                position=position,
            )
        )
    for number in range(1, CUSTOMER_COUNT + 1):
        customer = Customer(name=f"Cliente Bench {number} Srl", language="it")
        db.session.add(customer)
        db.session.add(
            Contract(
                customer=customer,
                name="Assistenza",
                hourly_rate=Decimal("60.00"),
                valid_from=date(2020, 1, 1),
            )
        )
    password_hash = generate_password_hash(BENCH_PASSWORD)
    for number in range(1, AGENT_COUNT + 1):
        db.session.add(
            User(
                name=f"Agente {number}",
                email=agent_email(number),
                password_hash=password_hash,
                role=Role.AGENT,
                language="it",
            )
        )


def agent_email(number: int) -> str:
    return f"agent{number}@bench.example.com"


# Seven in ten tickets are open. The others were resolved or closed up to 90
# days ago, so some of them trigger the closed-ticket warning.
TICKETS_SQL = """
WITH customer_ids AS (SELECT array_agg(id ORDER BY id) AS ids FROM customers),
     category_ids AS (SELECT array_agg(id ORDER BY id) AS ids FROM categories)
INSERT INTO tickets (key, title, customer_id, category_id, priority, status,
                     opened_at, resolved_at)
SELECT 'BEN-' || g,
       (ARRAY['Stampante', 'Rete', 'Posta', 'Backup', 'Gestionale', 'Server'])
           [1 + g % 6] || ' ' ||
       (ARRAY['lenta', 'bloccata', 'non risponde', 'da configurare'])[1 + g % 4]
           || ' numero ' || g,
       c.ids[1 + g % array_length(c.ids, 1)],
       k.ids[1 + g % array_length(k.ids, 1)],
       'normal',
       CASE WHEN g % 10 < 6 THEN 'open' WHEN g % 10 = 6 THEN 'in_progress'
            WHEN g % 10 = 7 THEN 'waiting' WHEN g % 10 = 8 THEN 'resolved'
            ELSE 'closed' END,
       now() - make_interval(days => 100 + g % 300),
       CASE WHEN g % 10 >= 8 THEN now() - make_interval(days => g % 90) END
FROM generate_series(1, :count) AS g, customer_ids AS c, category_ids AS k
"""

# Entry g belongs to agent g mod agents, on day (g div agents) mod days back,
# so every agent has a similar, plausible number of entries per day. Entries
# of the last two weeks are drafts or submitted, older ones approved. The
# multiplier spreads consecutive entries over distant tickets, and the last
# activity type (travel, not billable) is left out.
ENTRIES_SQL = """
WITH agent_ids AS (
         SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE role = 'agent'),
     ticket_ids AS (SELECT array_agg(id ORDER BY id) AS ids FROM tickets),
     activity_ids AS (
         SELECT array_agg(id ORDER BY position) AS ids FROM activity_types),
     numbered AS (
         SELECT g, (g / :agents) % :days AS days_back
         FROM generate_series(0, :count - 1) AS g)
INSERT INTO time_entries (ticket_id, agent_id, work_date, minutes,
                          activity_type_id, description, internal_note,
                          is_billable, status, submitted_at, created_at,
                          updated_at, version)
SELECT t.ids[1 + (g::bigint * 7919) % array_length(t.ids, 1)],
       a.ids[1 + g % array_length(a.ids, 1)],
       current_date - days_back,
       15 * (1 + g % 16),
       act.ids[1 + g % (array_length(act.ids, 1) - 1)],
       'Intervento numero ' || g,
       '',
       true,
       CASE WHEN days_back >= 14 THEN 'approved'
            WHEN g % 2 = 0 THEN 'submitted' ELSE 'draft' END,
       CASE WHEN days_back >= 14 OR g % 2 = 0
            THEN now() - make_interval(days => days_back) END,
       now() - make_interval(days => days_back),
       now() - make_interval(days => days_back),
       1
FROM numbered, agent_ids AS a, ticket_ids AS t, activity_ids AS act
"""


# --- The server ---------------------------------------------------------------


class ServerTiming:
    """WSGI wrapper that sends the app's wall-clock and CPU time in headers.

    The CPU time is the worker process's, so it leaves out the database
    server's work and the time spent waiting for a core.
    """

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        cpu_started = time.process_time()

        def timed_start_response(status, headers, exc_info=None):
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            headers.append((SERVER_TIME_HEADER, f"{elapsed:.3f}"))
            headers.append((CPU_TIME_HEADER, f"{cpu:.3f}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, timed_start_response)


def create_wsgi_app():
    """Build the app for gunicorn, wrapped to report its server time.

    With BENCH_GC_FREEZE=1 the worker moves the loaded app's objects out of the
    garbage collector's reach, as wsgi.py does.
    """
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(os.environ["BENCH_DATABASE_URL"])}
    )
    if os.environ.get("BENCH_GC_FREEZE") == "1":
        gc.collect()
        gc.freeze()
    return ServerTiming(app)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(
    database_url: str, workers: int, gc_freeze: bool
) -> tuple[subprocess.Popen, int]:
    """Start gunicorn on a free port of 127.0.0.1 and return it once it responds."""
    port = free_port()
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": database_url,
        "BENCH_GC_FREEZE": "1" if gc_freeze else "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(Path(__file__).resolve().parent),
        "--log-level",
        "warning",
        "quick_log:create_wsgi_app()",
    ]
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/login")
            connection.getresponse().read()
            return server, port
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit(
        f"gunicorn did not respond on 127.0.0.1:{port} within 30 seconds; "
        "run it by hand with the same command to see why"
    )


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


# --- The clients -------------------------------------------------------------

_CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')


class AgentClient:
    """One agent's browser: a session cookie, the CSRF token and the form's values."""

    def __init__(self, port: int, email: str) -> None:
        self.port = port
        self.email = email
        self.cookie = ""
        self.csrf_token = ""
        self.activity_id = ""
        self.ticket_keys: list[str] = []

    def request(self, method: str, path: str, body: dict | None = None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"Cookie": self.cookie, **(headers or {})}
        data = None
        if body is not None:
            data = urlencode(body)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        text = response.read().decode()
        round_trip = (time.perf_counter() - started) * 1000
        connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response, text, round_trip

    def sign_in(self) -> None:
        _response, page, _ms = self.request("GET", "/login")
        token = _CSRF_INPUT.search(page).group(1)
        body = {"email": self.email, "password": BENCH_PASSWORD, "csrf_token": token}
        response, _text, _ms = self.request("POST", "/login", body)
        if response.status != 303:
            raise RuntimeError(f"sign-in of {self.email} failed: {response.status}")

        _response, page, _ms = self.request("GET", "/agent/quick-log")
        self.csrf_token = _CSRF_HEADER.search(page).group(1)
        self.activity_id = re.search(r'<option selected value="(\d+)"', page).group(1)
        _response, options, _ms = self.request(
            "GET", "/agent/quick-log/tickets", headers={"HX-Request": "true"}
        )
        self.ticket_keys = re.findall(r'data-value="([^"]+)"', options)

    def log(self, rng: random.Random, scenario: Scenario):
        """Post one quick-log entry.

        Return the status, whether the entry was logged, the server, CPU and
        round trip times in ms, and the response size in bytes.
        """
        key = rng.choice(self.ticket_keys)
        page = f"/agent/tickets/{key}" if scenario.on_ticket_page else "/agent/week"
        body = {
            "bar-ticket": key,
            "bar-duration": rng.choice(POSTED_DURATIONS),
            "bar-description": POSTED_DESCRIPTION,
            "bar-activity_type": self.activity_id,
            "bar-client_token": uuid.uuid4().hex,
        }
        headers = {
            "HX-Request": "true",
            "HX-Current-URL": f"http://127.0.0.1:{self.port}{page}",
            "X-CSRFToken": self.csrf_token,
        }
        response, text, round_trip = self.request(
            "POST", "/agent/quick-log", body, headers
        )
        # The agents read Italian, so the check looks at the header, not the text.
        ok = response.status == 200 and "entryLogged" in (
            response.getheader("HX-Trigger") or ""
        )
        server_ms = float(response.getheader(SERVER_TIME_HEADER) or "nan")
        cpu_ms = float(response.getheader(CPU_TIME_HEADER) or "nan")
        return response.status, ok, server_ms, cpu_ms, round_trip, len(text.encode())


def run_scenario(
    clients: list[AgentClient], scenario: Scenario, requests: int, warmups: int
) -> ScenarioResult:
    """Let every client post requests times at once and collect the samples."""
    result = ScenarioResult(scenario.name, requests * len(clients), 0)
    lock = threading.Lock()
    start = threading.Barrier(len(clients))

    def work(index: int, client: AgentClient) -> None:
        rng = random.Random(SEED + index)
        for _ in range(warmups):
            client.log(rng, scenario)
        start.wait()
        for _ in range(requests):
            status, ok, server_ms, cpu_ms, round_trip, size = client.log(rng, scenario)
            with lock:
                if not ok:
                    result.failures += 1
                    count = result.failed_statuses.get(status, 0)
                    result.failed_statuses[status] = count + 1
                result.server_ms.append(server_ms)
                result.cpu_ms.append(cpu_ms)
                result.round_trip_ms.append(round_trip)
                result.response_bytes.append(size)

    threads = [
        threading.Thread(target=work, args=(index, client))
        for index, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def remove_posted_entries(app: Flask) -> int:
    """Delete the entries the benchmark posted and their audit rows."""
    posted = sa.select(TimeEntry.id).where(TimeEntry.description == POSTED_DESCRIPTION)
    with app.app_context():
        db.session.execute(
            sa.delete(AuditEvent).where(
                AuditEvent.object_type == "time_entries",
                AuditEvent.object_id.in_(posted),
            )
        )
        removed = db.session.execute(
            sa.delete(TimeEntry).where(TimeEntry.description == POSTED_DESCRIPTION)
        ).rowcount
        db.session.commit()
    return removed


# --- Reporting ---------------------------------------------------------------


def percentile(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1]


def count_statements(url: str, email: str, on_ticket_page: bool) -> int:
    """Count the SQL statements of one post, in-process and without CSRF."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url),
            "WTF_CSRF_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    client = app.test_client()
    client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
    statements = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(1))
    with app.app_context():
        activity = db.session.scalar(sa.select(ActivityType.id).limit(1))
    page = "/agent/tickets/BEN-1" if on_ticket_page else "/agent/week"
    statements.clear()
    response = client.post(
        "/agent/quick-log",
        data={
            "bar-ticket": "BEN-1",
            "bar-duration": "0:01",
            "bar-description": POSTED_DESCRIPTION,
            "bar-activity_type": str(activity),
            "bar-client_token": uuid.uuid4().hex,
        },
        headers={"HX-Request": "true", "HX-Current-URL": f"http://localhost{page}"},
    )
    if response.status_code != 200:
        print(f"NOTE: the counted post returned {response.status_code}")
    with app.app_context():
        db.engine.dispose()
    return len(statements)


def _distribution(label: str, samples: list[float]) -> str:
    return (
        f"  {label:<12} median {statistics.median(samples):6.1f} ms   "
        f"p90 {percentile(samples, 90):6.1f}   p99 {percentile(samples, 99):6.1f}   "
        f"max {max(samples):6.1f}"
    )


def print_result(result: ScenarioResult, statements: int) -> None:
    server = result.server_ms
    size_kib = statistics.median(result.response_bytes) / 1024
    print(
        f"\n{result.name}: {result.requests} posts, {result.failures} failed, "
        f"{statements} SQL statements per post, median response {size_kib:.1f} KiB"
    )
    print(_distribution("server time", server))
    print(_distribution("worker CPU", result.cpu_ms))
    print(_distribution("round trip", result.round_trip_ms))

    median_ok = statistics.median(server) <= GOAL_MEDIAN_MS
    p99_ok = percentile(server, 99) <= GOAL_P99_MS
    print(
        f"  goal for the server time: median <= {GOAL_MEDIAN_MS:.0f} ms "
        f"{'met' if median_ok else 'MISSED'}, p99 <= {GOAL_P99_MS:.0f} ms "
        f"{'met' if p99_ok else 'MISSED'}"
    )
    if result.failures:
        print(
            "  NOTE: some posts failed (statuses and counts: "
            f"{result.failed_statuses}), so these figures do not measure logging."
        )


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = sqlalchemy_url(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    if args.reuse:
        with app.app_context():
            upgrade()  # The schema may have moved on since the database was filled.
        remove_posted_entries(app)
    else:
        prepare_schema(app, args.reset)
        fill(app, args.entries, args.tickets)
    with app.app_context():
        total = db.session.scalar(sa.text("SELECT count(*) FROM time_entries"))
        db.engine.dispose()
    print(
        f"database has {total:,} time entries; {args.clients} clients, "
        f"{args.workers} gunicorn workers, {os.cpu_count()} CPUs, "
        f"gc.freeze {'on' if args.gc_freeze else 'off'}, "
        f"load average {os.getloadavg()[0]:.1f} before the run"
    )

    server, port = start_gunicorn(args.database_url, args.workers, args.gc_freeze)
    results = []
    try:
        clients = [AgentClient(port, agent_email(n + 1)) for n in range(args.clients)]
        for client in clients:
            client.sign_in()
        for scenario in SCENARIOS:
            result = run_scenario(clients, scenario, args.requests, args.warmups)
            statements = count_statements(url, agent_email(1), scenario.on_ticket_page)
            print_result(result, statements)
            results.append(result)
    finally:
        stop_server(server)
        removed = remove_posted_entries(app)
        print(f"\nremoved the {removed:,} entries the benchmark posted")
    print(f"load average {os.getloadavg()[0]:.1f} after the run")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
