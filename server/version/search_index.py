"""Reading the search index: candidates for a text, and what the index knows of an entity.

The index is a SQLite file written by ``ftkg build`` beside the store (see
``server.pipeline.search_index``); a store without one gets its index built in memory on first
use, by the pipeline's code handed over as ``Derivations``. SQLite connections are not
shared between threads, so each thread opens its own, and a forked worker never reuses its
parent's.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.text import significant, words
from server.version import layout

CANDIDATES = 400  # names read per query before ranking; ranking is cheap, recall matters


@dataclass(frozen=True)
class Entity:
    """What the index records of one entity."""

    rowid: int
    id: str  # the path under id/, e.g. commune/59350
    kind: str
    label_fr: str
    label_en: str
    context_fr: str
    context_en: str
    importance: float
    population: int | None
    types: tuple[str, ...]
    insee_code: str | None
    postal_codes: tuple[str, ...]
    departements: tuple[str, ...]
    regions: tuple[str, ...]
    successors: tuple[str, ...] = ()  # ids of what replaced it

    @property
    def ended(self) -> bool:
        """Whether the entity no longer exists: something replaced it (a dissolved body, an
        ecosystem merged into another)."""
        return bool(self.successors)

    def label(self, lang: str) -> str:
        """The entity's name in ``lang`` (French unless English is asked)."""
        return self.label_en if lang == "en" else self.label_fr

    def context(self, lang: str) -> str:
        """What tells the entity from its namesakes, in ``lang``."""
        return self.context_en if lang == "en" else self.context_fr


@dataclass(frozen=True)
class Name:
    """One name of an entity, as written and as compared."""

    text: str
    normalised: str
    official: bool


_ENTITY_COLUMNS = (
    "e.rowid, e.id, e.kind, e.label_fr, e.label_en, e.context_fr, e.context_en, e.importance, "
    "e.population, e.types, e.insee_code, e.postal_codes, e.departements, e.regions, "
    "e.successors"
)
_WIDTH = 15  # the entity columns; a name's follow


def _named(row: tuple[Any, ...]) -> tuple[Entity, Name]:
    text, normalised, official = row[_WIDTH:]
    return _entity(row[:_WIDTH]), Name(text, normalised, bool(official))


def _entity(row: tuple[Any, ...]) -> Entity:
    return Entity(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        types=tuple(json.loads(row[9])),
        insee_code=row[10],
        postal_codes=tuple(row[11].split()),
        departements=tuple(row[12].split()),
        regions=tuple(row[13].split()),
        successors=tuple(row[14].split()),
    )


@dataclass(frozen=True)
class WordRarity:
    """Inverse document frequencies of the words of all names."""

    names: int
    counts: dict[str, int]

    def weight(self, word: str) -> float:
        """log(1 + N / (n + 1)): a word in every name weighs little, an unseen one the most."""
        return math.log(1 + self.names / (self.counts.get(word, 0) + 1))


def _phrase(word: str) -> str:
    """``word`` as an FTS5 string: quoted, so no input is ever read as query syntax."""
    return '"' + word.replace('"', '""') + '"'


def is_current(path: Path) -> bool:
    """Whether ``path`` is an index file with the tables this code reads.

    ``ftkg build --if-changed`` keeps a version whose data did not change, index included, so
    an index may predate the code that serves it.
    """
    if not path.is_file():
        return False
    connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError:
        return False
    finally:
        connection.close()
    return row is not None and row[0] == str(layout.SEARCH_INDEX_SCHEMA)


