"""ingest on corpora it has not seen: manifests in their own folder, batch defaults, files
that are not stories, hostile archives, and batch counts kept as the run goes."""

import io
import json
import os
import tarfile
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, Entity, IngestBatch
from articles.services import ingest as ingest_service
from articles.services import retag

from ..factories import ingest_command

pytestmark = pytest.mark.django_db

BODY = "The committee met on Tuesday and agreed a plan for the coming year, members said."


def story(title: str, extra: str = "") -> str:
    return f"{title}\n\n{BODY} {extra}\n\nA second paragraph follows the first one here.\n"


def run(*args: str) -> tuple[str, str]:
    return ingest_command("--workers", "1", "--no-tagging", *args)


def test_a_manifest_never_gives_its_rows_to_another_folders_files(tmp_path):
    reuters, bbc = tmp_path / "reuters" / "articles", tmp_path / "bbc" / "business"
    reuters.mkdir(parents=True)
    bbc.mkdir(parents=True)
    (reuters / "00001.txt").write_text(story("COCOA REVIEW", "cocoa"))
    (bbc / "001.txt").write_text(story("Shares rise in London", "shares"))
    manifest = tmp_path / "reuters" / "metadata.tsv"
    manifest.write_text(
        "newid\tdate\ttopics\tplaces\ttitle\n"
        "1\t26-FEB-1987\tcocoa\tel-salvador,usa\tBAHIA COCOA REVIEW\n"
    )
    run("--manifest", str(manifest), str(reuters), str(tmp_path / "bbc"))
    titles = set(Article.objects.values_list("title", flat=True))
    assert titles == {"BAHIA COCOA REVIEW", "Shares rise in London"}
    cocoa = Article.objects.get(title="BAHIA COCOA REVIEW")
    places = set(cocoa.entities.filter(kind=Entity.Kind.PLACE).values_list("name", flat=True))
    assert places == {"El Salvador", "USA"}
    assert cocoa.published_at.year == 1987


def test_an_ambiguous_manifest_row_is_reported(tmp_path):
    for folder in ("a", "b", "c"):
        (tmp_path / folder).mkdir()
    (tmp_path / "c" / "story.txt").write_text(story("Own headline"))
    (tmp_path / "meta.csv").write_text("file,title\na/story.txt,One\nb/story.txt,Two\n")
    out, _ = run("--manifest", str(tmp_path / "meta.csv"), str(tmp_path / "c"))
    assert "2 rows of the manifest match this file by file name" in out
    assert Article.objects.get().title == "Own headline"


def test_batch_defaults_fill_blanks_and_a_sidecar_wins(tmp_path):
    (tmp_path / "001.txt").write_text(story("Plain story"))
    (tmp_path / "002.txt").write_text(story("Story with a sidecar", "sidecar"))
    (tmp_path / "002.txt.json").write_text(json.dumps({"source": "Reuters"}))
    run("--source", "BBC News", "--publisher", "BBC News", "--language", "en", str(tmp_path))
    plain = Article.objects.get(title="Plain story")
    assert (plain.source.name, plain.publisher.name, plain.language) == (
        "BBC News",
        "BBC News",
        "en",
    )
    assert Article.objects.get(title="Story with a sidecar").source.name == "Reuters"


@pytest.mark.parametrize("args", [("--language", "english"), ("--source", "-")])
def test_bad_batch_defaults_are_bad_usage(tmp_path, args):
    with pytest.raises(CommandError) as raised:
        run(*args, str(tmp_path))
    assert raised.value.returncode == 2


