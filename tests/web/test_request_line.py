"""The longest request the API's schema allows fits the request-line limit it promises,
and gunicorn, with the project's gunicorn.conf.py, takes it."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from articles.openapi import EMPTY, REQUEST_LINE_LIMIT, SCHEMA, SLUG_PATTERN

from ..conftest import ROOT

WIDE = "😀"  # four bytes of UTF-8, twelve once percent-encoded


def longest(schema: dict):
    """The value of `schema` that takes the most bytes in a query string."""
    if "anyOf" in schema:
        options = [longest(s) for s in schema["anyOf"] if s != EMPTY]
        return max(options, key=lambda value: len(urlencode({"x": value}, doseq=True)))
    if "enum" in schema:
        return max(schema["enum"], key=len)
    if schema.get("type") == "array":
        return [longest(schema["items"])] * schema["maxItems"]
    if schema.get("type") == "integer":
        return schema["maximum"]
    if schema.get("format") == "date":
        return "2005-05-06"
    filler = "a" if schema.get("pattern") == SLUG_PATTERN else WIDE
    return filler * schema["maxLength"]


def longest_request_line(path: str) -> str:
    values = {}
    for parameter in SCHEMA["paths"][path]["get"].get("parameters", []):
        if parameter["in"] == "query":
            value = longest(parameter["schema"])
            validator = Draft202012Validator(parameter["schema"], format_checker=FormatChecker())
            assert validator.is_valid(value), parameter["name"]
            values[parameter["name"]] = value
    return f"{path}?{urlencode(values, doseq=True)}"


@pytest.mark.parametrize("path", [p for p in SCHEMA["paths"] if "{" not in p])
def test_the_longest_valid_request_fits_the_promised_limit(path):
    target = longest_request_line(path)
    assert len(f"GET {target} HTTP/1.1\r\n") <= REQUEST_LINE_LIMIT
    assert f"{REQUEST_LINE_LIMIT:,}" in SCHEMA["info"]["description"]


def test_gunicorn_is_configured_past_the_promised_limit():
    from gunicorn.config import Config

    config = Config()
    namespace: dict = {}
    exec(Path(ROOT, "gunicorn.conf.py").read_text(), namespace)
    config.set("limit_request_line", namespace["limit_request_line"])
    # 0 is gunicorn's "no fixed limit", which it caps at 1 MiB.
    assert config.limit_request_line == 0 or config.limit_request_line >= REQUEST_LINE_LIMIT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_takes_the_longest_valid_request():
    """Served by gunicorn as deployed (its config file read from the project folder). The
    database is one gunicorn cannot reach, so the answer is the API's 503 problem: the
    request got through gunicorn and the API's own checks, where a 414 or 400 would not."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": "sqlite:////nonexistent-directory/for/newsarchive.sqlite3",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "newsarchive.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        target = longest_request_line("/api/stories/")
        assert len(target) > 8190  # past gunicorn's largest fixed limit
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", target)
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        response = connection.getresponse()
        assert response.status == 503, response.read()[:500]
        assert response.getheader("Content-Type") == "application/problem+json"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_each_gunicorn_worker_moves_what_it_loaded_out_of_the_collectors_reach():
    import gc

    namespace: dict = {}
    exec(Path(ROOT, "gunicorn.conf.py").read_text(), namespace)
    before = gc.get_freeze_count()
    try:
        namespace["post_worker_init"](None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
