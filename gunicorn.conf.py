"""gunicorn's settings for newsarchive; gunicorn reads ./gunicorn.conf.py by itself.

The API's longest valid request (every parameter at the bound its schema sets, in
four-byte characters, percent-encoded) is about 20 kB of request line, more than
gunicorn's largest fixed limit (8,190 bytes). 0 lifts that limit to gunicorn's own
ceiling of 1 MiB; the schema promises REQUEST_LINE_LIMIT (32 KiB, articles/openapi.py),
and tests/test_request_line.py checks both. A proxy in front must allow as much (nginx:
`large_client_header_buffers 4 32k;`).
"""

limit_request_line = 0
