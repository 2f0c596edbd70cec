"""The search index: exact answers, ranking people trust, and a change log that keeps
it in step with the database whatever writes it. `make test` runs this on both
databases; the engine is the same on both, so are the answers."""

from datetime import date

import pytest
from django.urls import reverse

from articles import search
from articles.models import Article, Entity, SearchChange, Source
from articles.search import indexer
from articles.search.backends.base import Filters, SearchRequest
from articles.services import archive, curation, purge
from articles.services import ingest as ingest_service

from ..factories import index_now, kept_equals_rebuilt, make_story

pytestmark = pytest.mark.django_db

PEOPLE = ["Ada Byron", "Ben Okri", "Cy Twombly", "Dora Maar"]
PLACES = ["Lagos", "Lima", "Oslo"]


@pytest.fixture(autouse=True)
def _every_page_rendered(settings):
    # These tests read each page's context: what the index answered, not a stored page
    # (test_page_cache.py covers storing search pages).
    settings.NEWSARCHIVE_PAGE_CACHE_SECONDS = 0


@pytest.fixture
def broad():
    """More matches of "council" than the old cap of the newest ten would have counted
    here (the test lowers nothing: every count below is over every match)."""
    stories = []
    for n in range(36):
        people = [(PEOPLE[n % 4], "person")]
        if n % 3 == 0:
            people.append((PEOPLE[(n + 1) % 4], "person"))
        stories.append(
            make_story(
                f"Council meeting {n}",
                f"The council met for the {n}th time. " + ("Budget talks. " if n % 2 else ""),
                entities=[*people, (PLACES[n % 3], "place")],
                topics=["Local government"] if n % 4 else ["Local government", "Budgets"],
                source="Gazette" if n % 5 else "Herald",
                published=None if n % 7 == 0 else f"{2000 + n % 6}-0{1 + n % 9}-1{n % 10}",
            )
        )
    make_story("Weather", "Rain is forecast.", entities=[("Lagos", "place")])
    return stories


def facet_rows(client, **params) -> dict[str, list[dict]]:
    response = client.get(reverse("articles:search"), params)
    assert response.status_code == 200
    return {key: values for key, _, values, _ in response.context["facets"]}


def total(client, **params) -> int:
    return client.get(reverse("articles:search"), params).context["result_count"]


def filtered_params(key: str, row: dict) -> dict:
    return {"year": row["slug"]} if key == "year" else {key: row["slug"]}


@pytest.mark.parametrize("q", ["council", "budget", "council -budget", ""])
def test_every_facet_count_equals_the_total_with_that_filter(client, broad, q):
    params = {"q": q} if q else {}
    facets = facet_rows(client, **params)
    assert {"person", "place", "topic", "source", "year"} <= set(facets)
    for key, rows in facets.items():
        for row in rows:
            assert total(client, **params, **filtered_params(key, row)) == row["count"], (key, row)


def test_facets_count_over_every_match_with_filters_applied(client, broad):
    everything = total(client, q="council")
    assert everything == 36  # exact, not an estimate
    facets = facet_rows(client, q="council", place="lagos")
    counted = {row["name"]: row["count"] for row in facets["person"]}
    expected: dict[str, int] = {}
    for n in range(0, 36, 3):  # Lagos is every third story
        for name in {PEOPLE[n % 4], *([PEOPLE[(n + 1) % 4]] if n % 3 == 0 else [])}:
            expected[name] = expected.get(name, 0) + 1
    assert counted == expected
    undated = total(client, q="council", has_date="false")
    dated_years = sum(row["count"] for row in facet_rows(client, q="council")["year"])
    assert undated + dated_years == everything  # undated stories are counted, not dropped