def test_folder_documents_are_skipped_with_a_reason_and_exit_0(tmp_path):
    (tmp_path / "001.txt").write_text(story("A real story"))
    (tmp_path / "README.TXT").write_text(story("About this corpus"))
    (tmp_path / "PROVENANCE.txt").write_text(story("Where it came from"))
    (tmp_path / "LICENSE").write_text("MIT License\n\nPermission is hereby granted, free of charge")
    (tmp_path / "notes.txt").write_text(
        "Some notes\n\nPermission is hereby granted, free of charge, to any person.\n"
    )
    (tmp_path / "metadata.tsv").write_text("file\ttitle\n")
    out, _ = run(str(tmp_path))  # no CommandError: skipped files are not failures
    assert Article.objects.get().title == "A real story"
    assert "README.TXT: skipped: README.TXT is the folder's own document" in out
    assert "notes.txt: skipped: the text is a licence" in out
    assert "1 created, 0 updated, 0 unchanged, 0 duplicate, 5 skipped, 0 failed" in out
    assert "3 not a story (README, LICENSE, PROVENANCE…)" in out


def test_exclude_leaves_out_matching_files(tmp_path):
    (tmp_path / "001.txt").write_text(story("Kept"))
    (tmp_path / "draft-002.txt").write_text(story("Left out"))
    out, _ = run("--exclude", "draft-*", str(tmp_path))
    assert list(Article.objects.values_list("title", flat=True)) == ["Kept"]
    assert "1 left out by --exclude" in out


def _tar(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))


def test_every_archive_member_not_taken_is_reported_with_its_reason(tmp_path):
    archive = tmp_path / "zoo.tar.gz"
    _tar(archive, [
        ("good.txt", story("Good member").encode(), "file"),
        ("../x.txt", story("Escapes").encode(), "file"),
        ("/abs/y.txt", story("Absolute").encode(), "file"),
        ("link.txt", b"", "sym"),
        ("big.txt", b"x" * 5000, "file"),
    ])  # fmt: skip
    with pytest.raises(CommandError) as raised:
        run("--max-bytes", "4000", str(archive))
    assert raised.value.returncode == 1
    batch = IngestBatch.objects.get()
    errors = {e["path"].split(":", 1)[1]: e["error"] for e in batch.errors}
    assert "leaves the archive" in errors["../x.txt"]
    assert "absolute" in errors["/abs/y.txt"]
    assert "too large" in errors["big.txt"]
    assert list(Article.objects.values_list("title", flat=True)) == ["Good member"]
    assert (batch.created, batch.skipped, batch.failed) == (1, 1, 3)  # the link is skipped


def test_zip_members_with_unsafe_names_are_refused(tmp_path):
    archive = tmp_path / "z.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("ok.txt", story("Zipped story"))
        handle.writestr("../../evil.txt", story("Evil"))
    with pytest.raises(CommandError):
        _, _err = run(str(archive))
    assert "leaves the archive" in IngestBatch.objects.get().errors[0]["error"]
    assert Article.objects.get().title == "Zipped story"


def test_a_symlink_loop_is_reported_as_a_loop(tmp_path):
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    with pytest.raises(CommandError):
        run(str(tmp_path / "a.txt"))
    assert "loops back on itself" in IngestBatch.objects.get().errors[0]["error"]


def test_invalid_utf8_is_repaired_and_said_so_never_mojibake(tmp_path):
    (tmp_path / "bad.txt").write_bytes(
        b"Invalid UTF-8 headline \xff\xfe\xc3\x28\n\n" + BODY.encode() + b"\n"
    )
    out, _ = run(str(tmp_path))
    title = Article.objects.get().title
    assert title == "Invalid UTF-8 headline \ufffd\ufffd\ufffd("
    assert "3 byte(s) that are not valid UTF-8 were replaced" in out


def test_a_batch_records_its_counts_as_it_goes(tmp_path, monkeypatch):
    for n in range(40):
        (tmp_path / f"{n:03d}.txt").write_text(story(f"Story {n}", f"number {n}"))
    (tmp_path / "copy.txt").write_text(story("Story 0", "number 0"))
    seen = []
    real = ingest_service.batch_progress

    def spy(**kwargs):
        real(**kwargs)
        seen.append(IngestBatch.objects.values_list("created", "duplicate").get())

    monkeypatch.setattr(ingest_service, "batch_progress", spy)
    run(str(tmp_path))
    assert seen[0] == (32, 0)  # the first group of stories is on record before the rest
    batch = IngestBatch.objects.get()
    assert (batch.created, batch.duplicate, batch.skipped) == (40, 1, 0)
    assert batch.finished_at is not None


