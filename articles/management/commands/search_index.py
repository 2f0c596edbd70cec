"""manage.py search_index rebuild|update|run|status|prune: this node's search index."""

from __future__ import annotations

import sys
import time

from django.core.management.base import CommandError
from tqdm import tqdm

from articles import search
from articles.management import ArchiveCommand
from articles.models import Article
from articles.search import indexer


class Command(ArchiveCommand):
    help = (
        "Build this node's search index from the database (rebuild), apply the change "
        "log to it once (update) or continuously (run), show how far behind it is "
        "(status), or delete changes every node has applied (prune)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "update", "run", "status", "prune"])
        parser.add_argument(
            "--interval", type=float, default=1.0, help="run: seconds between looks at the log"
        )
        parser.add_argument(
            "--keep-days",
            type=float,
            default=7.0,
            help="prune: keep changes younger than this, and any a live node still needs",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="status of what would be done, change nothing"
        )

    def handle(self, *args, action: str, **options):
        backend = search.get_backend()
        try:
            return getattr(self, f"do_{action}")(backend, **options)
        except search.IndexBusy as exc:
            raise CommandError(
                f"Another process is writing the index at {search.index_path()}: {exc}"
            ) from exc

    def do_rebuild(self, backend, *, verbosity: int, dry_run: bool, **options) -> None:
        total = Article.objects.filter(is_public=True).count()
        if dry_run:
            self.stdout.write(f"Would index {total:,} public stories into {search.index_path()}.")
            return
        started = time.monotonic()
        bar = tqdm(
            total=total,
            unit="story",
            desc="Indexing",
            disable=verbosity < 1 or not sys.stderr.isatty(),
        )
        with bar:
            count = indexer.rebuild(backend, progress=bar.update)
        seconds = time.monotonic() - started
        status = indexer.status(backend)
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {count:,} stories in {seconds:.1f} s "
                f"({status.size_bytes / 1e6:.1f} MB at {search.index_path()}); "
                f"at change {status.position:,}, {status.pending:,} pending."
            )
        )

    def do_update(self, backend, *, dry_run: bool, **options) -> None:
        if dry_run:
            self.do_status(backend)
            return
        if not backend.state().built:
            self.do_rebuild(backend, dry_run=False, **options)
            return
        applied = indexer.catch_up_all(backend)
        self.stdout.write(self.style.SUCCESS(f"Applied changes to {applied:,} stories."))

    def do_run(self, backend, *, interval: float, verbosity: int, **options) -> None:
        """The indexer of one app server: apply the log as it grows, until stopped."""
        if not backend.state().built:
            self.do_rebuild(backend, dry_run=False, verbosity=verbosity)
        self.stdout.write(f"Keeping {search.index_path()} in step; Ctrl-C stops.")
        try:
            while True:
                backend.refresh()
                try:
                    applied = indexer.catch_up_all(backend)
                except search.IndexBusy:
                    applied = 0  # an ingest on this node is applying them itself
                if applied and verbosity >= 2:
                    self.stdout.write(f"Applied changes to {applied:,} stories.")
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def do_status(self, backend, **options) -> None:
        status = indexer.status(backend)
        lines = [
            f"node: {status.node}",
            f"index: {search.index_path()} ({status.size_bytes / 1e6:.1f} MB)",
            f"built: {'yes' if status.built else 'no (run search_index rebuild)'}",
            f"documents: {status.documents:,} of {status.public_stories:,} public stories",
            f"position: change {status.position:,} of {status.latest:,}",
            f"pending: {status.pending:,} changes"
            + (f" (waiting for {status.holes:,} in-flight ids)" if status.holes else ""),
        ]
        for line in lines:
            self.stdout.write(line)
        in_step = status.built and not status.pending
        summary = "in step" if in_step else "behind"
        style = self.style.SUCCESS if in_step else self.style.WARNING
        self.stdout.write(style(f"The index is {summary}."))

    def do_prune(self, backend, *, keep_days: float, dry_run: bool, **options) -> None:
        if dry_run:
            self.stdout.write("Would delete changes every live node has applied.")
            return
        deleted = indexer.prune(keep_seconds=keep_days * 86400)
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted:,} applied changes."))
