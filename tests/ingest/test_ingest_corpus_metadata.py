"""No source, copyright or date stored from the research corpus fails its validator, and the
corpus's own documents (README, PROVENANCE, LICENSE, manifests) are not stories."""

from datetime import UTC, datetime

import pytest

from articles import pipeline
from articles.ingest import IngestError, SkipStory, iter_inputs, parse_bytes, validate

pytestmark = pytest.mark.corpus


def _outcomes(paths):
    return pipeline.run(iter_inputs([str(p) for p in paths]), pipeline.Options(tag=False))


def test_every_stored_source_copyright_and_date_passes_its_validator(corpus):
    folders = [corpus / "scrapes" / "html", corpus / "scrapes" / "page_text"]
    folders += [corpus / "newspaper4k" / "html", corpus / "newspaper4k" / "text"]
    samples = sorted((corpus / "bbc").glob("*/*.txt"))[::10]
    samples += sorted((corpus / "reuters21578" / "articles").glob("*.txt"))[::50]
    stories = [o.story for o in _outcomes([*folders, *samples]) if o.story is not None]
    assert len(stories) > 600
    now = datetime.now(UTC)
    for story in stories:
        for name in ("source", "publisher"):
            value = getattr(story, name)
            assert not value or validate.valid_source(value) == value, (story.path, value)
            assert value.casefold() != story.title.casefold(), (story.path, value)
        line = story.copyright
        assert not line or validate.valid_copyright(line) == line, (story.path, line)
        for when in (story.published_at, story.updated_at):
            assert when is None or validate.plausible_date(when, now=now) == when, story.path
        assert all(validate.valid_topic(topic) == topic for topic in story.topics), story.path
        assert "&#" not in story.title and "&amp;" not in story.title, story.path


def test_the_corpus_documents_are_skipped_not_stored(corpus):
    documents = [corpus / "bbc" / "README.TXT", corpus / "bbc" / "PROVENANCE.txt",
                 corpus / "scrapes" / "LICENSE", corpus / "reuters21578" / "metadata.tsv",
                 corpus / "scrapes" / "urls.tsv"]  # fmt: skip
    outcomes = list(_outcomes([d for d in documents if d.exists()]))
    assert outcomes and all(o.skipped and o.story is None for o in outcomes)


def test_the_wire_and_bbc_corpora_credit_no_source_but_the_wire(corpus):
    # Every file, not a sample: one wrapped Reuters headline credited "MARCH 0.7 PCT RISE".
    files = sorted((corpus / "reuters21578" / "articles").glob("*.txt"))
    files += sorted((corpus / "bbc").glob("*/*.txt"))
    sources = set()
    for path in files:
        try:
            story = parse_bytes(path.read_bytes(), path=str(path))
        except (SkipStory, IngestError):
            continue
        sources |= {story.source, story.publisher}
    assert sources <= {"", "Reuters"}