def test_the_progress_bar_knows_the_file_count(tmp_path):
    from articles.ingest import Walk, count_inputs

    for n in range(3):
        (tmp_path / f"{n}.txt").write_text("x")
    (tmp_path / "0.txt.json").write_text("{}")
    (tmp_path / ".hidden").write_text("x")
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as handle:
        handle.writestr("1.txt", "x")
        handle.writestr("2.txt", "x")
    assert count_inputs([str(tmp_path)]) == 5
    assert count_inputs([str(tmp_path)], walk=Walk(exclude=("*.zip",))) == 3
    assert count_inputs(["-"]) is None
    assert os.path.exists(tmp_path / "0.txt")


def test_a_korean_story_is_stored_as_korean_and_reparsed_without_english_names(tmp_path):
    from ..conftest import FIXTURES

    korean = (FIXTURES / "ksl" / "layouts" / "korean.txt").read_bytes()
    (tmp_path / "ko.txt").write_bytes(korean)
    out, err = StringIO(), StringIO()
    call_command("ingest", "--workers", "1", str(tmp_path), stdout=out, stderr=err)
    article = Article.objects.get()
    assert article.language == "ko"
    named = Entity.Kind.PERSON, Entity.Kind.ORGANIZATION, Entity.Kind.PLACE
    assert not article.entities.filter(kind__in=named).exists()
    article = retag.article_reparse(article=article)
    assert article.language == "ko"
    assert not article.entities.filter(kind__in=named).exists()


def test_a_reparsed_story_keeps_its_manifests_title_date_topics_and_places(tmp_path):
    folder = tmp_path / "wire" / "articles"
    folder.mkdir(parents=True)
    (folder / "00001.txt").write_text(story("COCOA REVIEW", "cocoa"))
    (tmp_path / "wire" / "metadata.tsv").write_text(
        "newid\tdate\ttopics\tplaces\ttitle\n"
        "1\t26-FEB-1987\tcocoa\tel-salvador,usa\tBAHIA COCOA REVIEW\n"
    )
    run("--manifest", str(tmp_path / "wire" / "metadata.tsv"), str(folder))
    article = Article.objects.get()
    assert article.given_metadata["rows"][0]["title"] == "BAHIA COCOA REVIEW"
    before = set(article.entities.values_list("kind", "name"))
    assert {("place", "USA"), ("topic", "cocoa")} <= before

    article = retag.article_reparse(article=article)
    assert article.title == "BAHIA COCOA REVIEW"
    assert article.published_at.date().isoformat() == "1987-02-26"
    # The batch was ingested untagged; the re-parse tags it, and keeps what was given.
    assert before <= set(article.entities.values_list("kind", "name"))
    assert not article.versions.exists()  # its title and text did not change


def test_a_reparsed_story_keeps_the_batch_defaults_and_its_sidecar(tmp_path):
    (tmp_path / "a.txt").write_text(story("Harbour plan agreed"))
    (tmp_path / "a.json").write_text(json.dumps({"section": "Local", "byline": "A. Writer"}))
    run("--source", "Gazette Wire", "--language", "en", str(tmp_path))
    article = Article.objects.get()
    assert (article.source.name, article.section, article.byline) == (
        "Gazette Wire",
        "Local",
        "A. Writer",
    )
    article = retag.article_reparse(article=article)
    assert (article.source.name, article.section, article.byline, article.language) == (
        "Gazette Wire",
        "Local",
        "A. Writer",
        "en",
    )


def test_a_story_given_nothing_beside_its_text_stores_nothing_and_reingests_unchanged(tmp_path):
    (tmp_path / "a.txt").write_text(story("Harbour plan agreed"))
    run(str(tmp_path))
    assert Article.objects.get().given_metadata == {}
    out, _ = run(str(tmp_path))
    assert "1 unchanged" in out
