"""The parallel pipeline gives the same outcomes, in the same order, as the inline one."""

from articles import pipeline
from articles.ingest import Input

from ..conftest import SEED


def inputs():
    yield Input(name="missing.txt", error="no such file or directory")
    yield Input(name="empty.txt", data=b"")
    yield Input(name="title-only.txt", data=b"JUST A TITLE\n")
    for n in range(40):
        body = "\n\n".join(f"Paragraph {p} about the Bank of England in London." for p in range(3))
        yield Input(name=f"{n:02d}.txt", data=f"Story {n}\n\n{body}\n".encode())
    yield Input(name="seed.txt", data=SEED.read_bytes(), path=str(SEED))


def summary(outcomes):
    return [
        (o.name, bool(o.error), bool(o.skipped), o.story.title if o.story else None,
         sorted((e.name, e.kind) for e in o.story.entities) if o.story else None)
        for o in outcomes
    ]  # fmt: skip


def test_parallel_run_matches_inline_run():
    options = pipeline.Options()
    inline = list(pipeline.run(inputs(), options, workers=1, chunk_size=8))
    parallel = list(pipeline.run(inputs(), options, workers=2, chunk_size=8))
    assert summary(parallel) == summary(inline)
    assert [o.name for o in parallel][:3] == ["missing.txt", "empty.txt", "title-only.txt"]
    assert parallel[0].error == "no such file or directory"
    assert parallel[1].skipped == "file is empty" and not parallel[1].error
    assert parallel[2].skipped
    seed = parallel[-1].story
    assert {"John Kerry", "Sergey Lavrov"} <= {e.name for e in seed.entities}
    assert "U.S." in seed.topics


def test_manifest_metadata_beats_guesses(tmp_path):
    manifest_file = tmp_path / "meta.tsv"
    manifest_file.write_text("file\tdate\ttopics\n07.txt\t2001-09-11\tterror;security\n")
    from articles.ingest import load_manifest

    options = pipeline.Options(manifest=load_manifest(manifest_file), tag=False)
    stories = [
        Input(name=item.name, data=item.data, path=str(tmp_path / item.name)) for item in inputs()
    ]
    outcomes = {o.name: o for o in pipeline.run(stories, options)}
    story = outcomes["07.txt"].story
    assert story.published_at.date().isoformat() == "2001-09-11"
    assert {"terror", "security"} <= set(story.topics)


def test_a_long_paragraph_is_tagged_in_bounded_pieces(monkeypatch):
    """A story far longer than any feature is read for names only up to a bound, a few
    pieces at a time; it keeps every word. (bench figures: a 9.6 MB paragraph, 5 s, 385 MB.)"""
    seen = []
    real = pipeline.tagging.tag_many

    def spy(stories, aliases=None, n_process=1, batch_size=64):
        stories = list(stories)
        seen.append(([len(s.body) for s in stories], batch_size))
        return real(stories, aliases=aliases, batch_size=batch_size)

    monkeypatch.setattr(pipeline.tagging, "tag_many", spy)
    sentence = "Officials in London met Maria Lopez of the Bank of England on Tuesday. "
    body = sentence * 4000  # one paragraph of about 290,000 characters
    item = Input(name="long.txt", data=f"A long story\n\n{body}\n".encode())
    (outcome,) = pipeline.process_chunk([item], pipeline.Options())
    story = outcome.story
    assert len(story.body) == len(body.strip())
    ((lengths, batch_size),) = seen
    assert lengths[0] <= pipeline.NER_MAX_CHARS and batch_size == pipeline.LONG_STORY_BATCH
    assert any("characters were read for names" in w for w in story.warnings)
    assert "Maria Lopez" in {e.name for e in story.entities}
