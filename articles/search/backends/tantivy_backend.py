"""The Tantivy backend: an inverted index with columnar fast fields, on local disk.

Why Tantivy: it ranks by BM25 over every match, counts matches exactly and counts
facets over every match from fast fields, in a few milliseconds at a million stories
(the measurements are in bench/RESULTS.md), where SQL engines must visit each
matching row. The official Python bindings (the `tantivy` package) need no server.

Fields. Each text is indexed twice: stemmed and folded (English Snowball, with
accents folded, so "running" finds "run" and "Zurich" finds "Zürich") and exact
(lower-cased words only). A word searches both forms, so a story with the word
itself scores above one that only shares its stem ("Federer" above "federal").
Titles weigh three times the body, entity names twice. Runs of CJK characters,
which no space divides into words, are also indexed as overlapping bigrams (and
single characters), the usual way to find Chinese, Japanese or Korean words.
Entities, source, year and day are integer fast fields: filters and facets.

Languages. A story's stemmed fields use its own language's stemmer: English (and a
story whose language is unknown) in title/names/body, each other language tantivy can
stem in one stem_<code> field of its own. A word is looked for in every one of them,
each analyzed its own way, so "Häuser" finds a German story that says "Haus" and an
English stemmer never mangles a French word. The exact fields hold every language.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tantivy
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from rapidfuzz.distance import DamerauLevenshtein
from tantivy import Filter, Occur, Order, Query, TextAnalyzerBuilder, Tokenizer

from ..query import ParsedQuery, Term
from .base import (
    ENTITY_FACETS,
    FACETS,
    VIEW_COLLAPSED,
    VIEW_COPIES,
    BaseSearchBackend,
    Filters,
    IndexBusy,
    IndexDocument,
    IndexState,
    MonthCounts,
    SearchRequest,
    SearchResponse,
)

# Bump when the schema or the analyzers change: an index of another version is rebuilt.
SCHEMA_VERSION = 4  # 3: story clusters' views; 4: the month field (month_counts)
META_ID = -1  # the one document that holds the IndexState, not a story
# Related stories: how many times the number asked for are ranked at first, before those
# outside the collapsed view are dropped (four times more each round, until enough).
RELATED_OVERFETCH = 4
# "More like this": the story's words that best tell it apart, at most this many.
LIKE_TERMS = 25


def like_terms(
    counts: dict[tuple[str, str], int], doc_freq: Callable[[str, str], int], num_docs: int
) -> list[tuple[float, str, str]]:
    """The (score, field, term) that a "more like this" query asks for: each term of
    the story held by two stories or more, scored by its frequency in the story times
    its BM25 idf, as tantivy's own more-like-this query scores it, best first, ties by
    field and term. Tantivy's own breaks ties in the order of a hash map seeded anew in
    each process, so two web workers showed one story different related stories."""
    scored = []
    for (field, term), frequency in counts.items():
        held = doc_freq(field, term)
        # A word in more documents than are live (a replaced story's old document counts
        # until its segment merges) is in nearly every story and says nothing.
        if held < 2 or held > num_docs:
            continue
        idf = math.log(1 + (num_docs - held + 0.5) / (held + 0.5))
        scored.append((frequency * idf, field, term))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    return scored[:LIKE_TERMS]


# (field, analyzer, boost) for the text a word is looked for in.
TEXT_FIELDS = [
    ("title", "stem", 3.0),
    ("title_exact", "exact", 3.0),
    ("names", "stem", 2.0),
    ("names_exact", "exact", 2.0),
    ("body", "stem", 1.0),
    ("body_exact", "exact", 1.0),
]
# ISO 639-1 code -> the Snowball stemmer tantivy has for it (English is the default).
STEMMED_LANGUAGES = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "nb": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}
LANGUAGE_FIELDS = sorted({f"stem_{name}" for name in STEMMED_LANGUAGES.values()})
EXACT_FIELDS = [(name, boost) for name, analyzer, boost in TEXT_FIELDS if analyzer == "exact"]

# Han, kana, Hangul: scripts written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")

# Ordering keys fold the story id into the date, so that ties order as the database
# does (newest first: later ids first). Seconds times 2**24 ids fit in 63 bits for any
# date from year 1 to 4000, and ids below 16.7 million.
_ID_SPACE = 1 << 24
_NO_DATE = 1 << 37  # beyond any real timestamp in seconds
# A terms aggregation counts the top `segment_size` values of each segment before
# merging: at least every value there is makes the merged counts exact.
_ALL_VALUES = 1 << 30
_YEARS = 10_000
_MONTHS = _YEARS * 12
_MONTH_TERMS = {"terms": {"field": "month", "size": _MONTHS, "segment_size": _ALL_VALUES}}
# Where _facets() leaves the month counts among the facets.
_MONTHS_KEY = "_months"
# Tantivy refuses a writer thread a budget of 4 GiB or more.
_MAX_WRITER_MB = 4000
# Prefix expansion of the last word of a phrase ("prime min*"): how many words at most.
_MAX_EXPANSIONS = 2000


# Which facets are counted beside the ranking, on a second thread. The three entity kinds
# hold the most values a story, so they cost the most: at 1M stories a broad query spent
# 23 ms on organizations, 17 on places and 9 on people, against 49 ms for ranking and
# counting. Groups, topics, sources and the months go with the ranking.
_SIDE = frozenset({"person", "organization", "place"})
_MAIN = frozenset(FACETS) - _SIDE
_pool: tuple[int, ThreadPoolExecutor] | None = None


def _facet_pool() -> ThreadPoolExecutor:
    """A helper thread for each search a process renders at once (its search slots,
    articles/admission.py), made after any fork (a gunicorn worker's own)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        helpers = max(1, settings.NEWSARCHIVE_HEAVY_CONCURRENCY)
        _pool = (os.getpid(), ThreadPoolExecutor(helpers, thread_name_prefix="facets"))
    return _pool[1]


def _analyzers() -> dict[str, tantivy.TextAnalyzer]:
    def base():
        return TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(60))

    def stemmed(language: str):
        return (
            base()
            .filter(Filter.lowercase())
            .filter(Filter.ascii_fold())
            .filter(Filter.stemmer(language))
            .build()
        )

    return {
        "stem": stemmed("english"),
        **{f"stem_{name}": stemmed(name) for name in set(STEMMED_LANGUAGES.values())},
        "exact": base().filter(Filter.lowercase()).build(),
        "grams": TextAnalyzerBuilder(Tokenizer.whitespace()).build(),
        "lower": TextAnalyzerBuilder(Tokenizer.raw()).filter(Filter.lowercase()).build(),
    }


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("meta", stored=True, tokenizer_name="raw")
    for name, analyzer, _ in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=analyzer)
    for name in LANGUAGE_FIELDS:
        builder.add_text_field(name, tokenizer_name=name)
    builder.add_text_field("cjk", tokenizer_name="grams")
    builder.add_text_field("cjk1", tokenizer_name="grams")
    builder.add_text_field("section", tokenizer_name="lower")
    for name in (*ENTITY_FACETS, "source", "year", "day"):
        builder.add_integer_field(name, indexed=True, fast=True)
    builder.add_integer_field("newest", fast=True)
    builder.add_integer_field("oldest", fast=True)
    _cluster_fields(builder)
    builder.add_integer_field("month", fast=True)  # year * 100 + month: month_counts
    return builder.build()


