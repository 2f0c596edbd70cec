"""Story files to ParsedStory objects. Pure Python: no Django, safe in worker processes.

read (bytes -> text) -> detect (which format) -> <format>.parse (text -> ParsedStory)
"""

from __future__ import annotations

from collections.abc import Callable

from . import html, jsonstory, ksl, language, notstory, plain, textscrape, validate
from .metadata import Manifest, apply_metadata, load_manifest, sidecar_for
from .read import DEFAULT_MAX_BYTES, decode
from .sources import Input, Walk, count_inputs, iter_inputs
from .types import IngestError, ParsedStory, SkipStory, TaggedEntity

PARSER_VERSION = "10"

Parser = Callable[..., ParsedStory]

PARSERS: dict[str, Parser] = {
    "ksl": ksl.parse,
    "plain": plain.parse,
    "html": html.parse,
    "textscrape": textscrape.parse,
    "json": jsonstory.parse,
}


def detect(text: str) -> str:
    """The name of the parser that fits this text best.

    Most specific first: markup, KSL's own markers, JSON, then the shape of the lines
    (a page of menus is a text scrape; a headline and paragraphs are plain text)."""
    text = text.lstrip("\ufeff")  # text not read through read.decode may keep its BOM
    if html.looks_like(text):
        return "html"  # markup first: a saved KSL page in HTML has KSL's words in it too
    if ksl.looks_like(text):
        return "ksl"
    if jsonstory.looks_like(text):
        return "json"
    if plain.looks_like(text):
        return "plain"
    if textscrape.looks_like(text):
        return "textscrape"
    return "plain"


def parse_text(text: str, *, path: str = "", format: str | None = None) -> ParsedStory:
    name = format or detect(text)
    try:
        parser = PARSERS[name]
    except KeyError:
        raise IngestError(f"unknown format {name!r}; choose from {', '.join(PARSERS)}") from None
    story = parser(text, path=path)
    story.format = name
    story.raw = text
    validate.clean(story)
    # The page's own word for its language (<html lang>) is a guess like the parser's
    # others: the text decides when the model is sure.
    story.language = language.story_language(story) or language.iso_code(story.language)
    return story


def parse_bytes(
    data: bytes,
    *,
    path: str = "",
    format: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedStory:
    decoded = decode(data, max_bytes=max_bytes)
    if why := notstory.reason_by_text(decoded.text):
        raise SkipStory(why)
    story = parse_text(decoded.text, path=path, format=format)
    story.encoding = decoded.encoding
    story.warnings[:0] = decoded.warnings
    return story


__all__ = [
    "DEFAULT_MAX_BYTES",
    "PARSERS",
    "PARSER_VERSION",
    "IngestError",
    "Input",
    "Manifest",
    "ParsedStory",
    "SkipStory",
    "TaggedEntity",
    "Walk",
    "apply_metadata",
    "count_inputs",
    "detect",
    "iter_inputs",
    "language",
    "load_manifest",
    "parse_bytes",
    "parse_text",
    "sidecar_for",
    "validate",
]