def test_date_orders_page_through_every_match(client, broad):
    seen = []
    for page in (1, 2):
        response = client.get(
            reverse("articles:search"), {"q": "council", "sort": "oldest", "page": page}
        )
        seen += [story.pk for story in response.context["stories"]]
    expected = list(
        Article.objects.filter(title__startswith="Council").oldest().values_list("pk", flat=True)
    )
    assert seen == expected  # oldest first, undated last, ties by id: the database's order
    newest = client.get(reverse("articles:search"), {"q": "council", "sort": "newest"})
    assert [s.pk for s in newest.context["stories"]] == list(
        Article.objects.filter(title__startswith="Council")
        .latest()
        .values_list("pk", flat=True)[:20]
    )


def test_relevance_pages_reach_every_match(client, broad):
    seen = []
    for page in (1, 2):
        response = client.get(reverse("articles:search"), {"q": "council", "page": page})
        seen += [story.pk for story in response.context["stories"]]
    assert sorted(seen) == sorted(story.pk for story in broad)


def test_the_exact_form_ranks_above_a_shared_stem(client, db):
    for n in range(4):
        make_story(f"Federal budget {n}", f"The federal government set its budget {n}.")
    make_story("Tennis final", "Federer won the final in five sets.")
    response = client.get(reverse("articles:search"), {"q": "Federer"})
    assert next(s.title for s in response.context["stories"]) == "Tennis final"


def test_titles_and_names_weigh_more_than_the_body(client, db):
    make_story("Harbour works", "Work on the quay. " * 3 + "Later, a note on cranes.")
    make_story("Cranes return to the harbour", "Work on the quay went on.")
    response = client.get(reverse("articles:search"), {"q": "cranes"})
    assert next(s.title for s in response.context["stories"]) == "Cranes return to the harbour"


@pytest.mark.parametrize(
    ("title", "body", "q"),
    [
        ("Новости Москвы", "Мэр Москвы открыл новый мост через реку.", "мост"),
        ("东京新闻", "东京都知事今天宣布了新的交通计划。", "交通"),
        ("東京の天気", "明日の東京は雨が降るでしょう。", "東京"),
        ("أخبار القاهرة", "افتتح المحافظ مكتبة جديدة في القاهرة اليوم.", "مكتبة"),
        ("서울 소식", "서울시는 새로운 공원을 열었다.", "공원"),
        ("Ein Tag in Zürich", "Die Stadt Zürich baut eine neue Brücke.", "Zurich"),
    ],
)
def test_words_of_other_scripts_find_their_story(client, db, title, body, q):
    make_story(title, body)
    make_story("Unrelated", "Nothing to see here.")
    response = client.get(reverse("articles:search"), {"q": q})
    assert [s.title for s in response.context["stories"]] == [title]
    assert response.context["snippets"], "the match is highlighted"


def test_did_you_mean_comes_from_the_archives_words(client, db):
    make_story("Blair visits Leeds", "Tony Blair spoke.", entities=[("Tony Blair", "person")])
    make_story("Blair again", "Mr Blair spoke again.", entities=[("Tony Blair", "person")])
    make_story("Barings Bank", "LA and B&B and Barings Bank.", entities=[("LA", "place")])
    response = client.get(reverse("articles:search"), {"q": "blari"})
    assert response.context["result_count"] == 0
    assert response.context["suggestions"][0] == "blair"
    response = client.get(reverse("articles:search"), {"q": "Tony Blaer"})
    assert response.context["suggestions"][0] == "Tony Blair"


def test_a_hidden_story_is_never_in_the_indexs_answers(client, db):
    shown = make_story("Harbour opens", "The harbour opened.", entities=[("Oslo", "place")])
    hidden = make_story("Harbour closes", "The harbour closed.", entities=[("Oslo", "place")])
    curation.article_set_public(article=hidden, is_public=False)
    found = search.run(SearchRequest(query=search.parse("harbour"), facets=("place",)))
    assert found.ids == [shown.pk] and found.total == 1
    assert found.facets["place"] == [(Entity.objects.get(name="Oslo").pk, 1)]
    curation.article_set_public(article=hidden, is_public=True)
    assert search.run(SearchRequest(query=search.parse("harbour"))).total == 2


