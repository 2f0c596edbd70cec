import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, IngestBatch, Source

from ..conftest import SEED
from ..factories import ingest_command

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = {
    "path", "title", "byline", "published_at", "dateline", "source", "publisher", "section",
    "read_time", "disclaimer", "copyright", "body", "url", "topics", "entities",
}  # fmt: skip
# Keys added since, never renamed: the story's language (ISO 639-1, "" when unknown) and
# what ingest dropped or repaired on the way in.
ADDED_KEYS = {"language", "warnings"}


def test_json_contract_on_the_seed():
    out, _ = ingest_command("--dry-run", "--json", str(SEED))
    lines = out.strip().splitlines()
    assert len(lines) == 1
    story = json.loads(lines[0])
    assert set(story) == CONTRACT_KEYS | ADDED_KEYS
    assert story["path"] == str(SEED)
    assert story["title"] == "US criticizes Russia over civilian deaths in Syria"
    assert story["read_time"] == [4, 5]
    assert story["published_at"] is None
    assert story["source"] == "The Associated Press"
    assert story["publisher"] == "KSL.com"
    assert story["section"] == "U.S."
    assert story["dateline"] == "WASHINGTON"
    assert len(story["body"].split("\n\n")) == 17
    assert isinstance(story["topics"], list)
    for entity in story["entities"]:
        assert set(entity) == {"name", "kind", "count"}
        assert entity["kind"] in {"person", "organization", "place", "group", "topic"}


def test_dry_run_stores_nothing():
    ingest_command("--dry-run", str(SEED))
    assert Article.objects.count() == 0
    assert IngestBatch.objects.count() == 0


def test_ingest_stores_the_seed_with_every_field():
    out, _ = ingest_command(str(SEED.parent))
    assert "1 created" in out
    story = Article.objects.get()
    assert story.title == "US criticizes Russia over civilian deaths in Syria"
    assert story.source.name == "The Associated Press"
    assert story.publisher.name == "KSL.com"
    assert story.read_time == (4, 5)
    assert story.disclaimer.startswith("This archived news story")
    assert story.copyright.startswith("Copyright © The Associated Press")
    assert len(story.paragraphs) == 17
    assert story.raw_input == SEED.read_text()
    assert story.batch.created == 1


def test_reingest_changes_nothing():
    ingest_command(str(SEED))
    first = list(Article.objects.values())
    out, _ = ingest_command(str(SEED))
    assert "1 unchanged" in out
    assert list(Article.objects.values()) == first


def test_same_content_under_another_name_is_a_duplicate(tmp_path):
    ingest_command(str(SEED))
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SEED.read_bytes().replace(b"\n", b"\r\n"))
    out, _ = ingest_command(str(copy))
    assert "1 duplicate" in out
    assert Article.objects.count() == 1


def test_changed_file_updates_the_story_and_keeps_history(tmp_path):
    story_file = tmp_path / "story.txt"
    story_file.write_bytes(SEED.read_bytes())
    ingest_command(str(story_file))
    story_file.write_bytes(SEED.read_bytes().replace(b"fought by all.", b"fought by all of them."))
    out, _ = ingest_command(str(story_file))
    assert "1 updated" in out
    story = Article.objects.get()
    assert story.body.endswith("fought by all of them.")
    assert story.versions.get().body.endswith("fought by all.")


def test_bad_files_fail_alone_and_exit_1(tmp_path):
    (tmp_path / "a_binary.bin").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "c_story.txt").write_bytes(SEED.read_bytes())
    with pytest.raises(CommandError) as excinfo:
        ingest_command(str(tmp_path), str(tmp_path / "missing.txt"))
    assert excinfo.value.returncode == 1
    assert Article.objects.count() == 1
    batch = IngestBatch.objects.get()
    assert batch.failed == 2 and batch.created == 1
    reasons = {e["path"].rsplit("/", 1)[-1]: e["error"] for e in batch.errors}
    assert reasons["a_binary.bin"] == "file looks binary, not text"
    assert reasons["missing.txt"] == "no such file or directory"


@pytest.mark.parametrize("data", [b"", b" \n\t\n"], ids=["empty", "whitespace"])
def test_an_empty_file_is_skipped_and_the_run_exits_0(tmp_path, data):
    (tmp_path / "a_empty.txt").write_bytes(data)
    (tmp_path / "b_story.txt").write_bytes(SEED.read_bytes())
    out, _ = ingest_command(str(tmp_path))  # no CommandError: exit status 0
    assert "1 created" in out and "1 skipped" in out and "0 failed" in out
    assert "(skipped: 1 file is empty)" in out
    assert "a_empty.txt: skipped: file is empty" in out
    batch = IngestBatch.objects.get()
    assert (batch.created, batch.skipped, batch.failed, batch.errors) == (1, 1, 0, [])


