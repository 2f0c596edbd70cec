"""No two public things in articles/ share a name, so a name found in one module means one
thing wherever it is read (issue #18 found an enum and a dataclass both called Outcome,
and tagging's Mention and TopicRule beside the models of those names)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ARTICLES = Path(__file__).resolve().parent.parent / "articles"

# Names that several modules define on purpose, as one interface:
ON_PURPOSE = {
    "parse",  # every ingest format module: text -> ParsedStory
    "looks_like",  # every ingest format module: whether the text is that format
    "Command",  # every management command (Django's convention)
    "Migration",  # every migration (Django's convention)
    "forwards",  # a data migration's steps
    "backwards",
    "run",  # module entry points, always read qualified: search.run, pipeline.run
    "register",  # every template tag library (Django's convention)
}


def public_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_") and name not in ON_PURPOSE}


def test_no_two_modules_define_one_public_name():
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(ARTICLES.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in public_names(path):
            where[name].append(str(path.relative_to(ARTICLES)))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}
