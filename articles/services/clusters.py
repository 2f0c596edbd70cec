"""Writes to story clusters: joining at ingest, splitting a copy out, joining two
clusters, undoing either, and rebuilding them all.

Every change records, in its own transaction, a search change for each story whose
cluster changed and for each cluster whose copies changed (search/changes.py), so
the index shows a cluster once and its copies as they are now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from .. import clusters
from ..models import Article, ClusterEdit, ClusterKey, StoryCluster
from ..search import changes as search_changes
from .archive import archive_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The most stories one story is compared with exactly: the ones sharing the most LSH
# keys with it. It bounds the cost of a story at ingest whatever the archive's size.
MAX_CANDIDATES = 20
# Ids or keys in one IN (...): well under SQLite's oldest limit of 999 variables.
_CHUNK = 900
_UNDATED = datetime.max.replace(tzinfo=UTC)  # sorts after every date, as NULLS LAST does


class ClusterError(Exception):
    """A cluster edit that cannot be made; the message says why, for a person."""


def cluster_keys_replace(
    *, article: Article, fingerprint: clusters.Fingerprint, new: bool = False
) -> None:
    """Store the story's LSH keys in place of any it had (`new`: it was just stored, so
    it has none), in one statement."""
    if not new:
        ClusterKey.objects.filter(article=article).delete()
    _keys_insert([(article.pk, key) for key in _stored_keys(fingerprint)])


def _stored_keys(fingerprint: clusters.Fingerprint) -> list[int]:
    """The distinct LSH keys a story stores: none when it is too short to cluster."""
    if len(fingerprint.shingles) < clusters.MIN_SHINGLES:
        return []
    return list(dict.fromkeys(fingerprint.keys))


def _keys_insert(rows: list[tuple[int, int]]) -> None:
    """Insert (article id, key) rows in one statement: building a model instance for
    each of a story's 32 keys cost more than the rest of its detection."""
    if rows:
        table, article_id, key = (
            connection.ops.quote_name(name)
            for name in (ClusterKey._meta.db_table, "article_id", "key")
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One statement for a group's thousand keys: an executemany is a
                # statement a row, which the server parses and plans one by one.
                cursor.execute(
                    f"INSERT INTO {table} ({article_id}, {key}) "
                    "SELECT * FROM UNNEST(%s::bigint[], %s::bigint[])",
                    [[pk for pk, _ in rows], [value for _, value in rows]],
                )
            else:  # SQLite runs an executemany in process, with no round trips
                cursor.executemany(
                    f"INSERT INTO {table} ({article_id}, {key}) VALUES (%s, %s)", rows
                )


def _key_holders(keys: list[int]) -> list[tuple[int, int]]:
    """(key, article id) of every stored story holding one of `keys`: on PostgreSQL one
    query with the keys as one array, whose plan does not depend on a group's thousand
    keys; on SQLite, IN lists under its variable limit."""
    if not keys:
        return []
    table, article_id, key = (
        connection.ops.quote_name(name) for name in (ClusterKey._meta.db_table, "article_id", "key")
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT {key}, {article_id} FROM {table} WHERE {key} = ANY(%s::bigint[])",
                [keys],
            )
            return cursor.fetchall()
        # Raw SQL: the ORM preparing each of a thousand keys as a lookup value cost
        # more than the query itself (most of a group's detection on SQLite).
        rows: list[tuple[int, int]] = []
        for start in range(0, len(keys), _CHUNK):
            part = keys[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT {key}, {article_id} FROM {table} WHERE {key} IN ({marks})", part
            )
            rows.extend(cursor.fetchall())
        return rows


def _best_match(article: Article, fingerprint: clusters.Fingerprint) -> Article | None:
    """The earlier story `article` is a copy of, or None: of the stories sharing the
    most LSH keys with it (the likeliest copies first), the first the exact comparison
    calls the same story. Most stories are decided by one comparison, so a story costs
    about two fingerprints at ingest however many copies the archive holds."""
    if len(fingerprint.shingles) < clusters.MIN_SHINGLES:
        return None
    ranked = (
        ClusterKey.objects.filter(key__in=list(fingerprint.keys))
        .exclude(article_id=article.pk)
        .values("article_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "article_id")[:MAX_CANDIDATES]
    )
    ids = [row["article_id"] for row in ranked]
    if not ids:
        return None
    found = Article.objects.only("id", "body", "cluster_id", "cluster_locked").in_bulk(ids)
    for pk in ids:
        other = found.get(pk)
        if other is None or (other.cluster_locked and other.cluster_id is None):
            continue  # gone, or a curator took it out of its cluster: it stays alone
        compared = clusters.fingerprint(other.body, keys=False)  # its keys are stored
        if clusters.same_story(clusters.similarity(fingerprint, compared)):
            return other
    return None


def _rank(cluster_ids: Iterable[int]) -> set[int]:
    """Order each cluster's copies (0 is the original: the earliest dated, then the most
    complete, then the first stored) and dissolve a cluster left with one copy. Returns
    the ids of the stories a dissolved cluster let go: their search documents change.
    (A rank is not in a copy's document, and search re-reads a cluster's copies itself
    when their views may change: search/documents.py.) One read of every copy of these
    clusters, and one write each for the ranks, the dissolved and the kept clusters."""
    wanted = sorted(set(cluster_ids))
    if not wanted:
        return set()
    by_cluster: dict[int, list[tuple[int, int]]] = {cluster_id: [] for cluster_id in wanted}
    for start in range(0, len(wanted), _CHUNK):
        for pk, rank, cluster_id in (
            Article.objects.filter(cluster_id__in=wanted[start : start + _CHUNK])
            .order_by(F("published_at").asc(nulls_last=True), "-word_count", "id")
            .values_list("id", "cluster_rank", "cluster_id")
        ):
            by_cluster[cluster_id].append((pk, rank))
    touched: set[int] = set()
    dissolved: list[int] = []
    kept: list[int] = []
    changed: list[tuple[int | None, int]] = []
    for cluster_id, copies in by_cluster.items():
        if len(copies) < 2:
            touched.update(pk for pk, _ in copies)
            dissolved.append(cluster_id)
            continue
        kept.append(cluster_id)
        changed.extend((rank, pk) for rank, (pk, was) in enumerate(copies) if was != rank)
    if dissolved:
        Article.objects.filter(cluster_id__in=dissolved).update(cluster=None, cluster_rank=0)
        StoryCluster.objects.filter(pk__in=dissolved).delete()
    _set_each(Article, "cluster_rank", changed)
    if kept:
        StoryCluster.objects.filter(pk__in=kept).update(updated_at=timezone.now())
    return touched


def _set_each(model, column: str, values: list[tuple[int | None, int]]) -> None:
    """UPDATE one integer column of many rows, each to its own value ((value, id)
    pairs), in one statement (PostgreSQL) or one executemany (SQLite): a CASE over
    hundreds of ids costs more to build than to run."""
    if values:
        table, name, pk = (
            connection.ops.quote_name(part) for part in (model._meta.db_table, column, "id")
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {table} SET {name} = v.value "
                    "FROM UNNEST(%s::bigint[], %s::bigint[]) AS v(value, id) "
                    f"WHERE {table}.{pk} = v.id",
                    [[value for value, _ in values], [row for _, row in values]],
                )
            else:
                cursor.executemany(f"UPDATE {table} SET {name} = %s WHERE {pk} = %s", values)


def _changed(*, story_ids: Iterable[int], cluster_ids: Iterable[int]) -> None:
    search_changes.record_for_clusters(story_ids=story_ids, cluster_ids=cluster_ids)


def cluster_assign(
    *, article: Article, fingerprint: clusters.Fingerprint | None = None, new: bool = False
) -> None:
    """At ingest (inside its transaction), for a new (`new`) or changed story: store its
    LSH keys and put it in the cluster of the story it copies, if any. A story a curator
    placed keeps its place; one whose text no longer matches its cluster leaves it."""
    fingerprint = fingerprint or clusters.fingerprint(article.body)
    cluster_keys_replace(article=article, fingerprint=fingerprint, new=new)
    if article.cluster_locked:
        clusters_settle(cluster_ids=[article.cluster_id] if article.cluster_id else [])
        return
    before = article.cluster_id
    match = _best_match(article, fingerprint)
    if match is None:
        if before is not None:
            article.cluster = None
            Article.objects.filter(pk=article.pk).update(cluster=None, cluster_rank=0)
            _changed(story_ids=[article.pk, *_rank([before])], cluster_ids=[before])
        return
    if match.cluster_id is not None and match.cluster_id == before:
        _changed(story_ids=[article.pk, *_rank([before])], cluster_ids=[before])
        return
    cluster_id, placed = match.cluster_id, [article.pk]
    if cluster_id is None:
        cluster_id = StoryCluster.objects.create().pk
        Article.objects.filter(pk=match.pk).update(cluster_id=cluster_id)
        placed.append(match.pk)
    Article.objects.filter(pk=article.pk).update(cluster_id=cluster_id)
    article.cluster_id = cluster_id
    moved = [c for c in (before, cluster_id) if c is not None]
    _changed(story_ids=[*placed, *_rank(moved)], cluster_ids=moved)


def clusters_assign_new(
    *, stories: list[tuple[Article, clusters.Fingerprint]], logged: Set[int] = frozenset()
) -> None:
    """`cluster_assign` for stories just stored, in the order given, in a dozen queries
    for all of them rather than a dozen each (at ingest, one group's new stories, inside
    its transaction). Each story is decided exactly as `cluster_assign` would have
    decided it after the ones before it: the same candidates (an earlier story of the
    list among them, with the keys and cluster it has by then), in the same order, the
    same comparison, the same cluster.

    The candidates' shared keys are counted from one read of every stored story with
    one of these stories' keys; the candidates' texts are read in rounds (one query a
    round: most stories are decided by their first candidate, so one or two rounds).

    `logged`: the stories whose search change the caller recorded in this transaction
    (ingest records each new story's): the index reads them after this commits, cluster
    and all, so they are not logged a second time."""
    if not stories:
        return
    pks = [article.pk for article, _ in stories]
    keys = [_stored_keys(found) for _, found in stories]  # as cluster_keys_replace stores
    postings: dict[int, list[int]] = {}  # key -> the stories holding it, archive's first
    wanted = sorted({key for mine in keys for key in mine})
    for key, other in _key_holders(wanted):
        postings.setdefault(key, []).append(other)
    _keys_insert([(pk, key) for pk, mine in zip(pks, keys, strict=True) for key in mine])
    # The candidates of each, as _best_match ranks them: the stored stories, and the
    # stories of this list before it, that share the most keys with it.
    ranked: list[list[int]] = []
    for pk, mine in zip(pks, keys, strict=True):
        shared: dict[int, int] = {}
        for key in mine:
            for other in postings.get(key, ()):
                if other != pk:
                    shared[other] = shared.get(other, 0) + 1
        ranked.append(sorted(shared, key=lambda o: (-shared[o], o))[:MAX_CANDIDATES])
        for key in mine:
            postings.setdefault(key, []).append(pk)
    ours = {article.pk: found for article, found in stories}
    # Where each candidate is (cluster, locked): ours are new; a stored one's is read
    # with its text, when it is compared (only those compared can be matches).
    placed: dict[int, tuple[int | None, bool]] = dict.fromkeys(ours, (None, False))
    matches = _first_matches(stories, ranked, ours, placed)
    # Apply the matches in order: a story joins its match's cluster as it is by then.
    cluster_of = {pk: cluster_id for pk, (cluster_id, _) in placed.items()}
    made: list[int] = []  # clusters to create, as -1, -2, ... until they have ids
    moved: list[int] = []
    for pk, match in zip(pks, matches, strict=True):
        if match is None:
            continue
        cluster_id = cluster_of[match]
        if cluster_id is None:
            made.append(-len(made) - 1)
            cluster_id = cluster_of[match] = made[-1]
            moved.append(match)
        cluster_of[pk] = cluster_id
        moved.append(pk)
    if not moved:
        return
    created = StoryCluster.objects.bulk_create([StoryCluster() for _ in made])
    real = dict(zip(made, (c.pk for c in created), strict=True))
    final: dict[int, int] = {}
    for pk in moved:
        cluster_id = cluster_of[pk]
        if cluster_id is not None:  # every story moved was given one
            final[pk] = real.get(cluster_id, cluster_id)
    _set_each(Article, "cluster_id", [(cluster_id, pk) for pk, cluster_id in final.items()])
    for article, _ in stories:
        if article.pk in final:
            article.cluster_id = final[article.pk]
    clusters_moved = set(final.values())
    touched = [pk for pk in final if pk not in logged]
    _changed(story_ids=[*touched, *_rank(clusters_moved)], cluster_ids=clusters_moved)


def _first_matches(
    stories: list[tuple[Article, clusters.Fingerprint]],
    ranked: list[list[int]],
    ours: dict[int, clusters.Fingerprint],
    placed: dict[int, tuple[int | None, bool]],
) -> list[int | None]:
    """For each story, the first of its ranked candidates the exact comparison calls the
    same story, skipping one gone or split out by a curator (as _best_match does). A
    comparison does not depend on the clusters, so every story is decided at once.
    `placed` gains each stored candidate's (cluster, locked), read with its text."""
    found: dict[int, clusters.Fingerprint | None] = dict(ours)  # None: gone
    matches: list[int | None] = [None] * len(stories)
    position = [0] * len(stories)
    waiting = set(range(len(stories)))
    while waiting:
        texts_needed: set[int] = set()
        for i in sorted(waiting):
            candidates, mine = ranked[i], stories[i][1]
            while position[i] < len(candidates):
                other = candidates[position[i]]
                if other not in found:
                    texts_needed.add(other)
                    break
                position[i] += 1
                compared = found[other]
                cluster_id, locked = placed.get(other, (None, False))
                if compared is None or (locked and cluster_id is None):
                    continue
                if clusters.same_story(clusters.similarity(mine, compared)):
                    matches[i] = other
                    position[i] = len(candidates)
            else:
                waiting.discard(i)
        if not texts_needed:
            break
        ids = sorted(texts_needed)
        bodies: dict[int, str] = {}
        for start in range(0, len(ids), _CHUNK):
            for pk, body, cluster_id, locked in Article.objects.filter(
                pk__in=ids[start : start + _CHUNK]
            ).values_list("pk", "body", "cluster_id", "cluster_locked"):
                bodies[pk] = body
                placed[pk] = (cluster_id, locked)
        for pk in ids:
            text = bodies.get(pk)
            found[pk] = None if text is None else clusters.fingerprint(text, keys=False)
    return matches


@dataclass
class ClusterBatch:
    """New stories of one ingest group waiting for their clusters, decided together by
    `flush` (clusters_assign_new) in the group's transaction: before a story that is not
    new changes (its own clusters are decided as they stand, story by story), and at the
    group's end. A story is added only once it is stored, so one the database refused
    is never decided."""

    stories: list[tuple[Article, clusters.Fingerprint]] = field(default_factory=list)
    logged: set[int] = field(default_factory=set)

    def add(
        self,
        *,
        article: Article,
        fingerprint: clusters.Fingerprint | None = None,
        logged: bool = False,
    ) -> None:
        """`fingerprint`: the story's body's, where the caller has it already. `logged`:
        the caller recorded the story's search change in this transaction."""
        if fingerprint is None:
            fingerprint = clusters.fingerprint(article.body)
        self.stories.append((article, fingerprint))
        if logged:
            self.logged.add(article.pk)

    def flush(self) -> None:
        """Decide the waiting stories' clusters. A database error here is the group's,
        not the story being stored when it came: ClusterBatchError, which rolls back the
        whole group for the caller to store story by story."""
        if self.stories:
            try:
                with transaction.atomic():
                    clusters_assign_new(stories=self.stories, logged=self.logged)
            except DatabaseError as exc:
                raise ClusterBatchError(str(exc)) from exc
            self.stories.clear()
            self.logged.clear()


class ClusterBatchError(Exception):
    """A group's clusters could not be written (the database refused them)."""


def clusters_of(*, stories: QuerySet[Article]) -> set[int]:
    """The clusters these stories are copies of (call it before they are deleted)."""
    return set(
        stories.filter(cluster__isnull=False).order_by().values_list("cluster_id", flat=True)
    )


def clusters_settle(*, cluster_ids: Iterable[int]) -> None:
    """After copies left these clusters (deleted, or edited in the admin): order each
    one's copies again, dissolve one left with a single copy, and have search re-read
    its copies and its collapsed document, in the caller's transaction."""
    cluster_ids = set(cluster_ids)
    if cluster_ids:
        _changed(story_ids=_rank(cluster_ids), cluster_ids=cluster_ids)


def cluster_story_edited(*, article: Article) -> None:
    """A curator changed a story's text or date in the admin: its cluster is decided
    again as at ingest (a story a curator placed keeps its place, and is re-ranked)."""
    if settings.NEWSARCHIVE_CLUSTERS and not article.cluster_locked:
        cluster_assign(article=article)  # which orders its clusters' copies again too
    elif article.cluster_id is not None:
        clusters_settle(cluster_ids=[article.cluster_id])


def _snapshot(stories: Iterable[Article]) -> dict[str, list]:
    return {
        str(story.pk): [story.cluster_id, story.cluster_rank, story.cluster_locked]
        for story in stories
    }


@transaction.atomic
def cluster_split(*, article: Article, user: User | None = None) -> ClusterEdit:
    """Take one copy out of its cluster: it stands alone from now on (a rebuild and
    later ingests leave it so), until undone."""
    locked = Article.objects.select_for_update().filter(pk=article.pk).first()
    if locked is None:
        raise ClusterError("The story was deleted meanwhile.")
    article = locked
    if article.cluster_id is None:
        raise ClusterError("The story is in no cluster.")
    cluster_id = article.cluster_id
    edit = ClusterEdit.objects.create(
        action=ClusterEdit.Action.SPLIT,
        summary=f"Split “{article.title[:200]}” out of cluster {cluster_id}",
        snapshot={
            "stories": _snapshot([article]),
            "created": [],
            "mates": {
                str(cluster_id): list(
                    Article.objects.filter(cluster_id=cluster_id)
                    .exclude(pk=article.pk)
                    .values_list("pk", flat=True)
                )
            },
        },
        made_by=user,
    )
    Article.objects.filter(pk=article.pk).update(cluster=None, cluster_rank=0, cluster_locked=True)
    _changed(story_ids=[article.pk, *_rank([cluster_id])], cluster_ids=[cluster_id])
    archive_changed()
    return edit


@transaction.atomic
def cluster_join(*, stories: list[Article], user: User | None = None) -> ClusterEdit:
    """Make these stories, and every copy in their clusters, one cluster (the lowest
    numbered of theirs, or a new one), placed by a curator: until undone."""
    ids = sorted({story.pk for story in stories})
    chosen = list(Article.objects.select_for_update().filter(pk__in=ids))
    if len(chosen) < 2:
        raise ClusterError("Choose at least two stories (or copies of two clusters).")
    cluster_ids = sorted({s.cluster_id for s in chosen if s.cluster_id is not None})
    members = list(
        Article.objects.select_for_update().filter(pk__in=ids)
        | Article.objects.select_for_update().filter(cluster_id__in=cluster_ids)
    )
    if len(cluster_ids) == 1 and all(s.cluster_id == cluster_ids[0] for s in members):
        raise ClusterError("These stories are in one cluster already.")
    created = []
    if cluster_ids:
        target = cluster_ids[0]
    else:
        target = StoryCluster.objects.create().pk
        created.append(target)
    edit = ClusterEdit.objects.create(
        action=ClusterEdit.Action.JOIN,
        summary=f"Joined {len(members)} copies into cluster {target}",
        snapshot={"stories": _snapshot(members), "created": created},
        made_by=user,
    )
    Article.objects.filter(pk__in=[m.pk for m in members]).update(
        cluster_id=target, cluster_locked=True
    )
    _rank([target])
    StoryCluster.objects.filter(pk__in=[c for c in cluster_ids if c != target]).delete()
    _changed(story_ids=[m.pk for m in members], cluster_ids=cluster_ids + created)
    archive_changed()
    return edit


@transaction.atomic
def cluster_edit_undo(*, edit: ClusterEdit, user: User | None = None) -> int:
    """Put every story a split or join moved back where it was (a story deleted since
    stays deleted; a cluster that was deleted is made again). Returns how many stories."""
    locked = ClusterEdit.objects.select_for_update().filter(pk=edit.pk).first()
    if locked is None:
        raise ClusterError("The edit was deleted meanwhile.")
    edit = locked
    if edit.undone_at is not None:
        raise ClusterError("This edit was undone already.")
    later = ClusterEdit.objects.filter(made_at__gt=edit.made_at, undone_at__isnull=True)
    stories = edit.snapshot["stories"]
    for other in later:
        if set(other.snapshot["stories"]) & set(stories):
            raise ClusterError(f"Undo the later edit “{other.summary}” first.")
    live = {
        a.pk: a
        for a in Article.objects.select_for_update().filter(pk__in=[int(k) for k in stories])
    }
    current = {a.cluster_id for a in live.values() if a.cluster_id is not None}
    wanted = {values[0] for values in stories.values() if values[0] is not None}
    existing = set(StoryCluster.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    resolved = {cid: cid for cid in existing}
    for missing in sorted(wanted - existing):
        # Gone since (a rebuild made its copies another cluster): the one its copies are in.
        mates = edit.snapshot.get("mates", {}).get(str(missing), [])
        now = Article.objects.filter(pk__in=mates, cluster__isnull=False).values_list(
            "cluster_id", flat=True
        )
        resolved[missing] = now.first() or StoryCluster.objects.create(pk=missing).pk
    for key, (cluster_id, rank, locked) in stories.items():
        if int(key) in live:
            Article.objects.filter(pk=int(key)).update(
                cluster_id=resolved.get(cluster_id), cluster_rank=rank, cluster_locked=locked
            )
    wanted = set(resolved.values())
    affected = current | wanted
    touched = _rank(affected)
    StoryCluster.objects.filter(pk__in=edit.snapshot["created"], copies__isnull=True).delete()
    edit.undone_at = timezone.now()
    edit.undone_by = user
    edit.save(update_fields=["undone_at", "undone_by"])
    _changed(story_ids=[*live, *touched], cluster_ids=affected | set(edit.snapshot["created"]))
    archive_changed()
    return len(live)


def clusters_rebuild(
    *,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
    chunk: int = 500,
) -> dict[str, int]:
    """Detect the archive's clusters again from nothing, as ingest would have, story by
    story in id order (the first stored copy is met first). Stories a curator placed
    keep their place. With `dry_run`, counts what would change and writes nothing.

    Keys and shingles are held in memory for the run (8 bytes a shingle, about 3 kB for
    an 800-word story, and the keys), then the keys written in one transaction per
    `chunk` stories and the clusters in one more."""
    keys_to: dict[int, list[int]] = {}
    cluster_of: dict[int, int] = {}  # story id -> the id of its cluster's first story
    joins: dict[int, int] = {}  # story id -> the curator-made cluster it joins
    locked = dict(Article.objects.filter(cluster_locked=True).values_list("pk", "cluster_id"))
    fingerprints: dict[int, clusters.Packed] = {}
    rows: list[tuple[int, list[int]]] = []
    last = 0
    while True:
        batch = list(
            Article.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "body")[:chunk]
        )
        if not batch:
            break
        last = batch[-1][0]
        for pk, body in batch:
            found = clusters.fingerprint(body)
            mine = clusters.packed(found)
            keys = (
                list(dict.fromkeys(found.keys))
                if len(found.shingles) >= clusters.MIN_SHINGLES
                else []
            )
            rows.append((pk, keys))
            if keys and pk not in locked:
                shared: dict[int, int] = {}
                for key in keys:
                    for other in keys_to.get(key, ()):
                        shared[other] = shared.get(other, 0) + 1
                ranked = sorted(shared, key=lambda o: (-shared[o], o))[:MAX_CANDIDATES]
                best = next(  # as ingest chooses (_best_match)
                    (
                        other
                        for other in ranked
                        if not (other in locked and locked[other] is None)
                        and clusters.same_story(
                            clusters.similarity_packed(mine, fingerprints[other])
                        )
                    ),
                    None,
                )
                if best is not None and best in locked:
                    joins[pk] = locked[best]  # a curator's cluster: it joins that one
                elif best is not None:
                    cluster_of[pk] = cluster_of.setdefault(best, best)
            for key in keys:
                keys_to.setdefault(key, []).append(pk)
            fingerprints[pk] = mine
            if on_progress is not None:
                on_progress(1)
    groups: dict[int, list[int]] = {}
    for pk, head in cluster_of.items():
        groups.setdefault(head, []).append(pk)  # a head maps to itself too
    summary = {
        "stories": len(rows),
        "clusters": len(groups),
        "copies": sum(map(len, groups.values())) + len(joins),
    }
    current = dict(
        Article.objects.exclude(cluster_locked=True)
        .filter(cluster__isnull=False)
        .values_list("pk", "cluster_id")
    )
    wanted_group = {pk: head for head, members in groups.items() for pk in members}
    now, then = _groups_by_story(current), _groups_by_story(wanted_group)
    summary["changed"] = sum(1 for pk in set(now) | set(then) if now.get(pk) != then.get(pk))
    if dry_run:
        return summary
    _write_rebuild(rows, groups, joins, locked, chunk)
    return summary


def _groups_by_story(assignment: dict[int, int]) -> dict[int, frozenset[int]]:
    """Each story's fellow copies (itself included), from story -> cluster."""
    members: dict[int, set[int]] = {}
    for pk, cluster in assignment.items():
        members.setdefault(cluster, set()).add(pk)
    frozen = {cluster: frozenset(pks) for cluster, pks in members.items()}
    return {pk: frozen[cluster] for pk, cluster in assignment.items()}


def _write_rebuild(rows, groups, joins, locked, chunk: int) -> None:
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        with transaction.atomic():
            ClusterKey.objects.filter(article_id__in=[pk for pk, _ in part]).delete()
            ClusterKey.objects.bulk_create(
                (ClusterKey(article_id=pk, key=key) for pk, keys in part for key in keys),
                batch_size=2000,
            )
    with transaction.atomic():
        old_clusters = set(
            StoryCluster.objects.exclude(copies__cluster_locked=True).values_list("pk", flat=True)
        )
        unlocked = Article.objects.filter(cluster__isnull=False).exclude(pk__in=list(locked))
        moved = set(unlocked.values_list("pk", flat=True))
        unlocked.update(cluster=None, cluster_rank=0)
        made = StoryCluster.objects.bulk_create([StoryCluster() for _ in groups], batch_size=500)
        new_clusters = [cluster.pk for cluster in made]
        placed = {
            pk: cluster.pk
            for cluster, members in zip(made, groups.values(), strict=True)
            for pk in members
        }
        _place_ranked(placed, chunk)
        moved.update(placed)
        for pk, cluster_id in joins.items():
            Article.objects.filter(pk=pk).update(cluster_id=cluster_id)
            moved.add(pk)
        _rank(set(joins.values()))
        emptied = StoryCluster.objects.filter(pk__in=old_clusters, copies__isnull=True)
        gone = list(emptied.values_list("pk", flat=True))
        emptied.delete()
        _changed(story_ids=moved, cluster_ids=[*gone, *new_clusters])
    archive_changed()


def _place_ranked(placed: dict[int, int], chunk: int) -> None:
    """Put each story in its new cluster (story -> cluster) with its rank, as `_rank`
    orders copies, in a few bulk updates rather than queries per cluster."""
    ids = sorted(placed)
    order: dict[int, list[tuple]] = {}
    for start in range(0, len(ids), chunk):
        for pk, published_at, words in Article.objects.filter(
            pk__in=ids[start : start + chunk]
        ).values_list("pk", "published_at", "word_count"):
            key = (published_at is None, published_at or _UNDATED, -words, pk)
            order.setdefault(placed[pk], []).append(key)
    stories = []
    for cluster_id, keys in order.items():
        for rank, (*_, pk) in enumerate(sorted(keys)):
            stories.append(Article(pk=pk, cluster_id=cluster_id, cluster_rank=rank))
    Article.objects.bulk_update(stories, ["cluster", "cluster_rank"], batch_size=chunk)
