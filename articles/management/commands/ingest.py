"""manage.py ingest PATH...: import story files into the archive."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from tqdm import tqdm

from articles import ingest, pipeline, services, tagging
from articles.ingest import IngestError


class Command(BaseCommand):
    help = "Import story files (text scrapes, plain text, saved HTML) into the archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="files, folders, globs, .zip or .tar.gz archives, or - for standard input",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and report, but store nothing"
        )
        parser.add_argument(
            "--json", action="store_true", help="print each parsed story as a JSON line"
        )
        parser.add_argument(
            "--format",
            choices=sorted(ingest.PARSERS),
            help="the input format (detected per file when omitted)",
        )
        parser.add_argument(
            "--manifest",
            metavar="FILE",
            help="a CSV or TSV file of metadata (date, url, topics, source…) by file name or id",
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=settings.NEWSARCHIVE_MAX_FILE_BYTES,
            help="refuse files larger than this (default: %(default)s)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes that parse and tag (default: one per core)",
        )
        parser.add_argument(
            "--no-tagging", action="store_true", help="skip named-entity recognition"
        )

    def handle(self, *args, **options) -> None:
        if options["max_bytes"] <= 0:
            raise CommandError("--max-bytes must be a positive number", returncode=2)
        if options["workers"] <= 0:
            raise CommandError("--workers must be a positive number", returncode=2)
        manifest = None
        if options["manifest"]:
            try:
                manifest = ingest.load_manifest(options["manifest"])
            except IngestError as exc:
                raise CommandError(str(exc), returncode=2) from None

        as_json, dry_run, verbosity = options["json"], options["dry_run"], options["verbosity"]
        # With --json, stdout carries only JSON lines; messages go to stderr.
        report = self.stderr if as_json else self.stdout
        context = services.tagging_context()
        run_options = pipeline.Options(
            format=options["format"],
            max_bytes=options["max_bytes"],
            aliases=context.aliases,
            topic_rules=context.topic_rules,
            manifest=manifest,
            tag=not options["no_tagging"],
        )
        batch = None
        if not dry_run:
            batch = services.batch_start(
                paths=options["paths"],
                parser_version=ingest.PARSER_VERSION,
                tagger_version=tagging.TAGGER_VERSION,
            )
        if connection.vendor == "postgresql":
            # Each story still commits on its own and atomically; the server just
            # doesn't wait for the disk on every commit. A crash may lose the last
            # few stories, which re-running the idempotent ingest puts back.
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")
        cache = services.IngestCache.prepared()
        counts: Counter[str] = Counter()
        errors: list[dict] = []
        inputs = ingest.iter_inputs(options["paths"], max_bytes=options["max_bytes"])
        outcomes = pipeline.run(inputs, run_options, workers=options["workers"])
        show_progress = verbosity >= 1 and not as_json and sys.stderr.isatty()
        for outcome in tqdm(outcomes, disable=not show_progress, unit=" files", file=sys.stderr):
            if outcome.error:
                errors.append({"path": outcome.name, "error": outcome.error})
                self.stderr.write(self.style.ERROR(f"{outcome.name}: {outcome.error}"))
                if as_json:
                    self.stdout.write(json.dumps({"path": outcome.name, "error": outcome.error}))
                counts["failed"] += 1
                continue
            if outcome.skipped:
                if verbosity >= 1:
                    report.write(self.style.WARNING(f"{outcome.name}: skipped: {outcome.skipped}"))
                counts["skipped"] += 1
                continue
            story = outcome.story
            if as_json:
                self.stdout.write(json.dumps(story.to_json(), ensure_ascii=False))
            if dry_run:
                counts["parsed"] += 1
                continue
            try:
                result = services.article_ingest(parsed=story, batch=batch, cache=cache)
            except DatabaseError as exc:  # this story is rolled back; the batch goes on
                cache.clear()
                reason = f"could not be stored ({type(exc).__name__}: {exc})"
                errors.append({"path": outcome.name, "error": reason})
                self.stderr.write(self.style.ERROR(f"{outcome.name}: {reason}"))
                counts["failed"] += 1
                continue
            counts[str(result.outcome)] += 1
            if verbosity >= 2:
                report.write(f"{outcome.name}: {result.outcome} (story {result.article.pk})")

        if batch is not None:
            services.batch_finish(batch=batch, counts=counts, errors=errors)
        summary = ", ".join(
            f"{counts[key]} {key}"
            for key in ("created", "updated", "unchanged", "duplicate", "skipped", "failed")
        )
        if dry_run:
            summary = f"dry run, nothing stored: {counts['parsed']} parsed, " + summary
        if verbosity >= 1:
            style = self.style.ERROR if counts["failed"] else self.style.SUCCESS
            report.write(style(summary))
        if counts["failed"]:
            raise CommandError(
                f"{counts['failed']} file(s) failed; the others went through", returncode=1
            )