def _cluster_fields(builder: tantivy.SchemaBuilder) -> None:
    """Story clusters: the views a document is in, and a copy's cluster."""
    builder.add_integer_field("view", indexed=True)
    builder.add_integer_field("cluster", indexed=True)


def _cjk_grams(text: str) -> tuple[str, str]:
    """Bigrams and single characters of each CJK run, a run apart by a separator."""
    bigrams, singles = [], []
    for run in _CJK.findall(text):
        singles.extend(run)
        bigrams.extend(run[i : i + 2] for i in range(max(1, len(run) - 1)))
        bigrams.append("|")
    return " ".join(bigrams), " ".join(singles)


def sort_keys(published_at, pk: int) -> tuple[int, int]:
    """(newest, oldest): keys that order stories newest or oldest first, the undated
    last either way, ties by id as the database orders them."""
    if published_at is None:
        return -_NO_DATE * _ID_SPACE + pk, _NO_DATE * _ID_SPACE + pk
    seconds = int(published_at.timestamp())
    return seconds * _ID_SPACE + pk, seconds * _ID_SPACE + pk


class TantivyBackend(BaseSearchBackend):
    name = "tantivy"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.schema = _schema()
        self.analyzers = _analyzers()
        self._lock = threading.Lock()
        self.index = self._open()
        self._state: IndexState | None = None  # as of the searcher's last refresh

    # -- storage --------------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        # Only the folder itself is made: a missing parent is a configuration error (or
        # the SQLite file's own folder gone), not something to create as we go.
        self.path.mkdir(exist_ok=True)
        version_file = self.path / "newsarchive-schema"
        version = version_file.read_text().strip() if version_file.exists() else None
        if version != str(SCHEMA_VERSION) and any(self.path.iterdir()):
            # Another schema: start empty, and the indexer builds it again from the database.
            shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
        index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        version_file.write_text(f"{SCHEMA_VERSION}\n")
        for name, analyzer in self.analyzers.items():
            index.register_tokenizer(name, analyzer)
        index.config_reader(reload_policy="Manual")
        return index

    def refresh(self) -> None:
        self.index.reload()
        self._state = None

    def _writer(self, heap: int = 50_000_000, threads: int = 1):
        try:
            return self.index.writer(heap_size=heap, num_threads=threads)
        except ValueError as exc:  # tantivy's LockBusy
            raise IndexBusy(str(exc)) from exc

    def state(self) -> IndexState:
        if self._state is not None:
            return self._state
        searcher = self.index.searcher()
        hits = searcher.search(Query.term_query(self.schema, "id", META_ID), 1).hits
        state = IndexState()
        if hits:
            data = json.loads(searcher.doc(hits[0][1])["meta"][0])
            state = IndexState(
                position=data["position"],
                holes={int(k): v for k, v in data["holes"].items()},
                built=data["built"],
            )
        self._state = state
        return state

    def _write_state(self, writer, state: IndexState) -> None:
        writer.delete_documents_by_term("id", META_ID)
        meta = {"position": state.position, "holes": state.holes, "built": state.built}
        writer.add_document(tantivy.Document(id=META_ID, meta=json.dumps(meta)))

    def _document(self, doc: IndexDocument) -> tantivy.Document:
        names = "\n".join(doc.names)
        out = tantivy.Document(id=doc.id)
        stemmer = STEMMED_LANGUAGES.get(doc.language)
        if stemmer:  # the story's own language: one stemmed field for all its text
            out.add_text(f"stem_{stemmer}", f"{doc.title}\n{names}\n{doc.body}")
        else:
            out.add_text("title", doc.title)
            out.add_text("body", doc.body)
        out.add_text("title_exact", doc.title)
        out.add_text("body_exact", doc.body)
        if names:
            if not stemmer:
                out.add_text("names", names)
            out.add_text("names_exact", names)
        bigrams, singles = _cjk_grams(f"{doc.title}\n{names}\n{doc.body}")
        if bigrams:
            out.add_text("cjk", bigrams)
            out.add_text("cjk1", singles)
        if doc.section:
            out.add_text("section", doc.section)
        for kind, ids in doc.entities.items():
            for pk in ids:
                out.add_integer(kind, pk)
        if doc.source_id is not None:
            out.add_integer("source", doc.source_id)
        if doc.published_at is not None:
            day = doc.published_at
            out.add_integer("year", day.year)
            out.add_integer("day", day.year * 10000 + day.month * 100 + day.day)
            out.add_integer("month", day.year * 100 + day.month)
        newest, oldest = sort_keys(doc.published_at, doc.id)
        out.add_integer("newest", newest)
        out.add_integer("oldest", oldest)
        self._add_cluster_values(out, doc)
        return out

    def _add_cluster_values(self, out: tantivy.Document, doc: IndexDocument) -> None:
        for view in doc.views:
            out.add_integer("view", view)
        if doc.cluster_id is not None:
            out.add_integer("cluster", doc.cluster_id)
        for source_id in doc.other_sources:
            out.add_integer("source", source_id)
        for day in doc.other_dates:
            out.add_integer("year", day.year)
            out.add_integer("day", day.year * 10000 + day.month * 100 + day.day)

    def _view_clause(self, filters: Filters) -> tuple[Occur, Query]:
        """Each cluster once (its collapsed document), or every copy."""
        view = VIEW_COPIES if filters.every_copy else VIEW_COLLAPSED
        return Occur.Must, Query.const_score_query(Query.term_query(self.schema, "view", view), 0.0)

    def apply(
        self, *, upserts: list[IndexDocument], deletes: Iterable[int], state: IndexState
    ) -> None:
        def write(writer) -> None:
            for pk in {*deletes, *(doc.id for doc in upserts)}:
                writer.delete_documents_by_term("id", pk)
            for doc in upserts:
                writer.add_document(self._document(doc))

        self._commit(write, state)

    def _commit(self, write: Callable, state: IndexState, **writer_options) -> None:
        """Run `write` on this index's writer and commit it with `state`, all or nothing."""
        with self._lock:
            writer = self._writer(**writer_options)
            try:
                write(writer)
                self._write_state(writer, state)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
            finally:
                del writer
        self.refresh()

    def rebuild(
        self,
        documents: Iterable[IndexDocument],
        *,
        state: IndexState,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        count = 0

        def write(writer) -> None:
            nonlocal count
            writer.delete_all_documents()
            for doc in documents:
                writer.add_document(self._document(doc))
                count += 1
                if progress is not None:
                    progress(1)

        # One thread, one budget: two threads wrote two segments even for a small
        # archive, and every segment more costs each search a merge of its facet counts.
        budget = min(settings.NEWSARCHIVE_SEARCH_REBUILD_MB, _MAX_WRITER_MB) * 1_000_000
        self._commit(write, state, heap=budget, threads=1)
        return count

    def document_count(self) -> int:
        """Stories (each copy once; clusters' collapsed documents are not stories)."""
        searcher = self.index.searcher()
        return searcher.search(Query.term_query(self.schema, "view", VIEW_COPIES), 1).count

    def size_on_disk(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    # -- queries --------------------------------------------------------------------

    def _tokens(self, analyzer: str, words: Iterable[str]) -> list[str]:
        tokens: list[str] = []
        for word in words:
            tokens.extend(self.analyzers[analyzer].analyze(word))
        return tokens

    def _text_query(self, field: str, tokens: list[str]) -> Query:
        if len(tokens) == 1:
            return Query.term_query(self.schema, field, tokens[0])
        return Query.phrase_query(self.schema, field, tokens)

    def _prefix_query(self, searcher, field: str, tokens: list[str]) -> Query | None:
        *head, last = tokens
        if not head:  # one word: every word it starts, whatever their number
            return Query.regex_query(self.schema, field, re.escape(last) + ".*")
        expansions = searcher.terms_with_prefix(field, last, limit=_MAX_EXPANSIONS)
        if not expansions:
            return None
        return Query.boolean_query(
            [
                (Occur.Should, Query.phrase_query(self.schema, field, [*head, word]))
                for word, _ in expansions
            ]
        )

    def _term_query(self, searcher, term: Term) -> Query:
        """One word, phrase or prefix, in any text field: a match anywhere, scored by
        where (title, names, body) and how (exact form, or stem only)."""
        clauses: list[tuple[Occur, Query]] = []
        if term.prefix:
            for field, boost in EXACT_FIELDS:
                tokens = self._tokens("exact", term.words)
                query = self._prefix_query(searcher, field, tokens) if tokens else None
                if query is not None:
                    clauses.append((Occur.Should, Query.boost_query(query, boost)))
        else:
            fields = [*TEXT_FIELDS, *((name, name, 1.0) for name in LANGUAGE_FIELDS)]
            for field, analyzer, boost in fields:
                tokens = self._tokens(analyzer, term.words)
                # A field where a word is in no document cannot match: leave it out, or
                # every match pays for it (18 languages' fields, most of them empty).
                if tokens and all(searcher.doc_freq(field, token) for token in set(tokens)):
                    query = Query.boost_query(self._text_query(field, tokens), boost)
                    clauses.append((Occur.Should, query))
        cjk = _CJK.findall(" ".join(term.words))
        if cjk:
            runs = []
            for run in cjk:
                if len(run) == 1:
                    runs.append((Occur.Must, Query.term_query(self.schema, "cjk1", run)))
                else:
                    grams = [run[i : i + 2] for i in range(len(run) - 1)]
                    runs.append((Occur.Must, self._text_query("cjk", grams)))
            clauses.append((Occur.Should, Query.boolean_query(runs)))
        if not clauses:
            return Query.empty_query()
        return Query.boolean_query(clauses)

    def _filter_clauses(self, filters: Filters) -> list[tuple[Occur, Query]]:
        def must(query: Query) -> tuple[Occur, Query]:
            return Occur.Must, Query.const_score_query(query, 0.0)

        def integer(field: str, value: int) -> Query:
            return Query.term_query(self.schema, field, int(value))

        clauses = []
        for kind, ids in filters.entities.items():
            clauses += [must(integer(kind, pk)) for pk in ids]
        if filters.source is not None:
            clauses.append(must(integer("source", filters.source)))
        if filters.section:
            clauses.append(must(Query.term_query(self.schema, "section", filters.section.lower())))
        if filters.year is not None:
            clauses.append(must(integer("year", filters.year)))
        if filters.date_from or filters.date_to:

            def day(d):
                return None if d is None else d.year * 10000 + d.month * 100 + d.day

            clauses.append(
                must(
                    Query.range_query(
                        self.schema,
                        "day",
                        tantivy.FieldType.Integer,
                        day(filters.date_from),
                        day(filters.date_to),
                    )
                )
            )
        if filters.has_date is not None:
            dated = Query.exists_query("year")
            occur = Occur.Must if filters.has_date else Occur.MustNot
            clauses.append((occur, Query.const_score_query(dated, 0.0)))
        clauses.append(self._view_clause(filters))
        return clauses

    def _query(self, searcher, request: SearchRequest) -> Query:
        clauses: list[tuple[Occur, Query]] = []
        parsed = request.query
        if parsed is not None and parsed.groups:
            for group in parsed.groups:
                options = [(Occur.Should, self._term_query(searcher, term)) for term in group]
                clauses.append((Occur.Must, Query.boolean_query(options)))
        else:
            clauses.append((Occur.Must, Query.all_query()))
        if parsed is not None:
            for term in parsed.excluded:
                clauses.append((Occur.MustNot, self._term_query(searcher, term)))
        clauses += self._filter_clauses(request.filters)
        clauses.append((Occur.MustNot, Query.term_query(self.schema, "id", META_ID)))
        return Query.boolean_query(clauses)

    def search(self, request: SearchRequest) -> SearchResponse:
        searcher = self.index.searcher()
        query = self._query(searcher, request)
        ranked = request.query is not None and bool(request.query.groups)
        sort = request.sort if ranked or request.sort != "relevance" else "newest"
        # tantivy keeps offset + limit hits in memory: past the index's end (a hostile
        # page number) there is nothing to keep, so only the count is asked for.
        docs = searcher.num_docs
        offset = max(0, request.offset)
        limit = min(max(1, request.limit), max(1, docs))
        if offset >= docs:
            offset, limit = 0, 1
            request = SearchRequest(**{**request.__dict__, "limit": 0})
        # Facet counts are the costly part of a broad search: a share of them is counted on
        # a second core while this thread ranks and counts the rest (tantivy lets go of the
        # GIL), so a page over hundreds of thousands of matches waits for about half.
        side = _facet_pool().submit(self._facets, searcher, query, request, _SIDE)
        if sort == "relevance":
            count, addresses = self._ranked(searcher, query, offset, limit, docs)
        else:
            field = "oldest" if sort == "oldest" else "newest"
            order = Order.Asc if sort == "oldest" else Order.Desc
            result = searcher.search(
                query, limit, count=True, order_by_field=field, order=order, offset=offset
            )
            count, addresses = result.count, [address for _, address in result.hits]
        addresses = addresses[: request.limit]
        ids = searcher.fast_field_values("id", addresses) if addresses else []
        found = {}
        if count:
            found = {**self._facets(searcher, query, request, _MAIN), **side.result()}
        else:
            side.cancel()
        months = None
        if request.months:
            by_month = found.pop(_MONTHS_KEY, {})
            months = MonthCounts(months=by_month, undated=count - sum(by_month.values()))
        facets = {kind: found[kind] for kind in request.facets if kind in found}
        return SearchResponse(ids=list(ids), total=count, facets=facets, months=months)

    def _ranked(self, searcher, query: Query, offset: int, limit: int, docs: int):
        """Best first by BM25; equal scores newest first, as the database orders stories,
        whatever the index's segments (which alone would order ties by where a document
        happens to lie). The top hits are fetched until the window's last score is
        followed by a lower one, so a tie that spans the window is ordered whole."""
        wanted = offset + limit
        fetch = min(docs, wanted + 32)
        while True:
            result = searcher.search(query, fetch, count=True)
            hits = result.hits
            closed = len(hits) < fetch or len(hits) <= wanted or hits[-1][0] < hits[wanted - 1][0]
            if closed or fetch >= docs:
                break
            fetch = min(docs, fetch * 4)
        if not hits:
            return result.count, []
        newest = searcher.fast_field_values("newest", [address for _, address in hits])
        ordered = sorted(zip(hits, newest, strict=True), key=lambda h: (-h[0][0], -h[1]))
        return result.count, [address for (_, address), _ in ordered[offset:wanted]]

    def _facets(self, searcher, query: Query, request: SearchRequest, kinds=None) -> dict:
        """The facets of `kinds` that the request asks for, in one aggregation. With
        the main kinds go the month counts, when asked for (under _MONTHS_KEY); the year
        facet is then their sum by year, which is the same count, and not counted again."""
        wanted = [k for k in request.facets if kinds is None or k in kinds]
        months = request.months and (kinds is None or "year" in kinds)
        counted = [k for k in wanted if not (months and k == "year")]
        if not counted and not months:
            return {}
        spec = {}
        for kind in counted:
            size = _YEARS if kind == "year" else request.facet_limit
            spec[kind] = {"terms": {"field": kind, "size": size, "segment_size": _ALL_VALUES}}
        if months:
            spec["month"] = _MONTH_TERMS
        found = searcher.aggregate(query, spec)
        facets: dict = {}
        for kind in counted:
            buckets = found.get(kind, {}).get("buckets", [])
            facets[kind] = [(int(b["key"]), int(b["doc_count"])) for b in buckets]
        if months:
            buckets = found.get("month", {}).get("buckets", [])
            by_month = {int(b["key"]): int(b["doc_count"]) for b in buckets}
            facets[_MONTHS_KEY] = by_month
            if "year" in wanted:
                years: dict[int, int] = {}
                for month, n in by_month.items():
                    years[month // 100] = years.get(month // 100, 0) + n
                # In a terms aggregation's order: most first, ties by the smaller year.
                facets["year"] = sorted(years.items(), key=lambda kv: (-kv[1], kv[0]))
        return facets

    # -- counts over time (kept apart from the facets above) -----------------------------

    def month_counts(self, request: SearchRequest) -> MonthCounts:
        searcher = self.index.searcher()
        query = self._query(searcher, request)
        total = searcher.search(query, 1, count=True).count
        if not total:
            return MonthCounts()
        buckets = searcher.aggregate(query, {"month": _MONTH_TERMS}).get("month", {})
        buckets = buckets.get("buckets", [])
        months = {int(b["key"]): int(b["doc_count"]) for b in buckets}
        return MonthCounts(months=months, undated=total - sum(months.values()))

    # -- snippets, related, suggestions ------------------------------------------------

    def snippets(self, query: ParsedQuery, texts: dict[int, str]) -> dict[int, SafeString]:
        if not query.groups or not texts:
            return {}
        searcher = self.index.searcher()
        positive = self._query(searcher, SearchRequest(query=ParsedQuery(groups=query.groups)))
        generators = []
        for field in ("body", "body_exact"):
            generator = tantivy.SnippetGenerator.create(searcher, positive, self.schema, field)
            generator.set_max_num_chars(240)
            generators.append((field, generator))
        out = {}
        for pk, text in texts.items():
            best = None
            # Stemmed first (it marks "prices" for "price"); the exact forms only where the
            # stems found nothing (another language's story, say): half the work a page.
            for field, generator in generators:
                snippet = generator.snippet_from_doc(tantivy.Document(**{field: text}))
                ranges = [(r.start, r.end) for r in snippet.highlighted()]
                if ranges:
                    best = (snippet.fragment(), ranges)
                    break
            html = _highlight(*best) if best else _highlight_words(text, query)
            if html is not None:
                out[pk] = html
        return out

    def related(self, document: IndexDocument, limit: int) -> list[int]:
        searcher = self.index.searcher()
        fields = {"title": document.title, "body": document.body[:20_000]}
        if document.names:
            fields["names"] = "\n".join(document.names)
        counts = Counter(
            (field, term) for field, text in fields.items() for term in self._tokens("stem", [text])
        )
        terms = like_terms(counts, searcher.doc_freq, searcher.num_docs)
        if not terms:
            return []
        like = Query.boolean_query(
            [
                (Occur.Should, Query.boost_query(Query.term_query(self.schema, f, t), score))
                for score, f, t in terms
            ]
        )
        # Never the story itself, the index's own record, or the story's own copies.
        left_out = [
            (Occur.MustNot, Query.term_query(self.schema, "id", document.id)),
            (Occur.MustNot, Query.term_query(self.schema, "id", META_ID)),
        ]
        if document.cluster_id is not None:
            own = Query.term_query(self.schema, "cluster", document.cluster_id)
            left_out.append((Occur.MustNot, own))
        # Each cluster once: only documents of the collapsed view. The best few are ranked
        # by likeness alone, then kept if that view holds them and they are not left out,
        # asking for more until enough are kept: the same stories, in the same order, as
        # one search with all of it. Asked of the ranking, the view's term (held by nearly
        # every document) made it intersect with it (12 ms at 1M stories, against 5), and
        # the three left out cost it 40 % more at 100k (1.23 ms against 0.76).
        wanted = limit * RELATED_OVERFETCH
        while True:
            hits = searcher.search(like, wanted, count=False).hits
            addresses = [address for _, address in hits]
            ids = [int(pk) for pk in searcher.fast_field_values("id", addresses)] if hits else []
            shown = self._in_collapsed_view(searcher, ids, left_out)
            kept = [pk for pk in ids if pk in shown]
            if len(kept) >= limit or len(hits) < wanted:
                return kept[:limit]
            wanted *= 4

    def _in_collapsed_view(self, searcher, ids: list[int], left_out=()) -> set[int]:
        """Which of the documents `ids` the collapsed view holds, less those that match a
        clause of `left_out` (MustNot clauses)."""
        if not ids:
            return set()
        query = Query.boolean_query(
            [
                (Occur.Must, Query.term_set_query(self.schema, "id", ids)),
                (Occur.Must, Query.term_query(self.schema, "view", VIEW_COLLAPSED)),
                *left_out,
            ]
        )
        hits = searcher.search(query, len(ids), count=False).hits
        return set(searcher.fast_field_values("id", [a for _, a in hits])) if hits else set()

    def respell(self, words: list[str], limit: int = 3) -> dict[str, list[str]]:
        """For each word the archive does not hold, the commonest words within two edits
        of it (one for short words) that it does, best first: "blari" -> "blair". Only
        terms that share the word's first letter are read, from the index's term
        dictionaries (names weigh most, then titles, then bodies), so it costs a few
        milliseconds at any archive size."""
        searcher = self.index.searcher()
        out: dict[str, list[str]] = {}
        for word in dict.fromkeys(w.lower() for w in words):
            if len(word) < 3 or _CJK.search(word) or searcher.doc_freq("body_exact", word):
                continue
            near = self._near_words(searcher, word)[:limit]
            if near:
                out[word] = near
        return out

    def _near_words(self, searcher, word: str) -> list[str]:
        most = 1 if len(word) <= 4 else 2
        scored: dict[str, tuple[int, int]] = {}
        for field, weight in (("names_exact", 4), ("title_exact", 2), ("body_exact", 1)):
            for term, freq in searcher.terms_with_prefix(field, word[0]):
                if abs(len(term) - len(word)) > most:
                    continue
                distance = DamerauLevenshtein.distance(word, term, score_cutoff=most)
                if distance > most:
                    continue
                previous = scored.get(term, (most + 1, 0))
                scored[term] = (min(previous[0], distance), previous[1] + freq * weight)
        return [t for t, _ in sorted(scored.items(), key=lambda kv: (kv[1][0], -kv[1][1], kv[0]))]


def _highlight(text: str, ranges: list[tuple[int, int]]) -> SafeString:
    """Escape `text` and mark its byte ranges (tantivy counts UTF-8 bytes)."""
    raw = text.encode("utf-8")
    parts, last = [], 0
    for start, end in sorted(ranges):
        if start < last:
            continue
        parts.append(escape(raw[last:start].decode("utf-8", "ignore")))
        parts.append("<mark>" + escape(raw[start:end].decode("utf-8", "ignore")) + "</mark>")
        last = end
    parts.append(escape(raw[last:].decode("utf-8", "ignore")))
    return mark_safe("".join(parts).strip())  # every piece escaped above


def _highlight_words(text: str, query: ParsedQuery, width: int = 240) -> SafeString | None:
    """For what tantivy cannot highlight (prefixes, CJK): the first window holding a
    query word, its words marked."""
    patterns = []
    for group in query.groups:
        for term in group:
            words = [re.escape(w) for w in term.words]
            if term.prefix:
                words[-1] += r"\w*"
            joined = r"\W+".join(words)
            patterns.append(joined if _CJK.search(joined) else rf"\b{joined}\b")
    if not patterns:
        return None
    pattern = re.compile("|".join(patterns), re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return None
    start = max(0, first.start() - width // 3)
    window = text[start : start + width]
    ranges = [(len(window[: m.start()].encode()), len(window[: m.end()].encode()))
              for m in pattern.finditer(window)]  # fmt: skip
    prefix = "… " if start else ""
    html = _highlight(window, ranges)
    suffix = " …" if start + width < len(text) else ""
    return mark_safe(escape(prefix) + html + suffix)  # every piece escaped
