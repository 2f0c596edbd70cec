"""Canonical names for surface forms: built-in defaults, overridden by the archive's table."""

from __future__ import annotations

import re
from collections.abc import Mapping

# kind values match TaggedEntity.kind
PERSON = "person"
ORGANIZATION = "organization"
PLACE = "place"
GROUP = "group"

Aliases = Mapping[str, tuple[str, str]]

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def alias_key(surface: str) -> str:
    """The normalised form aliases are keyed by: casefolded, straight quotes, single spaces."""
    return _SPACE.sub(" ", surface.translate(_QUOTES)).strip().casefold()


def _table(kind: str, canonical: str, *surfaces: str) -> dict[str, tuple[str, str]]:
    return {alias_key(s): (canonical, kind) for s in (canonical, *surfaces)}


# Seeded into EntityAlias by the Django side; rows there win over these.
DEFAULT_ALIASES: dict[str, tuple[str, str]] = {
    **_table(
        PLACE,
        "United States",
        "U.S.",
        "US",
        "U.S.A.",
        "USA",
        "the United States",
        "United States of America",
        "the United States of America",
        "the U.S.",
        "the US",
        "America",
    ),
    **_table(
        PLACE,
        "United Kingdom",
        "U.K.",
        "UK",
        "the U.K.",
        "the UK",
        "the United Kingdom",
        "Britain",
        "Great Britain",
    ),
    **_table(PLACE, "Soviet Union", "USSR", "U.S.S.R.", "the Soviet Union"),
    **_table(PLACE, "United Arab Emirates", "UAE", "U.A.E."),
    **_table(PLACE, "Russia", "Russian Federation", "the Russian Federation"),
    **_table(PLACE, "Washington", "Washington D.C.", "Washington, D.C."),
    # The seat of a government stands for the country, not a separate organization.
    **_table(PLACE, "Russia", "Kremlin", "the Kremlin"),
    **_table(ORGANIZATION, "United Nations", "U.N.", "UN", "the United Nations", "the U.N."),
    **_table(ORGANIZATION, "European Union", "EU", "E.U.", "the European Union", "the EU"),
    **_table(ORGANIZATION, "NATO", "Nato", "North Atlantic Treaty Organization"),
    **_table(ORGANIZATION, "Amnesty International", "Amnesty"),
    **_table(ORGANIZATION, "Human Rights Watch", "HRW"),
    **_table(ORGANIZATION, "State Department", "U.S. State Department", "Department of State"),
    # "Islamic States" is a common misspelling of the group's name in wire copy; as a plural
    # it almost never names anything else a NER model would tag. "Islamic" alone is not here:
    # it is a religion adjective.
    **_table(
        ORGANIZATION,
        "Islamic State",
        "ISIS",
        "ISIL",
        "Daesh",
        "Islamic States",
        "the Islamic State",
        "the Islamic States",
        "Islamic State group",
        "Islamic State of Iraq and the Levant",
        "Islamic State of Iraq and Syria",
    ),
    **_table(ORGANIZATION, "Federal Bureau of Investigation", "FBI", "F.B.I."),
    **_table(ORGANIZATION, "Central Intelligence Agency", "CIA", "C.I.A."),
    **_table(ORGANIZATION, "International Monetary Fund", "IMF"),
    **_table(ORGANIZATION, "World Health Organization", "WHO"),
    **_table(
        ORGANIZATION,
        "Organization of Petroleum Exporting Countries",
        "OPEC",
        "Organisation of Petroleum Exporting Countries",
    ),
    **_table(ORGANIZATION, "Federal Reserve", "Fed", "the Fed", "the Federal Reserve"),
    **_table(ORGANIZATION, "Associated Press", "AP", "The Associated Press"),
    **_table(ORGANIZATION, "BBC", "British Broadcasting Corporation"),
}


def merged_aliases(aliases: Aliases | None) -> dict[str, tuple[str, str]]:
    """The defaults with the archive's own table laid over them."""
    table = dict(DEFAULT_ALIASES)
    if aliases:
        table.update({alias_key(k): v for k, v in aliases.items()})
    return table
