"""manage.py ingest PATH...: import story files into the archive."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles import ingest, services, tagging
from articles.ingest.types import IngestError, SkipStory


@dataclass
class Input:
    name: str
    data: bytes = b""
    error: str = ""


def iter_inputs(paths: list[str], max_bytes: int) -> Iterator[Input]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            files = [path]
        else:
            yield Input(name=raw, error="no such file or directory")
            continue
        for file in files:
            try:
                if file.stat().st_size > max_bytes:
                    yield Input(
                        name=str(file),
                        error=f"file is too large ({file.stat().st_size:,} bytes; "
                        f"the limit is {max_bytes:,} bytes)",
                    )
                    continue
                yield Input(name=str(file), data=file.read_bytes())
            except OSError as exc:
                yield Input(name=str(file), error=exc.strerror or str(exc))


class Command(BaseCommand):
    help = "Import story files (text scrapes, plain text, saved HTML) into the archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
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
            "--max-bytes",
            type=int,
            default=settings.NEWSARCHIVE_MAX_FILE_BYTES,
            help="refuse files larger than this (default: %(default)s)",
        )

    def handle(self, *args, **options) -> None:
        if options["max_bytes"] <= 0:
            raise CommandError("--max-bytes must be a positive number", returncode=2)
        as_json = options["json"]
        dry_run = options["dry_run"]
        verbosity = options["verbosity"]
        # With --json, stdout carries only JSON lines; messages go to stderr.
        report = self.stderr if as_json else self.stdout

        batch = None
        if not dry_run:
            batch = services.batch_start(
                paths=options["paths"],
                parser_version=ingest.PARSER_VERSION,
                tagger_version=tagging.TAGGER_VERSION,
            )
        counts: Counter[str] = Counter()
        errors: list[dict] = []
        inputs = iter_inputs(options["paths"], options["max_bytes"])
        show_progress = verbosity >= 1 and not as_json and sys.stderr.isatty()
        for item in tqdm(inputs, disable=not show_progress, unit=" files", file=sys.stderr):
            outcome = self._ingest_one(item, options, batch, errors)
            counts[outcome] += 1
            if as_json and outcome == "failed":
                self.stdout.write(json.dumps({"path": item.name, "error": errors[-1]["error"]}))

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

    def _ingest_one(self, item: Input, options: dict, batch, errors: list[dict]) -> str:
        as_json = options["json"]
        report = self.stderr if as_json else self.stdout
        if item.error:
            return self._fail(item.name, item.error, errors)
        try:
            story = ingest.parse_bytes(
                item.data, path=item.name, format=options["format"], max_bytes=options["max_bytes"]
            )
            story.entities = tagging.tag(story)
        except SkipStory as exc:
            if options["verbosity"] >= 1:
                report.write(self.style.WARNING(f"{item.name}: skipped: {exc}"))
            return "skipped"
        except IngestError as exc:
            return self._fail(item.name, str(exc), errors)
        except Exception as exc:  # a parser bug must not stop the batch
            return self._fail(
                item.name, f"could not be parsed ({type(exc).__name__}: {exc})", errors
            )

        if as_json:
            self.stdout.write(json.dumps(story.to_json(), ensure_ascii=False))
        if options["dry_run"]:
            return "parsed"
        result = services.article_ingest(parsed=story, batch=batch)
        if options["verbosity"] >= 2:
            report.write(f"{item.name}: {result.outcome} (story {result.article.pk})")
        return str(result.outcome)

    def _fail(self, name: str, reason: str, errors: list[dict]) -> str:
        errors.append({"path": name, "error": reason})
        self.stderr.write(self.style.ERROR(f"{name}: {reason}"))
        return "failed"
