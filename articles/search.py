"""Full-text search: one query language, two engines.

People type websearch syntax: words (all must match), "exact phrases", OR,
-exclusion and prefix*. We parse it here once and compile the same parsed query
to PostgreSQL's tsquery and to SQLite FTS5's MATCH language, so both databases
answer alike. (PostgreSQL's own websearch_to_tsquery has no prefix operator,
which is why the parsing is ours.) The parser accepts any input: what it cannot
read as syntax it reads as plain words, so no query string can raise an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32

# PostgreSQL's English configuration drops these; FTS5 does not. Dropping them
# here too keeps the two engines' answers the same.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with you your yours yourself yourselves""".split()
)

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r'(?P<neg>-)?"(?P<phrase>[^"]*)"?|(?P<bare>\S+)')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False

    def __str__(self) -> str:
        text = " ".join(self.words) + ("*" if self.prefix else "")
        return f'"{text}"' if len(self.words) > 1 else text


@dataclass
class ParsedQuery:
    """Groups are AND-ed; the terms inside a group are OR-ed."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.groups or self.excluded)

    @property
    def positive_words(self) -> list[str]:
        return [word for group in self.groups for term in group for word in term.words]


def _term(text: str, *, phrase: bool) -> Term | None:
    prefix = text.endswith("*") and not phrase
    words = tuple(word.lower() for word in _WORD.findall(text))
    if not words:
        return None
    if len(words) == 1 and not prefix and words[0] in STOP_WORDS:
        return None
    return Term(words=words, prefix=prefix)


def parse(q: str) -> ParsedQuery:
    parsed = ParsedQuery()
    pending_or = False
    count = 0
    for match in _TOKEN.finditer(q[:MAX_QUERY_LENGTH]):
        if count >= MAX_TERMS:
            break
        bare = match.group("bare")
        if bare == "OR":
            pending_or = bool(parsed.groups)
            continue
        negated = bool(match.group("neg")) or (bare is not None and bare.startswith("-"))
        if match.group("phrase") is not None:
            term = _term(match.group("phrase"), phrase=True)
        else:
            term = _term(bare.lstrip("-"), phrase=False)
        if term is None:
            continue
        count += 1
        if negated:
            parsed.excluded.append(term)
        elif pending_or:
            parsed.groups[-1].append(term)
        else:
            parsed.groups.append([term])
        pending_or = False
    return parsed


def _fts5_term(term: Term) -> str:
    # Every word is quoted, so nothing a person types is read as FTS5 syntax.
    quoted = '"' + " ".join(term.words) + '"'
    return quoted + " *" if term.prefix else quoted


def to_fts5(terms_groups: list[list[Term]]) -> str:
    groups = []
    for group in terms_groups:
        inner = " OR ".join(_fts5_term(term) for term in group)
        groups.append(f"({inner})" if len(group) > 1 else inner)
    return " AND ".join(groups)


def to_fts5_query(parsed: ParsedQuery) -> str:
    """The whole query, exclusions too, as one FTS5 expression (needs a positive part)."""
    positive = to_fts5(parsed.groups)
    if parsed.excluded:
        return f"({positive}) NOT ({to_fts5([parsed.excluded])})"
    return positive


def _tsquery_term(term: Term) -> str:
    lexemes = [f"'{word}'" for word in term.words]
    if term.prefix:
        lexemes[-1] += ":*"
    return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def to_tsquery(terms_groups: list[list[Term]]) -> str:
    groups = []
    for group in terms_groups:
        inner = " | ".join(_tsquery_term(term) for term in group)
        groups.append(f"({inner})" if len(group) > 1 else inner)
    return " & ".join(groups)
