"""Schemathesis, as the API's users run it: every check, against the schema the site serves.

The run is the tool's own command line against a live server holding the API tests'
archive, on whichever database the suite runs on. All checks are on and none is
switched off; the seed is fixed, so a failure can be replayed. 50 examples an
operation reach all seven operations in every phase (coverage, fuzzing, stateful):
about 900 cases. tests/api/schemathesis_hooks.py works around one bug in the tool and says
which.
"""

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from articles.openapi import SCHEMA

from ..conftest import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

ST = Path(sys.executable).with_name("st")
SEED, EXAMPLES = "19", "50"


def test_schemathesis_finds_no_failure(live_server, archive, tmp_path):
    junit = tmp_path / "junit.xml"
    result = subprocess.run(
        [
            str(ST), "run", f"{live_server.url}/api/schema.json",
            "--checks", "all", "--seed", SEED, "--max-examples", EXAMPLES, "--workers", "1",
            "--generation-database", "none", "--no-color",
            "--report", "junit", "--report-junit-path", str(junit),
        ],
        capture_output=True, text=True, timeout=900, cwd=ROOT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert {key: suite.get(key) for key in ("failures", "errors", "skipped")} == {
        "failures": "0",
        "errors": "0",
        "skipped": "0",
    }
    tested = {case.get("name") for case in suite.iter("testcase")}
    # Every operation but the schema itself, which the tool does not test.
    documented = {f"GET {path}" for path in SCHEMA["paths"] if path != "/api/schema.json"}
    assert documented | {"Stateful tests"} == tested
    assert "Schema Error" not in result.stdout
