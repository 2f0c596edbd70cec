"""Writes: every change to the archive goes through a function in one of these modules.

Callers import from the module that owns the write (`from articles.services.curation
import entity_merge`); this package re-exports nothing.

- ingest: storing parsed stories, and the ingest batch that records a run;
- curation: the admin's edits (hides, merges and undo, kind changes, alias splits,
  source merges, redirects, confirmations, plain form saves and deletes);
- retag: tagging stored stories again, re-parsing one from its raw input;
- resolve: one entity per real-world thing across the archive;
- purge: deleting stories (what an ingest batch stored, the admin's deletes);
- clusters: story clusters (joining at ingest, split, join, undo, rebuild);
- archive: what every write tells search and the page cache.
"""
