"""Each story's language is detected and stored; only English text goes through English NER."""

import pytest

from articles import pipeline
from articles.ingest import Input, language

from ..conftest import FIXTURES, SEED


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The council agreed on Tuesday to extend the library's opening hours.", "en"),
        (
            "Le conseil municipal a voté mardi la prolongation des horaires de la bibliothèque.",
            "fr",
        ),
        (
            "Der Stadtrat hat am Dienstag längere Öffnungszeiten für die Bibliothek beschlossen.",
            "de",
        ),
        ("El ayuntamiento aprobó el martes ampliar el horario de la biblioteca municipal.", "es"),
        ("서울시는 화요일 도서관 운영 시간을 연장하기로 결정했다고 밝혔다.", "ko"),
        # An all-capital wire headline is English, not whatever its capitals look like.
        (
            "AMERICAN EXPRESS <AXP> BACKS BROKERAGE SALE\n\nNew York - American Express said.",
            "en",
        ),
        ("12 34 56 -- 78", ""),  # no words: unknown, not a guess
    ],
)
def test_detect_text(text, code):
    assert language.detect_text(text) == code


@pytest.mark.parametrize(("declared", "code"), [("en-US", "en"), ("EN", "en"), ("pt_BR", "pt"),
                                                ("english", ""), ("", "")])  # fmt: skip
def test_iso_code(declared, code):
    assert language.iso_code(declared) == code


def test_a_korean_story_in_a_ksl_layout_is_korean_and_gets_no_english_names():
    data = (FIXTURES / "ksl" / "layouts" / "korean.txt").read_bytes()
    seed = SEED.read_bytes()
    outcomes = list(
        pipeline.run([Input(name="ko.txt", data=data), Input(name="seed.txt", data=seed)],
                     pipeline.Options())
    )  # fmt: skip
    korean, english = (o.story for o in outcomes)
    assert korean.title == "서울 한강 공원에 새해 해돋이 인파"
    assert korean.byline == "김민준"
    assert korean.language == "ko"
    assert korean.entities == []
    assert english.language == "en"
    assert {"John Kerry", "Sergey Lavrov"} <= {e.name for e in english.entities}


def test_metadata_language_wins_and_the_default_fills_only_what_detection_cannot():
    short = Input(name="a.txt", data=b"HEADLINE\n\n12 34 56 78 90\n")
    options = pipeline.Options(tag=False, defaults={"language": "cy"})
    assert pipeline.parse_one(short, options).story.language == "cy"
    english = Input(name="b.txt", data=SEED.read_bytes())
    assert pipeline.parse_one(english, options).story.language == "en"
