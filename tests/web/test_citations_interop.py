"""Citations as reference managers read them: BibTeX through pybtex and bibtexparser,
CSL-JSON through citeproc-py, RIS through rispy, for every kind of story the archive
holds (dated or not, with a byline, an agency, a corporate or a mixed byline, or none)."""

import json
from datetime import date

import bibtexparser
import pytest
import rispy
from citeproc import Citation as CiteprocCitation
from citeproc import CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from pybtex.database import parse_string
from pybtex.plugin import find_plugin

from articles import citations
from articles.models import Article

from ..factories import citation_story

PERMALINK = "https://archive.example/stories/{pk}-x/"
ACCESSED = date(2026, 11, 27)

KINDS = {
    "person": {"byline": "By Nick Assinder"},
    "two people": {"byline": "Nick Assinder and Jane Doe"},
    "agency, no byline": {"byline": ""},
    "corporate": {"byline": "Lakeshore Valley Media Group"},
    "mixed": {"byline": "Ines Halvorsen; Lakeshore Valley Media Group"},
    "person and agency": {"byline": "By Matthew Lee, Associated Press"},
    "person and role": {"byline": "Jane Doe, Staff Writer"},
    "nobody": {"byline": "", "source": None},
    "undated nobody": {"byline": "", "source": None, "published_at": None},
    "undated agency": {"byline": "", "published_at": None},
    "year only": {"date_precision": "year"},
    "hostile": {"title": "50% of } R&D_costs $5 #1 ~ ^ {", "byline": "Jo {Evil}"},
    "no original url": {"url": ""},
}


def story(pk: int, **fields) -> Article:
    """test_citations' story, with one author and an unknown date where it has none."""
    fields = {"byline": "Nick Assinder", **fields}
    if fields.get("published_at", "dated") is None:
        fields["date_precision"] = "none"
    return citation_story(pk=pk, **fields)


@pytest.fixture(scope="module")
def cited() -> dict[str, citations.Citation]:
    return {
        kind: citations.citation_for(
            story(pk, **fields), permalink=PERMALINK.format(pk=pk), accessed=ACCESSED
        )
        for pk, (kind, fields) in enumerate(KINDS.items(), 1)
    }


def test_keys_are_unique_even_for_look_alike_stories():
    same = [story(pk, byline="", source=None, published_at=None) for pk in (1, 2, 3)]
    keys = {citations.citation_for(s, permalink="x", accessed=ACCESSED).key for s in same}
    assert len(keys) == 3  # all three were "anonndblair"


def test_every_bibtex_entry_parses_and_formats_in_pybtex(cited):
    text = "\n\n".join(citations.bibtex(c) for c in cited.values())
    data = parse_string(text, "bibtex")  # raises on a syntax error or a repeated key
    assert list(data.entries) == [c.key for c in cited.values()]
    for entry in data.entries.values():
        assert entry.type == "misc"
        assert entry.fields["url"] and entry.fields["urldate"]
    style = find_plugin("pybtex.style.formatting", "plain")()
    formatted = list(style.format_entries(data.entries.values()))  # "missing author/year" raised
    rendered = [entry.text.render_as("text") for entry in formatted]
    assert all(rendered)
    assert "Blair wins third term" in rendered[0]


def test_corporate_and_mixed_bylines_are_literal_names_in_bibtex(cited):
    data = parse_string(citations.bibtex(cited["mixed"]), "bibtex")
    [entry] = data.entries.values()
    halvorsen, group = entry.persons["author"]
    assert (halvorsen.last_names, halvorsen.first_names) == (["Halvorsen"], ["Ines"])
    # One last name in braces: never "Group, Lakeshore Valley Media".
    assert group.last_names == ["{Lakeshore Valley Media Group}"] and not group.first_names
    [agency] = parse_string(citations.bibtex(cited["person and agency"]), "bibtex").entries.values()
    assert [str(p) for p in agency.persons["author"]] == ["Lee, Matthew", "{Associated Press}"]
    [role] = parse_string(citations.bibtex(cited["person and role"]), "bibtex").entries.values()
    assert [str(p) for p in role.persons["author"]] == ["Doe, Jane"]  # "Staff Writer" is no one


