"""Which database answers: the primary, or a streaming replica (DATABASE_REPLICA_URLS).

Everything reads and writes the primary ("default") unless a request opens a window
for replica reads: `ReplicaReadsMiddleware` opens one for a GET or HEAD of a public
page, a feed or the API. So management commands (ingest, retag, purge_batch,
search_index), the admin, any other method and migrations all use the primary, and
a request keeps one replica for all its reads. Inside the window the primary still
answers:
- sessions, users, admin log entries, lockouts and the database cache table, so that
  signing in, out or being locked out counts at once on every server;
- the search change log and the index's documents (`primary_reads`, used by
  articles/search/indexer.py): an index must never record a position in the log
  beyond the stories it read;
- a reader who wrote in the last NEWSARCHIVE_PRIMARY_AFTER_WRITE seconds
  (read-your-writes): any request that writes through the ORM, or calls a service
  that changes the archive, sets a signed cookie saying until when.

A replica is used only while it answers and lags by at most
NEWSARCHIVE_REPLICA_MAX_LAG seconds; each process checks each replica at most every
NEWSARCHIVE_REPLICA_CHECK_SECONDS (one small query). A page that failed on a replica
that has since gone away is answered again from the primary.
"""

from __future__ import annotations

import contextlib
import contextvars
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

PRIMARY = DEFAULT_DB_ALIAS
COOKIE = "na_primary"
COOKIE_SALT = "articles.routing.read-your-writes"
READ_METHODS = ("GET", "HEAD")
# Read from the primary whatever the request: who is signed in, and who is locked out.
PRIMARY_APPS = frozenset({"auth", "sessions", "admin", "axes", "django_cache"})
PRIMARY_MODELS = frozenset({"articles.searchchange", "articles.searchnode"})


@dataclass
class Reads:
    """Where this request's reads may go, and what it did."""

    replica_allowed: bool = False
    replica: str | None = None  # the one chosen, kept for the whole request
    pinned: int = 0  # inside primary_reads()
    wrote: bool = False


_reads: contextvars.ContextVar[Reads | None] = contextvars.ContextVar("reads", default=None)


def replicas() -> list[str]:
    return list(getattr(settings, "NEWSARCHIVE_DATABASE_REPLICAS", []))


# Replica health -----------------------------------------------------------------------

# Seconds behind the primary; 0 when it has applied all it has received (an idle primary
# sends nothing, and its last commit may be long ago), None when it is not a replica.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


@dataclass
class Health:
    checked_at: float
    lag: float | None  # None: it did not answer
    usable: bool


_health: dict[str, Health] = {}
_health_lock = threading.Lock()


def probe(alias: str) -> float | None:
    """Seconds `alias` lags behind the primary, or None when it does not answer."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.execute("SELECT 1")
                return 0.0
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
    except DatabaseError:
        with contextlib.suppress(DatabaseError):
            connection.close()
        return None
    return float(lag) if lag is not None else 0.0


def health(alias: str, *, fresh: bool = False) -> Health:
    """The replica's state, checked at most every NEWSARCHIVE_REPLICA_CHECK_SECONDS."""

    def current(known: Health) -> bool:
        interval = settings.NEWSARCHIVE_REPLICA_CHECK_SECONDS
        return time.monotonic() - known.checked_at < interval

    known = _health.get(alias)
    if not fresh and known is not None and current(known):
        return known
    with _health_lock:
        known = _health.get(alias)
        if fresh or known is None or not current(known):
            lag = probe(alias)
            usable = lag is not None and lag <= settings.NEWSARCHIVE_REPLICA_MAX_LAG
            known = _health[alias] = Health(time.monotonic(), lag, usable)
    return known


def mark(alias: str, *, usable: bool, lag: float | None = 0.0) -> None:
    """Record a replica's state without asking it (a failure seen, or a test)."""
    _health[alias] = Health(time.monotonic(), lag, usable)


def forget_health() -> None:
    _health.clear()


# Choosing ---------------------------------------------------------------------------


def choose_replica() -> str | None:
    usable = [alias for alias in replicas() if health(alias).usable]
    return random.choice(usable) if usable else None


def read_alias() -> str:
    """Where a read made now goes."""
    state = _reads.get()
    if state is None or not state.replica_allowed or state.pinned or state.wrote:
        return PRIMARY
    if state.replica is None:
        state.replica = choose_replica() or PRIMARY
    return state.replica


def note_write() -> None:
    """This request changed the archive: read the primary from now on (and for
    NEWSARCHIVE_PRIMARY_AFTER_WRITE seconds, by cookie)."""
    state = _reads.get()
    if state is not None:
        state.wrote = True


def replica_reads_allowed() -> bool:
    """Whether this request's reads may go to a replica (none need be up)."""
    state = _reads.get()
    return bool(state and state.replica_allowed and not state.pinned and not state.wrote)


def reading_replica() -> bool:
    state = _reads.get()
    return bool(state and state.replica and state.replica != PRIMARY and not state.wrote)


@contextlib.contextmanager
def primary() -> Iterator[None]:
    """Every read inside reads the primary."""
    state = _reads.get()
    if state is None:
        yield
        return
    state.pinned += 1
    try:
        yield
    finally:
        state.pinned -= 1


def primary_reads(function: Callable) -> Callable:
    """For code that must read the primary even inside a reader's request."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with primary():
            return function(*args, **kwargs)

    return wrapper


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry: see the module's docstring."""

    def db_for_read(self, model, **hints) -> str:
        meta = model._meta
        if meta.app_label in PRIMARY_APPS or meta.label_lower in PRIMARY_MODELS:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        note_write()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # every database holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == PRIMARY


# The request's side -----------------------------------------------------------------


def _admin_prefix() -> str:
    return reverse("admin:index")


def wrote_recently(request: HttpRequest) -> bool:
    seconds = settings.NEWSARCHIVE_PRIMARY_AFTER_WRITE
    value = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT, max_age=seconds)
    return value is not None


def replica_allowed(request: HttpRequest) -> bool:
    return (
        bool(replicas())
        and request.method in READ_METHODS
        and not request.path_info.startswith(_admin_prefix())
        and not wrote_recently(request)
    )


class ReplicaReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = Reads(replica_allowed=replica_allowed(request))
        token = _reads.set(state)
        try:
            response = self.get_response(request)
            failed = state.replica if reading_replica() else None
            if failed and response.status_code >= 500 and not health(failed, fresh=True).usable:
                # The replica went away mid-request: answer from the primary instead.
                state = Reads(replica_allowed=False)
                _reads.set(state)
                response = self.get_response(request)
        finally:
            _reads.reset(token)
        if state.wrote:
            seconds = settings.NEWSARCHIVE_PRIMARY_AFTER_WRITE
            response.set_signed_cookie(
                COOKIE,
                "1",
                salt=COOKIE_SALT,
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
