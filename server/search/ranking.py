"""Ranking for search-as-you-type: exact and official names first, then importance.

A name's text score says how it matches what was typed, from 1 (the whole name, exactly) down
to a word prefix. Importance (``server.pipeline.search_index.importance``) breaks ties and lifts
label holders and large territories, but never above a clearly better-matching name.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.text import normalise, significant, words
from server.version.search_index import Entity, Name, SearchIndex

TEXT_WEIGHT = 0.75
IMPORTANCE_WEIGHT = 0.25
ALTERNATIVE_NAME = 0.97  # an alternative name matching as well as an official one ranks just below


@dataclass(frozen=True)
class Hit:
    """An entity found for a search, with the name that matched and why it ranks there."""

    entity: Entity
    name: Name
    text_score: float
    score: float


def text_score(query: str, name: str) -> float:
    """How well the normalised ``name`` answers the normalised, possibly unfinished, ``query``."""
    if name == query:
        return 1.0
    asked = significant(words(query))
    held = words(name)
    exact = all(word in held for word in asked)
    coverage = sum(map(len, asked)) / max(1, sum(map(len, significant(held))))
    if exact and name.startswith(query + " "):
        return 0.9 + 0.05 * coverage
    if exact:
        return 0.8 + 0.1 * coverage
    if name.startswith(query):
        return 0.7 + 0.1 * coverage
    return 0.6 + 0.1 * coverage


def search(index: SearchIndex, query: str, kinds: list[str], limit: int) -> list[Hit]:
    """The best ``limit`` entities for a search box's ``query`` (word prefixes allowed)."""
    wanted = normalise(query)
    best: dict[str, Hit] = {}
    for entity, name in index.by_prefix(wanted, kinds):
        matched = text_score(wanted, name.normalised) * (1.0 if name.official else ALTERNATIVE_NAME)
        score = TEXT_WEIGHT * matched + IMPORTANCE_WEIGHT * entity.importance
        known = best.get(entity.id)
        if known is None or score > known.score:
            best[entity.id] = Hit(entity, name, matched, score)
    ranked = sorted(best.values(), key=lambda hit: (-hit.score, hit.entity.label_fr, hit.entity.id))
    return ranked[:limit]
