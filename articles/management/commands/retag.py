"""manage.py retag: tag stored stories again, without re-reading their files.

For a model upgrade, or after editing aliases and topic rules in the admin.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, time

from django.core.management.base import CommandError
from django.utils import timezone
from tqdm import tqdm

from articles import search
from articles.management import ArchiveCommand
from articles.models import Article, IngestBatch
from articles.services import resolve, retag


class Command(ArchiveCommand):
    help = "Re-run entity and topic tagging on stored stories."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every story")
        which.add_argument(
            "--since", metavar="DATE", help="stories imported or updated since DATE (YYYY-MM-DD)"
        )
        which.add_argument("--batch", type=int, metavar="ID", help="the stories of one batch")
        which.add_argument(
            "--resolve-only",
            action="store_true",
            help="tag nothing; only merge plurals, surnames and kinds across the archive",
        )
        parser.add_argument(
            "--no-resolve",
            action="store_true",
            help="re-tag without resolving entities across the archive afterwards",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes running NER (default: one per core)",
        )

    def handle(self, *args, **options) -> None:
        if options["resolve_only"]:
            self._report_resolution(resolve.entities_resolve(), options["verbosity"])
            return
        stories = Article.objects.all()
        if options["since"]:
            try:
                day = datetime.strptime(options["since"], "%Y-%m-%d").date()
            except ValueError:
                raise CommandError("--since takes a date like 2024-01-31", returncode=2) from None
            start = timezone.make_aware(datetime.combine(day, time.min))
            stories = stories.filter(updated_at__gte=start)
        elif options["batch"] is not None:
            if not IngestBatch.objects.filter(pk=options["batch"]).exists():
                raise CommandError(f"there is no ingest batch {options['batch']}", returncode=2)
            stories = stories.filter(batch_id=options["batch"])
        if options["workers"] <= 0:
            raise CommandError("--workers must be a positive number", returncode=2)

        show = options["verbosity"] >= 1 and sys.stderr.isatty()
        with tqdm(total=stories.count(), disable=not show, unit=" stories", file=sys.stderr) as bar:
            done = retag.articles_retag(
                articles=stories,
                workers=options["workers"],
                on_progress=bar.update,
                resolve=False,
            )
        search.keep_in_step()  # the new tags are searchable at once
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"{done} stories re-tagged"))
        if not options["no_resolve"]:
            self._report_resolution(resolve.entities_resolve(), options["verbosity"])

    def _report_resolution(self, result: resolve.ResolveResult, verbosity: int) -> None:
        if verbosity >= 2:
            for kept, removed in result.merged:
                self.stdout.write(f"merged {', '.join(removed)} into {kept}")
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"entities: {len(result.merged)} merges, {result.rescored} confidences updated"
                )
            )