def test_failures_are_named_on_stderr_and_in_json(tmp_path):
    binary = tmp_path / "binary.bin"
    binary.write_bytes(bytes(range(256)) * 20)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", "--json", "--dry-run", str(binary), stdout=out, stderr=err)
    error = "file looks binary, not text"
    assert json.loads(out.getvalue()) == {"path": str(binary), "error": error}
    assert f"{binary}: {error}" in err.getvalue()


def test_oversized_file_is_refused(tmp_path):
    with pytest.raises(CommandError):
        ingest_command("--max-bytes", "1000", str(SEED))
    assert "too large" in IngestBatch.objects.get().errors[0]["error"]


def test_bad_usage_exits_2():
    with pytest.raises(CommandError) as excinfo:
        ingest_command("--max-bytes", "0", str(SEED))
    assert excinfo.value.returncode == 2


def test_failed_reingest_loses_nothing(tmp_path):
    story_file = tmp_path / "story.txt"
    story_file.write_bytes(SEED.read_bytes())
    ingest_command(str(story_file))
    story_file.write_bytes(b"\x00\x01\x02" * 500)
    with pytest.raises(CommandError):
        ingest_command(str(story_file))
    assert Article.objects.get().title.startswith("US criticizes Russia")


def three_stories(folder):
    for n, title in enumerate(["Alpha strikes", "Bravo refused", "Charlie stays"]):
        (folder / f"{n}.txt").write_text(
            f"{title}\n\nThe {title.lower()} story has a body of its own, number {n}.\n"
        )


def test_a_story_the_database_refuses_rolls_back_alone(tmp_path, monkeypatch):
    """Stories commit in groups, each under its own savepoint: one refusal costs one story."""
    from django.db import DatabaseError, transaction

    from articles.services import ingest as ingest_service

    three_stories(tmp_path)
    real = ingest_service.article_ingest

    def refuse_bravo(*, parsed, **kwargs):
        with transaction.atomic():  # as a failure inside the service's own transaction
            result = real(parsed=parsed, **kwargs)
            if parsed.title.startswith("Bravo"):
                raise DatabaseError("value too long")
            return result

    monkeypatch.setattr(ingest_service, "article_ingest", refuse_bravo)
    assert ingest_service.GROUP_SIZE >= 3  # all three in one group
    with pytest.raises(CommandError) as excinfo:
        ingest_command(str(tmp_path))
    assert excinfo.value.returncode == 1
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Alpha strikes", "Charlie stays",
    ]  # fmt: skip
    (error,) = IngestBatch.objects.get().errors
    assert error["path"].endswith("1.txt")
    assert error["error"] == "could not be stored (DatabaseError: value too long)"


def test_a_group_that_cannot_commit_is_stored_story_by_story(tmp_path, monkeypatch):
    from django.db import OperationalError

    from articles.services import ingest as ingest_service

    three_stories(tmp_path)
    real, calls = ingest_service._story_store, []

    def locked_once(*, parsed, batch, cache, **rest):
        calls.append(parsed.path)
        result = real(parsed=parsed, batch=batch, cache=cache, **rest)
        if len(calls) == 3:  # the group's last story: the whole group rolls back
            raise OperationalError("database is locked")
        return result

    monkeypatch.setattr(ingest_service, "_story_store", locked_once)
    out, _ = ingest_command(str(tmp_path))
    assert len(calls) == 6  # three in the group, then each again on its own
    assert Article.objects.count() == 3
    assert "3 created" in out and "0 failed" in out


@pytest.mark.django_db(transaction=True)  # SET LOCAL ends with a real transaction
def test_ingest_leaves_no_setting_on_its_connection():
    """Ingest commits without waiting for the disk, for its own transactions only: a
    session-wide setting would stay on a connection that pgbouncer or a pool hands to
    the next client."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    ingest_command(str(SEED))
    assert Article.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_reingesting_the_same_file_replaces_junk_an_earlier_parser_stored(tmp_path):
    # How a deployer cleans an archive after a parser upgrade: ingest the same files again.
    story_file = tmp_path / "story.txt"
    story_file.write_bytes(SEED.read_bytes())
    ingest_command(str(story_file))
    story = Article.objects.get()
    right = (story.source.name, story.copyright)
    junk = Source.objects.create(name="Trademark and Patent Information", slug="junk")
    Article.objects.filter(pk=story.pk).update(source=junk, copyright="Copyright 2001 -")
    out, _ = ingest_command(str(story_file))
    assert "1 updated" in out
    story.refresh_from_db()
    assert (story.source.name, story.copyright) == right
    assert not Source.objects.public().filter(pk=junk.pk).exists()  # listed nowhere
