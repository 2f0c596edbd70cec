"""Bytes to text: size limit, binary sniffing, encoding detection, line endings."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import ftfy
from charset_normalizer import from_bytes

from .types import IngestError

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
        raise IngestError("file is empty")

    encoding = ""
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
            matches = from_bytes(data)
            best = matches.best()
            if best is None:
                raise IngestError("could not detect the text encoding") from None
            encoding = best.encoding
            # Single-byte code pages are hard to tell apart on short texts (a few
            # accented letters decide it); when the winner is one of the Latin-script
            # pages and Windows-1252, the superset of Latin-1 that Western sites use,
            # reads every byte, prefer it.
            if encoding in _WESTERN or (encoding in _LATIN_SCRIPT and _decodes(data, "cp1252")):
                encoding = "cp1252"
            text = data.decode(encoding, errors="replace")
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
    return DecodedText(text=text, encoding=encoding)
