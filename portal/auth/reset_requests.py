"""Password reset requests, handled by a worker thread after the response.

The forgot-password page must not reveal whether an address has an account,
and its response time would: an existing account costs a token insert and an
SMTP conversation that a missing one does not. So the page only queues the
address and redirects, the same work for every address. A worker thread then
looks the address up, issues the token, commits and sends the mail.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import copy_current_request_context, g

from portal.extensions import db
from portal.services.access_mail import send_password_reset
from portal.services.accounts_access import request_password_reset

logger = logging.getLogger(__name__)

# Two workers keep one slow SMTP server from holding up every reset.
WORKER_THREADS = 2
# Requests beyond this many waiting or running are dropped and logged, so a
# flood of forgot-password posts cannot fill the memory with queued work.
MAX_PENDING_REQUESTS = 200

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


def queue_password_reset(email: str) -> bool:
    """Queue the reset of email's account and return whether it was queued.

    Call it from the request. The worker runs in a copy of the request
    context, so the e-mailed link is built as the page would build it.
    """
    request_id = g.get("request_id", "-")

    @copy_current_request_context
    def run() -> None:
        g.request_id = request_id
        process_password_reset(email)

    with _lock:
        if len(_pending) >= MAX_PENDING_REQUESTS:
            logger.warning(
                "password reset dropped: %s requests already queued", len(_pending)
            )
            return False
        future = _worker_pool().submit(run)
        _pending.add(future)
    future.add_done_callback(_forget)
    return True


def process_password_reset(email: str) -> None:
    """Issue a reset token for email's active account, commit, and send the link.

    Nothing is sent for an address without an active account, or for one
    that reached the hourly limit. Errors are logged here, because no
    request is left to report them to.
    """
    try:
        requested = request_password_reset(email)
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("password reset request failed before any mail was sent")
        return
    if requested is not None:
        user, raw_token = requested
        outcome = send_password_reset(user, raw_token)
        logger.info("password reset mail for user %s: %s", user.id, outcome)


def wait_for_password_resets(timeout: float = 30.0) -> None:
    """Block until every queued reset has finished, or raise TimeoutError.

    Tests call this before they read the mail a reset sends.
    """
    with _lock:
        futures = set(_pending)
    _, not_done = wait(futures, timeout=timeout)
    if not_done:
        raise TimeoutError(
            f"{len(not_done)} password resets still running after {timeout} s."
        )


def _worker_pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=WORKER_THREADS, thread_name_prefix="password-reset"
        )
    return _executor


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)