def found(q: str) -> set[int]:
    return set(search.run(SearchRequest(query=search.parse(q), limit=100)).ids)


def test_each_kind_of_write_reaches_search(db):
    story = make_story("Harbour opens", "The harbour opened.", entities=[("Ada Byron", "person")])
    assert found("harbour") == {story.pk}  # ingest
    story.title = "Quayside opens"
    curation.admin_save(obj=story)  # an admin edit
    assert found("quayside") == {story.pk} and found("harbour") == {story.pk}  # body says it
    ada = Entity.objects.get(name="Ada Byron")
    ada.name = "Augusta Ada King"
    curation.admin_save(obj=ada)  # renaming an entity
    assert found("augusta") == {story.pk}
    other = make_story("Quay", "A quay.", entities=[("Countess Lovelace", "person")])
    lovelace = Entity.objects.get(name="Countess Lovelace")
    curation.entity_merge(keep=ada, remove=[lovelace])  # a merge
    assert found("augusta") == {story.pk, other.pk}
    curation.article_set_public(article=other, is_public=False)  # hiding
    assert found("quay") == set()
    curation.admin_delete(objects=[story])  # a delete through the admin
    assert found("quayside") == set()
    batch = ingest_service.batch_start(paths=["x"], parser_version="1", tagger_version="1")
    purged = make_story("Purged pier", "A pier.")
    Article.objects.filter(pk=purged.pk).update(batch=batch)
    assert found("pier") == {purged.pk}
    purge.batch_purge(batch=batch)  # a purge
    assert found("pier") == set()


