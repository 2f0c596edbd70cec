import codecs

import ftfy
import pytest

from articles.ingest import IngestError, SkipStory, parse_bytes
from articles.ingest.read import decode

TEXT = "Café owners say “prices” rose — again.\n\nSecond paragraph."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "windows-1252"],
)
def test_encodings_decode_to_the_same_text(data, encoding):
    decoded = decode(data)
    assert decoded.text == TEXT
    assert decoded.encoding == encoding


def test_latin1_is_read_as_western():
    assert decode("Zürich, Genève and Málaga".encode("latin-1")).text == (
        "Zürich, Genève and Málaga"
    )


def test_mojibake_is_repaired():
    clean = "The café’s naïve owner said it was déjà vu."
    garbled = clean.encode("utf-8").decode("cp1252").encode("utf-8")  # "cafÃ©â€™s"
    assert decode(garbled).text == clean


def test_crlf_and_lone_cr_become_newlines():
    assert decode(b"Title\r\n\r\nBody one.\rBody two.").text == "Title\n\nBody one.\nBody two."


def test_a_few_nul_bytes_are_dropped():
    assert decode(b"Title\n\nBody\x00 text that goes on for a while.").text == (
        "Title\n\nBody text that goes on for a while."
    )


def test_many_nul_bytes_mean_binary():
    with pytest.raises(IngestError, match="binary"):
        decode(b"a\x00b\x00c\x00d\x00" * 100)


@pytest.mark.parametrize("data", [b"", b"   \n\n\t "], ids=["empty", "whitespace"])
def test_empty_files_are_skipped_not_failed(data):
    with pytest.raises(SkipStory, match="file is empty"):
        decode(data)


def test_binary_files_are_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(IngestError, match="binary"):
        decode(png)


def test_size_limit_is_configurable():
    data = b"Title\n\n" + b"word " * 100
    assert decode(data, max_bytes=len(data)).text
    with pytest.raises(IngestError, match="too large"):
        decode(data, max_bytes=len(data) - 1)
    with pytest.raises(IngestError, match="too large"):
        parse_bytes(data, max_bytes=100)


def test_parse_bytes_records_the_encoding():
    story = parse_bytes(
        codecs.BOM_UTF16_LE + "Headline here\n\nA first paragraph of the story.".encode("utf-16-le")
    )
    assert story.encoding == "utf-16-le"
    assert story.title == "Headline here"


def test_cyrillic_code_page_is_not_read_as_western():
    text = "Москва: правительство объявило новые меры поддержки для малого бизнеса."
    assert decode(text.encode("cp1251")).text == text


@pytest.mark.parametrize(
    "raw",
    [
        "Plain ASCII title\n\nA body with\ttabs and nothing odd.\n",
        "A terminal escape \x1b[31mred\x1b[0m in a long enough line of ASCII text\n",
        "Form\x0bfeed and \x7f delete\n",
        "Caf\u00c3\u00a9 mojibake and \ufb01 ligature\n",
    ],
)
def test_ascii_fast_path_gives_what_ftfy_gives(raw):
    expected = ftfy.fix_text(
        raw, normalization="NFC", unescape_html=False, uncurl_quotes=False, fix_line_breaks=True
    )
    assert decode(raw.encode("utf-8")).text == expected