class SearchIndex:
    """The names of every entity, searchable by word prefix and by trigram."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], keep_alive: object = None):
        self._connect = connect
        self._local = threading.local()
        self._keep_alive = keep_alive  # an in-memory index lives as long as one connection
        self._rarity: WordRarity | None = None

    @classmethod
    def open(cls, path: Path) -> SearchIndex:
        """The index file of a built version, opened read-only."""
        if not path.is_file():
            raise FileNotFoundError(f"no search index at {path}: rebuild with `ftkg build`")
        if not is_current(path):
            raise FileNotFoundError(
                f"the search index at {path} was written by an older ftkg (its tables differ "
                "from those this one reads): rebuild with `ftkg build`"
            )
        uri = f"file:{path}?mode=ro&immutable=1"
        return cls(lambda: sqlite3.connect(uri, uri=True))

    @classmethod
    def in_memory(cls, fill: Callable[[sqlite3.Connection], object]) -> SearchIndex:
        """A private in-memory index, written by ``fill`` (for stores that come without one)."""
        uri = f"file:ftkg-search-{uuid.uuid4().hex}?mode=memory&cache=shared"
        anchor = sqlite3.connect(uri, uri=True, check_same_thread=False)
        fill(anchor)
        return cls(lambda: sqlite3.connect(uri, uri=True), keep_alive=anchor)

    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            connection = self._connect()
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    # --- candidates -------------------------------------------------------------------------

    def by_prefix(self, query: str, kinds: Iterable[str] = ()) -> list[tuple[Entity, Name]]:
        """Names holding every significant word of ``query`` as a word prefix, important first."""
        terms = significant(words(query))
        if not terms:
            return []
        match = " AND ".join(_phrase(term) + "*" for term in terms)
        return self._names("name_words", match, kinds, "e.importance DESC")

    def by_words(self, query: str, kinds: Iterable[str] = ()) -> list[tuple[Entity, Name]]:
        """Names sharing any significant word (or word prefix) with ``query``, closest first."""
        terms = significant(words(query))
        if not terms:
            return []
        match = " OR ".join(_phrase(term) + ("*" if len(term) >= 3 else "") for term in terms)
        return self._names("name_words", match, kinds, "bm25(name_words)")

    def by_trigrams(self, query: str, kinds: Iterable[str] = ()) -> list[tuple[Entity, Name]]:
        """Names sharing three-letter runs with ``query``: recall for misspellings."""
        text = " ".join(significant(words(query)))
        grams = sorted({text[i : i + 3] for i in range(len(text) - 2)} - {""})
        grams = [g for g in grams if " " not in g]
        if not grams:
            return []
        match = " OR ".join(_phrase(gram) for gram in grams)
        return self._names("name_grams", match, kinds, "bm25(name_grams)")

    def _names(
        self, table: str, match: str, kinds: Iterable[str], order: str
    ) -> list[tuple[Entity, Name]]:
        kinds = list(kinds)
        # Only placeholders are added to the SQL; every value is a bound parameter.
        kind_filter = f" AND e.kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        rows = self._db().execute(
            f"SELECT {_ENTITY_COLUMNS}, n.text, n.normalised, n.official "
            f"FROM {table} JOIN name n ON n.rowid = {table}.rowid "
            f"JOIN entity e ON e.rowid = n.entity "
            f"WHERE {table} MATCH ?{kind_filter} ORDER BY {order} LIMIT ?",
            [match, *kinds, CANDIDATES],
        )
        return [_named(row) for row in rows]

    def exact(self, normalised: str, kinds: Iterable[str] = ()) -> list[tuple[Entity, Name]]:
        """Entities with a name that normalises to exactly ``normalised``."""
        kinds = list(kinds)
        kind_filter = f" AND e.kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        rows = self._db().execute(
            f"SELECT {_ENTITY_COLUMNS}, n.text, n.normalised, n.official FROM name n "
            f"JOIN entity e ON e.rowid = n.entity WHERE n.normalised = ?{kind_filter}",
            [normalised, *kinds],
        )
        return [_named(row) for row in rows]

    def by_code(self, pid: str, code: str, kinds: Iterable[str] = ()) -> list[Entity]:
        """Entities with this INSEE code (``pid`` "inseeCode") or postal code ("postalCode")."""
        kinds = list(kinds)
        kind_filter = f" AND e.kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        condition = (
            "e.insee_code = ?"
            if pid == "inseeCode"
            else "instr(' ' || e.postal_codes || ' ', ' ' || ? || ' ') > 0"
        )
        rows = self._db().execute(
            f"SELECT {_ENTITY_COLUMNS} FROM entity e WHERE {condition}{kind_filter} LIMIT ?",
            [code, *kinds, CANDIDATES],
        )
        return [_entity(row) for row in rows]

    # --- entities ---------------------------------------------------------------------------

    def entity(self, entity_id: str) -> Entity | None:
        """The entity with this id (``commune/59350``), if the index has it."""
        row = (
            self._db()
            .execute(f"SELECT {_ENTITY_COLUMNS} FROM entity e WHERE e.id = ?", [entity_id])
            .fetchone()
        )
        return _entity(row) if row else None

    def names(self, entity: Entity) -> list[Name]:
        """Every name of ``entity``, official ones first."""
        rows = self._db().execute(
            "SELECT text, normalised, official FROM name WHERE entity = ? ORDER BY official DESC",
            [entity.rowid],
        )
        return [Name(text, normalised, bool(official)) for text, normalised, official in rows]

    def rarity(self) -> WordRarity:
        """How much each word identifies a name (its inverse document frequency)."""
        if self._rarity is None:
            db = self._db()
            (names,) = db.execute("SELECT COUNT(*) FROM name").fetchone()
            counts = dict(db.execute("SELECT word, names FROM word").fetchall())
            self._rarity = WordRarity(names, counts)
        return self._rarity

    def kind_counts(self) -> dict[str, int]:
        """How many named entities of each kind the index holds."""
        rows = self._db().execute("SELECT kind, COUNT(*) FROM entity GROUP BY kind")
        return dict(rows.fetchall())
