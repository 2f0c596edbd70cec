"""Property tests: whatever bytes arrive, the parsers answer with a story or their own error.

The suite runs a short pass; `make fuzz` runs the long one (FUZZ_EXAMPLES, 100k by default).
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import ingest
from articles.ingest import IngestError

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 1000,  # the suite's short run is the same every time
)

CHROME = [
    "Save Story", "Estimated read time: 4-5 minutes", "Leer en español",
    "This archived news story is available only for your personal, non-commercial use.",
    "Copyright © The Associated Press. All rights reserved.", "Most recent U.S. stories",
    "Related topics", "KSL Weather Forecast", "WASHINGTON (AP) — ", "SALT LAKE CITY — ",
    "Jane Doe, KSL.com | Posted Sept. 22, 2019 - 4:37 p.m.", "CLEVELAND, Feb 26 - ", "Reuter",
    "<html><head><title>x</title></head><body><p>", "</p></body></html>", "<script>", "\r\n",
    "\ufeff", "\x00", "By Jane Doe", "Share this", "Advertisement", "\n\n", "|", "—",
]  # fmt: skip

story_like_text = st.lists(
    st.one_of(st.sampled_from(CHROME), st.text(max_size=80)), max_size=40
).map("\n".join)


def parse_or_refuse(data: bytes, fmt: str | None = None) -> None:
    try:
        story = ingest.parse_bytes(data, path="fuzz.txt", format=fmt)
    except IngestError:
        return
    assert story.title.strip()
    assert story.body.strip()
    story.to_json()


@fuzz
@given(st.binary(max_size=4000))
def test_any_bytes(data):
    parse_or_refuse(data)


@fuzz
@given(story_like_text, st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig"]))
def test_story_like_text_in_any_encoding(text, encoding):
    parse_or_refuse(text.encode(encoding, errors="replace"))


@fuzz
@given(story_like_text, st.sampled_from(sorted(ingest.PARSERS)))
def test_every_parser_forced_on_any_text(text, fmt):
    parse_or_refuse(text.encode("utf-8", errors="replace"), fmt)
