"""The issue's BBC checks on an archive ingested from the BBC corpus.

    export DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/bbc.sqlite3
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py ingest ../shared/corpus/bbc
    .venv/bin/python manage.py retag --resolve-only     # or --all after a tagger change
    .venv/bin/python bench/bbc_entities.py

Prints the 50 people in the most stories, marking any whose name has a word that says
party, club, award or company (the same words are what the tagger reads, so a marked
name is a miss, and an unmarked one still needs a reader's eye), and whether each pair
the issue names (Tory/Tories, Lib Dem/Lib Dems, Blair/Tony Blair) is one entity: the
stories that write either form all point to the same one. Exits
with status 1 when a check fails. Skips (status 0) without the corpus.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = Path(os.environ.get("NEWSARCHIVE_CORPUS", ROOT.parent / "shared" / "corpus"))

PAIRS = (("Tory", "Tories"), ("Lib Dem", "Lib Dems"), ("Blair", "Tony Blair"))


def main() -> int:
    if not (CORPUS / "bbc").is_dir():
        print(f"skipped: no BBC corpus at {CORPUS / 'bbc'}")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from django.db.models import Count

    from articles.models import Entity, Mention
    from articles.tagging.entities import AWARDS, CLUB_ENDINGS, ORG_CUES, STRONG_ORG_CUES

    cues = AWARDS | CLUB_ENDINGS | ORG_CUES | STRONG_ORG_CUES
    people = (
        Entity.objects.filter(kind="person")
        .annotate(stories=Count("mentions"))
        .order_by("-stories", "name")[:50]
    )
    failed = 0
    print("top 50 people (stories):")
    for n, person in enumerate(people, 1):
        flagged = any(w.casefold().strip(".") in cues for w in person.name.split())
        failed += flagged
        print(f"{n:3} {person.name} ({person.stories}){'  <- not a person?' if flagged else ''}")

    def entities_of(surface: str) -> set[tuple[str, str]]:
        """The entities the stories that write this form point to."""
        mentions = Mention.objects.filter(surface__iexact=surface).exclude(entity__kind="topic")
        return set(mentions.values_list("entity__name", "entity__kind").distinct())

    print("\none entity per pair:")
    for a, b in PAIRS:
        found = entities_of(a) | entities_of(b)
        ok = len(found) == 1
        failed += not ok
        print(f"  {a} / {b}: {'one' if ok else 'NOT one'}: {sorted(found)}")
    print(f"\n{failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
