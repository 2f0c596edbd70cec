"""gunicorn's settings for newsarchive; gunicorn reads ./gunicorn.conf.py by itself.

The API's longest valid request (every parameter at the bound its schema sets, in
four-byte characters, percent-encoded) is about 20 kB of request line, more than
gunicorn's largest fixed limit (8,190 bytes). 0 lifts that limit to gunicorn's own
ceiling of 1 MiB; the schema promises REQUEST_LINE_LIMIT (32 KiB, articles/openapi.py),
and tests/test_request_line.py checks both. A proxy in front must allow as much (nginx:
`large_client_header_buffers 4 32k;`).
"""

limit_request_line = 0


def post_worker_init(worker):
    """Move what the worker has loaded (Django, the URL patterns, the models, the search
    index's reader) out of the cyclic garbage collector's reach: a full collection walked
    all of it, over 100,000 objects, though none of it is ever garbage. An uncached home
    page at 100k stories took 7.4 ms of CPU without this and 4.9 with it
    (bench/RESULTS.md); the collector still collects everything requests make."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  # loaded now, not by the first request
    gc.freeze()
