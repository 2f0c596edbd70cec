"""Schemathesis hooks for tests/api/test_api_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

The one thing here works around the tool, not the API: schemathesis 4.32.5 rewrites a
`prefixItems` tuple into Draft 4's `items: [...]` and then rejects its own rewrite as an
invalid OpenAPI 3.1 schema ("Invalid Schema Object in response definition"), so it
cannot test /api/suggest/ at all. The served schema keeps `prefixItems`, which is right
for OpenAPI 3.1, and tests/api/test_api.py validates the suggestions against it under JSON
Schema 2020-12. For this tool only, the tuple is loosened to "two items, each a string or
a list of strings", which every check can still hold the answers to.
"""

import schemathesis


def _loosen_tuples(node):
    if isinstance(node, dict):
        if "prefixItems" in node:
            node["items"] = {"anyOf": node.pop("prefixItems")}
        for value in node.values():
            _loosen_tuples(value)
    elif isinstance(node, list):
        for value in node:
            _loosen_tuples(value)


@schemathesis.hook
def before_load_schema(context, raw_schema):
    _loosen_tuples(raw_schema)
