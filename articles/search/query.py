"""The query language people type, parsed once for whichever engine answers.

Websearch syntax: words (all must match), "exact phrases", OR, -exclusion and
prefix*. The parser accepts any input: what it cannot read as syntax it reads as
plain words, so no query string can raise an error. A backend compiles the
ParsedQuery to its own engine's queries (see backends/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..vocabulary import MAX_QUERY_LENGTH

MAX_TERMS = 32

# Words too common to narrow a search. Bare words of this list are dropped when the
# query has other words ("the bank of england" is "bank england"); a query of nothing
# but these ("The Who") keeps them, and phrases always keep every word.
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


def _term(text: str, *, phrase: bool, stop_words: frozenset[str]) -> Term | None:
    prefix = text.endswith("*") and not phrase
    words = tuple(word.lower() for word in _WORD.findall(text))
    if not words:
        return None
    if len(words) == 1 and not prefix and words[0] in stop_words:
        return None
    return Term(words=words, prefix=prefix)


def parse(q: str) -> ParsedQuery:
    parsed = _parse(q, STOP_WORDS)
    if not parsed.groups:
        # Nothing but common words ("The Who", "to be or not"): search for them after all.
        kept = _parse(q, frozenset())
        if kept.groups:
            return kept
    return parsed


def _parse(q: str, stop_words: frozenset[str]) -> ParsedQuery:
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
            term = _term(match.group("phrase"), phrase=True, stop_words=stop_words)
        else:
            term = _term(bare.lstrip("-"), phrase=False, stop_words=stop_words)
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
