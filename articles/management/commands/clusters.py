"""`manage.py clusters rebuild`: detect the archive's story clusters again."""

from __future__ import annotations

import sys

from django.core.management.base import CommandError
from tqdm import tqdm

from articles.management import ArchiveCommand

from ... import search
from ...models import Article
from ...services.clusters import clusters_rebuild


class Command(ArchiveCommand):
    help = "Recompute story clusters (copies of one syndicated story) for the whole archive."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"], help="rebuild: detect them all again")
        parser.add_argument("--dry-run", action="store_true", help="Count what would change.")

    def handle(self, *args, action: str, dry_run: bool, verbosity: int, **options):
        if action != "rebuild":
            raise CommandError(f"Unknown action {action!r}.")
        total = Article.objects.count()
        bar = None
        if verbosity > 0 and sys.stderr.isatty():
            bar = tqdm(total=total, unit="story", desc="Clusters", file=sys.stderr)
        try:
            summary = clusters_rebuild(dry_run=dry_run, on_progress=bar.update if bar else None)
        finally:
            if bar is not None:
                bar.close()
        if not dry_run:
            search.keep_in_step(build=False)
        prefix = "Would find" if dry_run else "Found"
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix} {summary['clusters']} cluster{'s' if summary['clusters'] != 1 else ''} "
                f"holding {summary['copies']} copies among {summary['stories']} stories; "
                f"{summary['changed']} stories change cluster."
            )
        )
