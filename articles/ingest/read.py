"""Bytes to text: size limit, binary sniffing, encoding detection, line endings."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import ftfy
from charset_normalizer import from_bytes

from .types import IngestError, SkipStory

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass
class DecodedText:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)  # damage found and repaired, for a person


_WESTERN = {"cp1252", "latin_1", "iso8859_15"}
# Latin-script single-byte pages (not Cyrillic cp1251, Greek cp1253, and the like).
_LATIN_SCRIPT = {
    "cp1250", "cp1254", "cp1257", "latin_1", "mac_roman", "mac_latin2",
    "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9", "iso8859_10",
    "iso8859_13", "iso8859_14", "iso8859_16",
}  # fmt: skip


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    # Text in UTF-8 or a single-byte code page has (almost) no control bytes.
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 0))
    nuls = sample.count(0)
    return nuls > len(sample) // 10 or controls > len(sample) // 20


def decode(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DecodedText:
    """Turn a file's bytes into normalised text, or raise IngestError saying why not."""
    if len(data) > max_bytes:
        raise IngestError(
            f"file is too large ({len(data):,} bytes; the limit is {max_bytes:,} bytes)"
        )
    if not data.strip():
        # Nothing to store, and nothing wrong with it: a placeholder is skipped, not failed,
        # so a run of stories beside one exits 0 (the README's exit-status contract).
        raise SkipStory("file is empty")

    encoding = ""
    warnings: list[str] = []
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding = name
            data = data[len(bom) :]
            break

    if not encoding:
        if _looks_binary(data):
            raise IngestError("file looks binary, not text")
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            text, encoding, damage = _decode_legacy(data)
            warnings.extend(damage)
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise IngestError(f"file is not valid {encoding}: {exc.reason}") from None

    if "\x00" in text:
        # NUL never belongs in a story; a few stray ones come from bad scrapes.
        if text.count("\x00") > len(text) // 100 + 1:
            raise IngestError("file contains NUL bytes; it looks binary or truncated")
        text = text.replace("\x00", "")

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Plain ASCII without control characters is something ftfy leaves as it is
    # (mojibake, odd widths, ligatures and odd line breaks all need other characters):
    # skip it, as it costs as much as a tenth of parsing a wire story.
    if not (text.isascii() and not _ASCII_CONTROL.search(text)):
        text = ftfy.fix_text(
            text,
            normalization="NFC",
            unescape_html=False,
            uncurl_quotes=False,
            fix_line_breaks=True,
        )
    if not text.strip():
        raise IngestError("file has no text")
    return DecodedText(text=text, encoding=encoding, warnings=warnings)


# Letters of scripts that a Latin-script story never mixes in, a few at a time.
_OTHER_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u052f\u0590-\u06ff\u0e00-\u0e7f]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# Three non-ASCII characters in a row, none of them a letter of a word with ASCII letters:
# what stray bytes look like through a Latin code page ("ÿþÃ("); accented words ("été",
# "Öl", "Málaga") mix their accents with plain letters.
_STRAY_RUN = re.compile(r"(?<![A-Za-z])[^\x00-\x7f\s]{3,}(?![A-Za-z])")
# A file that is UTF-8 but for a few bad bytes is repaired rather than refused, up to
# this share of its bytes.
_MAX_DAMAGE = 0.01


def _decode_legacy(data: bytes) -> tuple[str, str, list[str]]:
    """Text that is not valid UTF-8: a single-byte code page when one reads it plausibly,
    else UTF-8 with its few bad bytes replaced (and said so), else refused."""
    repaired = data.decode("utf-8", errors="replace")
    bad = repaired.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    has_utf8 = any(ord(char) > 127 and char != "\ufffd" for char in repaired)
    damage = [
        f"{bad:,} byte(s) that are not valid UTF-8 were replaced with \ufffd "
        "(no other encoding reads the file plausibly)"
    ]
    if has_utf8 and bad <= max(4, _MAX_DAMAGE * len(data)):
        return repaired, "utf-8", damage  # UTF-8 with a few broken bytes, not a code page

    best = from_bytes(data).best()
    if best is not None:
        encoding = best.encoding
        # Single-byte code pages are hard to tell apart on short texts (a few
        # accented letters decide it); when the winner is one of the Latin-script
        # pages and Windows-1252, the superset of Latin-1 that Western sites use,
        # reads every byte, prefer it.
        if encoding in _WESTERN or (encoding in _LATIN_SCRIPT and _decodes(data, "cp1252")):
            encoding = "cp1252"
        text = data.decode(encoding, errors="replace")
        if _plausible(text):
            return text, encoding, []
    if bad <= max(4, _MAX_DAMAGE * len(data)):
        return repaired, "utf-8", damage
    raise IngestError(
        "the text is not valid UTF-8 and no other encoding reads it plausibly "
        f"({bad:,} bad bytes); it was not stored"
    )


def _plausible(text: str) -> bool:
    """A code page's reading is implausible when a text of Latin letters has a few letters of
    another script among them ("headline яюГ("): bytes that were never letters at all."""
    other = len(_OTHER_SCRIPT.findall(text))
    latin = len(_ASCII_LETTER.findall(text))
    if other:
        return other >= 0.2 * (latin + other)
    non_ascii = sum(1 for char in text if ord(char) > 127)
    # A text mostly in another alphabet (Latin-2, a Nordic page) is judged by its letters.
    return non_ascii > 0.2 * (latin + non_ascii) or not _STRAY_RUN.search(text)
