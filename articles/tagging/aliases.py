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
    """The normalised form aliases are keyed by: casefolded, straight quotes, single spaces,
    no leading "the" ("the United States" and "United States" are one key)."""
    key = _SPACE.sub(" ", surface.translate(_QUOTES)).strip().casefold()
    return key[4:] if key.startswith("the ") else key


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
    # The clean-up drops a leading "the"; these places keep it in their names.
    **_table(PLACE, "The Hague", "Hague"),
    **_table(PLACE, "The Gambia", "Gambia"),
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
    # Parties the model reads as people ("Labour") or misses ("the Lib Dems have").
    **_table(ORGANIZATION, "Labour", "Labour Party", "the Labour Party"),
    **_table(
        ORGANIZATION,
        "Liberal Democrats",
        "Lib Dems",
        "Lib Dem",
        "the Lib Dems",
        "the Liberal Democrats",
        "Liberal Democrat Party",
    ),
    **_table(ORGANIZATION, "UK Independence Party", "UKIP", "Ukip"),
    **_table(ORGANIZATION, "Scottish National Party", "SNP"),
    **_table(ORGANIZATION, "Plaid Cymru"),
    **_table(ORGANIZATION, "Democratic Party", "the Democratic Party"),
    **_table(ORGANIZATION, "Republican Party", "GOP", "the Republican Party"),
}


# AP-style abbreviations of US states, as datelines and party tags write them ("Mich.").
_STATES = {
    "Alabama": "Ala.", "Arizona": "Ariz.", "Arkansas": "Ark.", "California": "Calif.",
    "Colorado": "Colo.", "Connecticut": "Conn.", "Delaware": "Del.", "Florida": "Fla.",
    "Georgia": "Ga.", "Illinois": "Ill.", "Indiana": "Ind.", "Kansas": "Kan.",
    "Kentucky": "Ky.", "Louisiana": "La.", "Maryland": "Md.", "Massachusetts": "Mass.",
    "Michigan": "Mich.", "Minnesota": "Minn.", "Mississippi": "Miss.", "Missouri": "Mo.",
    "Montana": "Mont.", "Nebraska": "Neb.", "Nevada": "Nev.", "New Hampshire": "N.H.",
    "New Jersey": "N.J.", "New Mexico": "N.M.", "New York": "N.Y.", "North Carolina": "N.C.",
    "North Dakota": "N.D.", "Oklahoma": "Okla.", "Oregon": "Ore.", "Pennsylvania": "Pa.",
    "Rhode Island": "R.I.", "South Carolina": "S.C.", "South Dakota": "S.D.",
    "Tennessee": "Tenn.", "Vermont": "Vt.", "Virginia": "Va.",
    "West Virginia": "W.Va.", "Wisconsin": "Wis.", "Wyoming": "Wyo.",
    "Washington State": "Wash.",  # not the capital, which keeps the plain name
}  # fmt: skip
# Without the dot too (the clean-up trims a word's final full stop), except where the bare
# form is an ordinary word or name ("Mass", "Ill", "Pa").
_AMBIGUOUS = {"mass", "miss", "ill", "del", "ind", "ore", "wash", "mont", "mo", "ga", "va", "pa"}
for _state, _abbreviation in _STATES.items():
    DEFAULT_ALIASES[alias_key(_abbreviation)] = (_state, PLACE)
    bare = alias_key(_abbreviation.rstrip("."))
    if "." not in bare and len(bare) > 2 and bare not in _AMBIGUOUS:
        DEFAULT_ALIASES.setdefault(bare, (_state, PLACE))
DEFAULT_ALIASES[alias_key("GB")] = ("United Kingdom", PLACE)


def merged_aliases(aliases: Aliases | None) -> dict[str, tuple[str, str]]:
    """The defaults with the archive's own table laid over them."""
    table = dict(DEFAULT_ALIASES)
    if aliases:
        table.update({alias_key(k): v for k, v in aliases.items()})
    return table
