"""Files that sit beside stories but are not stories: a corpus's README, its licence, a
manifest table, images. Each gets a reason a person can read, and is skipped, not failed."""

from __future__ import annotations

import re

# A folder's own documents, by name, with or without an extension: README, README.TXT,
# LICENSE.md, PROVENANCE.txt, CHANGELOG.rst, ...
_DOCUMENT = re.compile(
    r"^(?:readme|read[\s_-]?me|licen[cs]e|copying|provenance|changelog|changes"
    r"|authors|contributors|contributing|notice|manifest|todo|citation"
    r"|code[\s_-]of[\s_-]conduct)(?:[._-][\w.-]*)?$",
    re.I,
)
# Extensions that never hold a story's text.
_NOT_TEXT = {
    # data tables and metadata (a manifest passed as a path, or lying in the folder)
    "csv": "a data table (a manifest?), not a story",
    "tsv": "a data table (a manifest?), not a story",
    "sgm": "an SGML collection, not one story",
    "yaml": "a settings file, not a story",
    "yml": "a settings file, not a story",
    "toml": "a settings file, not a story",
    "ini": "a settings file, not a story",
    "cfg": "a settings file, not a story",
    "log": "a log file, not a story",
    "py": "program code, not a story",
    "js": "program code, not a story",
    "css": "a style sheet, not a story",
    "sh": "program code, not a story",
    "gz": "a compressed file that is not a .tar.gz archive",
    "bz2": "a compressed file, not a story",
    "xz": "a compressed file, not a story",
    "7z": "an archive of a kind ingest does not read",
    "rar": "an archive of a kind ingest does not read",
    "pdf": "a PDF document (ingest reads text, HTML and JSON)",
    "doc": "a word-processor document (ingest reads text, HTML and JSON)",
    "docx": "a word-processor document (ingest reads text, HTML and JSON)",
    "odt": "a word-processor document (ingest reads text, HTML and JSON)",
}
for _ext in ("png", "jpg", "jpeg", "gif", "webp", "svg", "bmp", "tif", "tiff", "ico", "heic"):
    _NOT_TEXT[_ext] = "an image, not a story"
for _ext in ("mp3", "mp4", "m4a", "wav", "ogg", "webm", "mov", "avi", "mkv", "flac"):
    _NOT_TEXT[_ext] = "audio or video, not a story"
for _ext in ("woff", "woff2", "ttf", "otf", "eot"):
    _NOT_TEXT[_ext] = "a font, not a story"

# A licence or notice, whatever the file is called: its opening title, or the clauses every
# copy of the MIT and BSD licences carries.
_LICENCE_TITLE = re.compile(
    r"^\W*(?:the\s+)?(?:mit|bsd|apache|isc|mozilla public|gnu (?:lesser |affero )?general public"
    r"|creative commons)\b.{0,40}\blicen[cs]e\b",
    re.I,
)
_LICENCE_CLAUSE = re.compile(
    r"permission is hereby granted, free of charge|the software is provided \W?as is\W?"
    r"|redistribution and use in source and binary forms",
    re.I,
)


def reason_by_name(name: str) -> str:
    """Why the file called `name` is not a story, or "" when it may be one."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if _DOCUMENT.match(base):
        return f"{base} is the folder's own document (README, LICENSE, PROVENANCE…), not a story"
    extension = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if extension in _NOT_TEXT and not base.lower().endswith(".tar.gz"):
        return _NOT_TEXT[extension]
    return ""


def reason_by_text(text: str) -> str:
    """Why this text is not a story (a licence), or "" when it may be one."""
    if _LICENCE_TITLE.match(text[:200]) or _LICENCE_CLAUSE.search(text[:3000]):
        return "the text is a licence or legal notice, not a story"
    return ""
