"""manage.py ingest PATH...: import story files into the archive."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from articles import ingest, pipeline, search
from articles.ingest import IngestError
from articles.management import ArchiveCommand
from articles.services import ingest as ingest_service


class Command(ArchiveCommand):
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
        parser.add_argument(
            "--no-resolve",
            action="store_true",
            help="leave archive-level resolution (plurals, surnames, kinds) to `retag "
            "--resolve-only`, for a bulk load",
        )
        parser.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="GLOB",
            help="leave out files whose path or name matches GLOB (repeatable), e.g. '*.jpg'",
        )
        for name, example in (
            ("source", "BBC News"),
            ("publisher", "BBC News"),
            ("language", "en"),
        ):
            parser.add_argument(
                f"--{name}",
                default="",
                help=f"the {name} of every story that does not say ({example!r}); "
                "a sidecar or manifest row still wins",
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

        defaults = {name: options[name].strip() for name in ("source", "publisher", "language")}
        if defaults["language"] and not re.fullmatch(r"[a-z]{2}", defaults["language"]):
            raise CommandError("--language takes an ISO 639-1 code, such as en", returncode=2)
        for name in ("source", "publisher"):
            if defaults[name] and not ingest.validate.valid_source(defaults[name]):
                raise CommandError(f"--{name} {defaults[name]!r} is not a name", returncode=2)

        as_json, dry_run, verbosity = options["json"], options["dry_run"], options["verbosity"]
        # With --json, stdout carries only JSON lines; messages go to stderr.
        report = self.stderr if as_json else self.stdout
        context = ingest_service.tagging_context()
        run_options = pipeline.Options(
            format=options["format"],
            max_bytes=options["max_bytes"],
            aliases=context.aliases,
            topic_rules=context.topic_rules,
            manifest=manifest,
            tag=not options["no_tagging"],
            defaults={name: value for name, value in defaults.items() if value},
            fingerprint=settings.NEWSARCHIVE_CLUSTERS and not dry_run,
        )
        searched = [time.monotonic()]

        def stored(name: str, result: ingest_service.IngestResult) -> None:
            if verbosity >= 2:
                report.write(f"{name}: {result.outcome} (story {result.article.pk})")

        def refused(name: str, reason: str) -> None:
            self.stderr.write(self.style.ERROR(f"{name}: {reason}"))

        def after_group() -> None:
            if time.monotonic() - searched[0] >= SEARCH_EVERY:
                search.keep_in_step(build=False)  # what is stored is found within seconds
                searched[0] = time.monotonic()

        run = ingest_service.ingest_run_start(
            paths=options["paths"],
            dry_run=dry_run,
            on_stored=stored,
            on_failed=refused,
            after_group=after_group,
            resolve=not options["no_resolve"],
        )
        counts = run.counts
        skip_reasons: Counter[str] = Counter()
        walk = ingest.Walk(max_bytes=options["max_bytes"], exclude=tuple(options["exclude"]))
        inputs = ingest.iter_inputs(options["paths"], walk=walk)
        outcomes = pipeline.run(inputs, run_options, workers=options["workers"])
        show_progress = verbosity >= 1 and not as_json and sys.stderr.isatty()
        # Counting first costs a walk of the folders (no file is read), and lets the bar
        # show a percentage and the time left.
        total = ingest.count_inputs(options["paths"], walk=walk) if show_progress else None

        progress = tqdm(
            outcomes, total=total, disable=not show_progress, unit=" files", file=sys.stderr
        )
        for outcome in progress:
            if outcome.error:
                run.fail(name=outcome.name, reason=outcome.error)
                self.stderr.write(self.style.ERROR(f"{outcome.name}: {outcome.error}"))
                if as_json:
                    self.stdout.write(json.dumps({"path": outcome.name, "error": outcome.error}))
                continue
            if outcome.skipped:
                if verbosity >= 1:
                    report.write(self.style.WARNING(f"{outcome.name}: skipped: {outcome.skipped}"))
                run.skip()
                skip_reasons[_reason_kind(outcome.skipped)] += 1
                continue
            story = outcome.story
            if verbosity >= 1:
                for warning in story.warnings:
                    report.write(self.style.WARNING(f"{outcome.name}: {warning}"))
            if as_json:
                self.stdout.write(json.dumps(story.to_json(), ensure_ascii=False))
            if dry_run:
                counts["parsed"] += 1
                continue
            run.add(name=outcome.name, parsed=story, fingerprint=outcome.fingerprint)
        run.finish()

        if run.batch is not None and not search.keep_in_step() and verbosity >= 1:
            report.write("The search index is busy: its indexer applies these stories.")
        progress.close()
        summary = ", ".join(f"{counts[key]} {key}" for key in ingest_service.BATCH_COUNTS)
        if skip_reasons:
            summary += (
                " (skipped: "
                + "; ".join(f"{count} {kind}" for kind, count in skip_reasons.most_common())
                + ")"
            )
        if walk.excluded:
            summary += f"; {walk.excluded} left out by --exclude"
        if dry_run:
            summary = f"dry run, nothing stored: {counts['parsed']} parsed, " + summary
        if verbosity >= 1:
            style = self.style.ERROR if counts["failed"] else self.style.SUCCESS
            report.write(style(summary))
        if counts["failed"]:
            raise CommandError(
                f"{counts['failed']} file(s) failed; the others went through", returncode=1
            )


# Seconds between applying what was stored to the search index, during an ingest.
SEARCH_EVERY = 2.0


def _reason_kind(reason: str) -> str:
    """A skip reason without the file's own name, so the summary can count them by kind."""
    if "folder's own document" in reason:
        return "not a story (README, LICENSE, PROVENANCE…)"
    return reason.split(" (", 1)[0]