def test_deleting_an_entity_in_the_admin_takes_its_name_out_of_search(admin_client, db):
    story = make_story("Quiet day", "Nothing.", entities=[("Zebulon Pike", "person")])
    assert found("zebulon") == {story.pk}
    pike = Entity.objects.get(name="Zebulon Pike")
    url = reverse("admin:articles_entity_delete", args=[pike.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert found("zebulon") == set() and found("quiet") == {story.pk}


def test_merging_sources_moves_the_source_facet(db):
    first = make_story("Pier", "A pier.", source="Gazette")
    make_story("Dock", "A dock.", source="Herald")
    keep, gone = Source.objects.get(name="Herald"), Source.objects.get(name="Gazette")
    curation.source_merge(keep=keep, remove=[gone])
    answer = search.run(SearchRequest(filters=Filters(source=keep.pk)))
    assert first.pk in answer.ids and answer.total == 2


class Crash(Exception):
    pass


def test_a_crash_between_applying_and_recording_loses_nothing_and_doubles_nothing(db, monkeypatch):
    make_story("Pier one", "A pier.")
    index_now()
    backend = search.get_backend()
    for n in range(3):
        make_story(f"Pier {n} more", f"Another pier, number {n}.")
    # The process dies inside the index's commit: neither documents nor position land.
    real = type(backend)._write_state

    def die(self, writer, state):
        raise Crash("killed")

    monkeypatch.setattr(type(backend), "_write_state", die)
    with pytest.raises(Crash):
        indexer.catch_up(backend)
    monkeypatch.setattr(type(backend), "_write_state", real)
    search.forget_backends()  # a new process opens the index
    backend = search.get_backend()
    assert backend.state().position < SearchChange.objects.latest("id").pk
    indexer.catch_up(backend)
    answer = search.run(SearchRequest(query=search.parse("pier"), limit=100))
    assert answer.total == 4 == len(set(answer.ids)) == len(answer.ids)
    # Applying the same changes again (a position recorded late) doubles nothing.
    state = backend.state()
    backend.apply(upserts=indexer.documents_for(answer.ids)[0], deletes=[], state=state)
    assert search.run(SearchRequest(query=search.parse("pier"), limit=100)).total == 4


def test_a_change_committed_late_is_not_skipped(db):
    """On PostgreSQL a transaction can commit after a later one: the earlier change id
    is missing when the indexer passes it, and must be applied when it appears."""
    make_story("Pier", "A pier.")
    index_now()
    backend = search.get_backend()
    late = make_story("Late pier", "A pier that came late.")
    change = SearchChange.objects.get(article_id=late.pk)
    held = change.pk
    change.delete()  # not visible yet: its transaction has not committed
    make_story("Early pier", "A pier that came first.")
    indexer.catch_up(backend)
    assert held in backend.state().holes
    assert found("late") == set()
    SearchChange.objects.create(id=held, article_id=late.pk)  # the transaction commits
    assert found("late") == {late.pk}
    assert held not in backend.state().holes


def test_the_change_log_records_stories_once_each_in_id_order_in_one_statement(
    db, django_assert_num_queries
):
    from django.utils import timezone

    from articles.search import changes

    before = SearchChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    started = timezone.now()
    many = [*range(3000, 1000, -1), 7, 7, -5]  # more than any one IN list, a repeat
    with django_assert_num_queries(1):
        assert changes.record(article_ids=many) == 2002
    with django_assert_num_queries(0):
        assert changes.record(article_ids=[]) == 0
    logged = list(SearchChange.objects.filter(id__gt=before).order_by("id"))
    assert [c.article_id for c in logged] == sorted(set(many))
    assert all(started <= c.created_at <= timezone.now() for c in logged)


def test_an_index_rebuilt_from_scratch_equals_one_kept_in_step(db):
    stories = [
        make_story(f"Story {n}", f"Body {n} of the pier.", entities=[(f"P{n % 3}", "person")])
        for n in range(12)
    ]
    curation.article_set_public(article=stories[3], is_public=False)
    purge.batch_purge(
        batch=ingest_service.batch_start(paths=[], parser_version="", tagger_version="")
    )
    stories[5].title = "Renamed pier"
    curation.admin_save(obj=stories[5])
    requests = [
        SearchRequest(query=search.parse("pier"), limit=50, facets=search.FACETS),
        SearchRequest(query=search.parse("renamed"), limit=50),
        SearchRequest(limit=50, facets=search.FACETS, sort="oldest"),
    ]
    kept_equals_rebuilt(requests)


def test_a_node_that_starts_empty_builds_then_catches_up(db, settings, tmp_path):
    make_story("Pier", "A pier.")
    index_now()
    settings.NEWSARCHIVE_SEARCH_INDEX = tmp_path / "second-node"  # another app server
    search.forget_backends()
    assert not search.get_backend().state().built
    assert found("pier") != set()  # built from the database on first use
    make_story("Second pier", "Another pier.")
    assert len(found("pier")) == 2


def test_a_big_unbuilt_index_says_so_with_503(client, db, settings):
    settings.NEWSARCHIVE_SEARCH_INLINE_BUILD = 0
    make_story("Pier", "A pier.")
    response = client.get(reverse("articles:search"), {"q": "pier"})
    assert response.status_code == 503
    assert "search_index rebuild" not in response.content.decode()  # no admin hints
    assert response["Retry-After"]


def test_status_and_prune(db):
    from io import StringIO

    from django.core.management import call_command

    make_story("Pier", "A pier.")
    out = StringIO()
    call_command("search_index", "status", stdout=out)
    assert "built: no" in out.getvalue()
    call_command("search_index", "rebuild", stdout=StringIO())
    make_story("Quay", "A quay.")
    out = StringIO()
    call_command("search_index", "status", stdout=out)
    assert "pending: 1 changes" in out.getvalue() and "behind" in out.getvalue()
    call_command("search_index", "update", stdout=StringIO())
    out = StringIO()
    call_command("search_index", "status", stdout=out)
    assert "documents: 2 of 2 public stories" in out.getvalue()
    assert "The index is in step." in out.getvalue()
    SearchChange.objects.update(created_at="2000-01-01T00:00:00Z")
    call_command("search_index", "prune", "--keep-days", "1", stdout=StringIO())
    assert not SearchChange.objects.exists()
    assert found("quay") != set()  # pruning what every node applied changes no answer


@pytest.mark.parametrize(
    "q",
    [
        "*",
        "-",
        '"',
        '""',
        "OR",
        "OR OR OR",
        "a*",
        "***",
        "-*",
        "x" * 600,
        "é" * 400,
        '"unterminated phrase',
        "\\",
        "\u0000",
        "(",
        "[*]",
        "title:secret",
        "AND NOT",
        " ".join(f"w{n}" for n in range(100)),
        " OR ".join(f"w{n}" for n in range(100)),
        "🙂🙂",
        ".*",
        "(?i)",
    ],
)
def test_hostile_queries_never_raise(client, db, q):
    make_story("Pier", "A pier of 3.5% and 1987.")
    response = client.get(reverse("articles:search"), {"q": q})
    assert response.status_code in (200, 400)
    for params in ({"q": q, "sort": "newest"}, {"q": q, "page": "99999999999999999999"}):
        assert client.get(reverse("articles:search"), params).status_code in (200, 400, 404)
    assert client.get(reverse("articles:feed-search"), {"q": q}).status_code in (200, 400)


def test_numbers_and_symbols_search_alike_everywhere(client, db):
    make_story("Rates", "Rates rose 3.5% in 1987.")
    make_story("Other", "Rates fell.")
    assert total(client, q="1987 3.5%") == 1


def test_filters_apply_in_the_index(client, db):
    a = make_story("Pier A", "Pier A.", section="Local", published="2004-05-06")
    make_story("Pier B", "Pier B.", section="Sport", published="2004-05-07")
    make_story("Pier C", "Pier C.", section="Local", published=None)
    assert total(client, q="pier", section="local") == 2
    assert total(client, q="pier", **{"from": "2004-05-06", "to": "2004-05-06"}) == 1
    assert total(client, q="pier", year="2004") == 2
    assert total(client, q="pier", has_date="false") == 1
    answer = search.run(
        SearchRequest(
            query=search.parse("pier"),
            filters=Filters(
                section="local", date_from=date(2004, 1, 1), date_to=date(2004, 12, 31)
            ),
        )
    )
    assert answer.ids == [a.pk]


def test_a_new_user_sees_ingested_stories_in_search_at_once(db, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "one.txt").write_text("Lighthouse keepers return\n\nThe lighthouse is staffed.\n")
    call_command("ingest", str(folder), "--no-tagging", stdout=StringIO(), stderr=StringIO())
    backend = search.get_backend()
    pending = SearchChange.objects.filter(indexer.pending_filter(backend.state()))
    assert not pending.exists()  # the command applied its own changes
    assert found("lighthouse") != set()


def test_an_index_folder_that_cannot_be_opened_is_a_503_not_a_500(client, db, settings):
    settings.NEWSARCHIVE_SEARCH_INDEX = "/proc/no-such-place/search-index"
    make_story("Pier", "A pier.")
    response = client.get(reverse("articles:search"), {"q": "pier"})
    assert response.status_code == 503 and response["Retry-After"]
    api = client.get("/api/stories/", {"q": "pier"})
    assert api.status_code == 503 and api["Content-Type"] == "application/problem+json"


def set_language(story, code: str) -> None:
    Article.objects.filter(pk=story.pk).update(language=code)
    story.refresh_from_db()
    archive.archive_changed(article_ids=[story.pk])


def test_a_story_is_stemmed_in_its_own_language(client, db):
    german = make_story("Neue Brücken für die Stadt", "Die Stadt baut zwei neue Brücken.")
    set_language(german, "de")
    english = make_story("Bridges", "The city builds bridges.")
    # German stems "Brücke" and "Brücken" alike; English stemming would not.
    assert found("Brücke") == {german.pk}
    assert found("bridge") == {english.pk}
    russian = make_story("Новые мосты", "Город строит новые мосты через реку.")
    set_language(russian, "ru")
    assert found("мост") == {russian.pk}  # Russian stemming: мосты -> мост