def test_every_bibtex_entry_parses_in_bibtexparser(cited):
    text = "\n\n".join(citations.bibtex(c) for c in cited.values())
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert [entry.key for entry in library.entries] == [c.key for c in cited.values()]
    for entry in library.entries:
        assert entry.entry_type == "misc"
        assert entry["title"] and entry["url"] and entry["urldate"]


def render_csl(items: list[dict]) -> list[str]:
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(CiteprocCitation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


def test_csl_json_renders_in_citeproc(cited):
    items = [json.loads(citations.csl_json(c))[0] for c in cited.values()]
    assert len({item["id"] for item in items}) == len(items)
    rendered = render_csl(items)
    assert len(rendered) == len(items)
    assert all("Blair wins third term" in text or "R&D" in text for text in rendered)
    [mixed] = list(render_csl([json.loads(citations.csl_json(cited["mixed"]))[0]]))
    assert "Lakeshore Valley Media Group" in mixed
    assert "Group, L" not in mixed


def test_csl_json_gives_corporate_names_as_literals(cited):
    [item] = json.loads(citations.csl_json(cited["mixed"]))
    assert item["author"] == [
        {"family": "Halvorsen", "given": "Ines"},
        {"literal": "Lakeshore Valley Media Group"},
    ]


def test_every_ris_record_imports(cited):
    text = "".join(citations.ris(c) for c in cited.values())
    records = rispy.loads(text)
    assert len(records) == len(cited)
    for record, citation in zip(records, cited.values(), strict=True):
        assert record["type_of_reference"] == "NEWS"
        assert record["id"] == citation.key
        assert record["title"] == citation.title
        assert record["urls"] == [citation.url]
        assert record["access_date"] == "2026/11/27/"
    mixed = records[list(cited).index("mixed")]
    assert mixed["authors"] == ["Halvorsen, Ines", "Lakeshore Valley Media Group"]
    undated = records[list(cited).index("undated nobody")]
    assert "year" not in undated and "authors" not in undated
    assert records[list(cited).index("year only")]["date"] == "2005///"  # no month or day


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Jane Doe", [("Jane", "Doe")]),
        (
            "Ines Halvorsen; Lakeshore Valley Media Group",
            [("Ines", "Halvorsen"), ("", "Lakeshore Valley Media Group")],
        ),
        ("BBC News", [("", "BBC News")]),
        ("KSL.com", [("", "KSL.com")]),
        ("The Associated Press", [("", "The Associated Press")]),
        ("AP", [("", "AP")]),
        ("Mary Ann Van Buren", [("Mary Ann", "Van Buren")]),
        ("PAT QUINN AND LEE WONG", [("PAT", "QUINN"), ("LEE", "WONG")]),  # capitals, not acronyms
        ("Sam Lee; The Springfield Courier", [("Sam", "Lee"), ("", "The Springfield Courier")]),
        (
            "Kim Park | Valley Media for Valley.com",
            [("Kim", "Park"), ("", "Valley Media for Valley.com")],
        ),
        ("Ann Oak; Staff Writer; Tuesday", [("Ann", "Oak")]),
        ("Ann Oak; Aoak Com", [("Ann", "Oak"), ("", "Aoak Com")]),
        ("Jane Doe, Senior Correspondent", [("Jane", "Doe")]),
        ("Sam Lee and Reuters staff", [("Sam", "Lee"), ("", "Reuters staff")]),
    ],
)
def test_bylines_split_into_people_and_organizations(byline, expected):
    assert [(n.given, n.family) for n in citations.parse_authors(byline)] == expected
