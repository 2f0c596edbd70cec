"""The 500 handler, which tells a database outage (503, try again) from a fault (500)."""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` came from a database that cannot be reached now, rather than from
    a query that is wrong: only then does the database also refuse a trivial query."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return True
    return False


def unavailable(request: HttpRequest) -> HttpResponse:
    # Rendered without a request context: nothing on it may need the database.
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. Django calls it while handling the exception, so it can see which."""
    if database_unavailable(sys.exc_info()[1]):
        return unavailable(request)
    return defaults.server_error(request)
