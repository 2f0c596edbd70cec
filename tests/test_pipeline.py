"""The parallel pipeline gives the same outcomes, in the same order, as the inline one."""

from articles import pipeline
from articles.ingest import Input

from .conftest import SEED


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
    assert parallel[1].error == "file is empty"
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
