"""The example queries of queries/: one .rq each, with a header the service and tests read.

A header is the comment block at the top of the file::

    # title@en: Label history of an ecosystem
    # title@fr: Historique des labels d'un écosystème
    # description@en: Every label an ecosystem received, oldest first, with who says so.
    # description@fr: Chaque label reçu par un écosystème, du plus ancien au plus récent…
    #
    # expected:
    # ?kind	?date
    # "Métropole French Tech"@fr	"2014"^^xsd:gYear
    # ...

The expected result is a table: a row of variables, then one row per solution, cells
separated by tabs and written as Turtle terms (relative IRIs resolve against the base URI,
prefixes of ``server.namespaces`` apply, ``UNDEF`` for an unbound variable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from server.namespaces import project_prefixes
from server.terms import Term

HEADER_LINE = re.compile(r"^#\s?(?P<text>.*)$")
FIELD = re.compile(r"^(?P<key>title|description)@(?P<lang>[a-z]{2}):\s*(?P<value>.+)$")


class ExampleError(ValueError):
    """A malformed example file; the message names the file and line."""


@dataclass(frozen=True)
class ExampleQuery:
    """One example query and what its header says about it."""

    name: str
    path: Path
    text: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    expected_variables: tuple[str, ...] = ()
    expected_rows: tuple[tuple[str, ...], ...] = field(default=())

    def title(self, lang: str = "en") -> str:
        """The title in ``lang``, falling back to English, then French."""
        return self.titles.get(lang) or self.titles.get("en") or self.titles.get("fr", self.name)

    def description(self, lang: str = "en") -> str:
        """The description in ``lang``, with the same fallbacks as the title."""
        return (
            self.descriptions.get(lang)
            or self.descriptions.get("en")
            or self.descriptions.get("fr", "")
        )

    @property
    def body(self) -> str:
        """The query without its header comment (title, description, expected table)."""
        lines = self.text.splitlines()
        start = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
        return "\n".join(lines[start:]).strip() + "\n"

    def for_editor(self, base_uri: str, lang: str = "en") -> str:
        """The query as a person should see it in an editor: titled, and with its BASE made
        explicit so that the relative IRIs of the file resolve anywhere."""
        return f"# {self.title(lang)}\n# {self.description(lang)}\nBASE <{base_uri}>\n{self.body}"

    @property
    def ordered(self) -> bool:
        """Whether the query fixes the order of its solutions (so the test compares in order)."""
        return re.search(r"\bORDER\s+BY\b", self.text, re.IGNORECASE) is not None

    def expected_terms(self, base_uri: str) -> list[dict[str, Term]]:
        """The expected solutions, each cell parsed as a Turtle term against ``base_uri``."""
        prefixes = "".join(
            f"@prefix {p}: <{iri}> .\n" for p, iri in project_prefixes(base_uri).items()
        )
        solutions = []
        for row in self.expected_rows:
            solution: dict[str, Term] = {}
            for variable, cell in zip(self.expected_variables, row, strict=True):
                if cell == "UNDEF":
                    continue
                document = f"{prefixes}<urn:x:s> <urn:x:p> {cell} ."
                try:
                    (quad,) = ox.parse(document, ox.RdfFormat.TURTLE, base_iri=base_uri)
                except (SyntaxError, ValueError) as error:
                    raise ExampleError(f"{self.path}: expected cell {cell!r}: {error}") from None
                solution[variable] = quad.object
            solutions.append(solution)
        return solutions


def parse(path: Path) -> ExampleQuery:
    """Read one .rq file and its header."""
    text = path.read_text(encoding="utf-8")
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    variables: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    in_expected = False
    for number, line in enumerate(text.splitlines(), start=1):
        match = HEADER_LINE.match(line)
        if match is None:
            break
        content = match.group("text").rstrip()
        if in_expected:
            if not content:
                continue
            cells = tuple(cell.strip() for cell in content.split("\t"))
            if not variables:
                if not all(cell.startswith("?") for cell in cells):
                    raise ExampleError(
                        f"{path}:{number}: the expected table starts with ?variables"
                    )
                variables = tuple(cell[1:] for cell in cells)
            elif len(cells) != len(variables):
                raise ExampleError(
                    f"{path}:{number}: {len(cells)} cells for {len(variables)} variables "
                    "(cells are separated by tabs)"
                )
            else:
                rows.append(cells)
            continue
        if content == "expected:":
            in_expected = True
            continue
        field_match = FIELD.match(content)
        if field_match:
            target = titles if field_match.group("key") == "title" else descriptions
            target[field_match.group("lang")] = field_match.group("value")
    if "en" not in titles or "fr" not in titles:
        raise ExampleError(f"{path}:1: the header needs '# title@en:' and '# title@fr:' lines")
    return ExampleQuery(
        name=path.stem,
        path=path,
        text=text,
        titles=titles,
        descriptions=descriptions,
        expected_variables=variables,
        expected_rows=tuple(rows),
    )


def load_all(directory: Path) -> list[ExampleQuery]:
    """Every example of ``directory``, sorted by file name (empty if there is none)."""
    if not directory.is_dir():
        return []
    return [parse(path) for path in sorted(directory.glob("*.rq"))]
