"""Matching a spreadsheet cell to entities: candidates, honest scores, and when to say "match".

Candidates come from the search index by shared words and by shared trigrams (so "Besaçon"
still finds Besançon); each is then scored from its best-matching name (rapidfuzz ratios on
normalised text, plus abbreviations such as "Mét. Eur. de Lille"), its importance, and the
constraints the query gives (properties) or the cell implies ("Saint-Denis (93)").

``match`` is only ever claimed when the name is the entity's own (same normalised text), no
constraint contradicts it, no other candidate would fit as well, and the entity still exists:
a wrong automatic match costs a researcher more than a manual pick, so ambiguity is left to
the human. An entity that ended (replaced, dissolved, merged away) never ranks above a
successor whose name fits the cell too: a spreadsheet naming it today means what replaced it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from server.reconcile.designations import Designated, designation
from server.reconcile.properties import PROPERTIES, Context, Value, read_values
from server.text import initials, normalise, significant, split_qualifiers, words
from server.version.search_index import Entity, Name, SearchIndex, WordRarity

DEFAULT_LIMIT = 5
MAX_LIMIT = 25
EXACT = 0.97  # similarity from which a name counts as the entity's own
RIVAL_MARGIN = 0.03  # a candidate this close to the best makes the best ambiguous
# Score weights: the name decides; importance orders namesakes; an official name edges out
# an alternative one.
NAME_WEIGHT, IMPORTANCE_WEIGHT, OFFICIAL_WEIGHT = 0.85, 0.10, 0.05
SATISFIED, CONTRADICTED, UNKNOWN = 0.05, -0.4, -0.05
HINT_SATISFIED, HINT_CONTRADICTED = 0.08, -0.3
# The name read without its designation ("Lille" of "Mairie de Lille") is a shade less
# certain than the cell as written, so a commune really named "Ville-du-Pont" still wins.
DESIGNATED_NAME = 0.99
# From this similarity a successor's own name fits the cell: "Métropole Européenne de Lille"
# for "Lille Métropole" (0.76), not "French Tech East" for "French Tech Strasbourg" (0.64).
SUCCESSOR_FITS = 0.7
# Source documents are what statements cite, not what a spreadsheet names; their titles
# repeat the names of what they are about ("Wikiwand : EuraTechnologies"), so offered unasked
# they push the entity down and, as namesakes, block its automatic match.
ONLY_WHEN_ASKED = frozenset({"source"})


@dataclass(frozen=True)
class Constraint:
    """A property value the match must have: from the query (required) or the cell (a hint)."""

    pid: str
    values: tuple[Any, ...]
    required: bool = True
    quantifier: str = "any"  # 1.0-draft's matchQuantifier: any, all or none of the values


@dataclass(frozen=True)
class MatchQuery:
    """One reconciliation query, whatever protocol version it came in."""

    text: str
    kinds: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    constraints: tuple[Constraint, ...] = ()


@dataclass
class Candidate:
    """An entity proposed for a query, with why."""

    entity: Entity
    name: Name | None
    similarity: float
    score: float = 0.0
    match: bool = False
    checks: dict[str, bool | None] = field(default_factory=dict)  # constraint -> outcome
    hints: dict[str, bool | None] = field(default_factory=dict)
    succeeds: str | None = None  # the ended entity whose place it takes

    @property
    def contradicted(self) -> bool:
        """Whether a required constraint or a hint of the cell says it is not this one."""
        return False in self.checks.values() or False in self.hints.values()

    def features(self) -> list[tuple[str, str, float | bool]]:
        """The evidence behind the score: (id, English name, value)."""
        found: list[tuple[str, str, float | bool]] = [
            ("name", "Name similarity", round(self.similarity, 4)),
            ("name_exact", "Own name, exactly", self.similarity >= EXACT),
            ("official_name", "Official name", bool(self.name and self.name.official)),
            ("importance", "Importance", round(self.entity.importance, 4)),
        ]
        for pid, outcome in {**self.hints, **self.checks}.items():
            if outcome is not None:
                found.append((f"{pid}_match", f"{pid} matches", outcome))
        if self.entity.ended:
            found.append(("ended", "No longer exists (replaced)", True))
        if self.succeeds is not None:
            found.append(("successor", "Replaced an entity the name fits", True))
        return found


# --- names ----------------------------------------------------------------------------------


def _word_likeness(asked: str, held: str) -> float:
    """How far one word of a query stands for one word of a name, from 0 to 1."""
    if asked == held:
        return 1.0
    if len(asked) <= 4 and len(held) >= len(asked) + 3 and not asked.isdigit():
        if held.startswith(asked):
            return 0.8  # an abbreviation: "met" for "metropole", "eur" for "europeenne"
        if asked[0] == held[0] and _is_subsequence(asked, held):
            return 0.75  # a contraction: "pce" for "provence", "fd" for "ferrand"
    if len(asked) >= 5 and held.startswith(asked):
        return 0.7 + 0.2 * len(asked) / len(held)  # a shortened word: "euratech"
    if min(len(asked), len(held)) >= 4:
        ratio = fuzz.ratio(asked, held) / 100
        if ratio >= 0.85:
            return ratio  # a typo: "besacon", "marseile"
    return 0.0


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(letter in letters for letter in short)


def _soft_words(asked: list[str], held: list[str], rarity: WordRarity) -> float:
    """Soft TF-IDF (Cohen, Ravikumar and Fienberg, 2003), as an F1 of the two directions.

    Words count by rarity: sharing "saint" says little, sharing "ouen" a lot. Each word may
    match a slightly different word (a typo, an abbreviation).
    """
    if not asked or not held:
        return 0.0
    asked_weight = sum(rarity.weight(w) for w in asked)
    held_weight = sum(rarity.weight(w) for w in held)
    precision = sum(rarity.weight(a) * max(_word_likeness(a, h) for h in held) for a in asked)
    recall = sum(rarity.weight(h) * max(_word_likeness(a, h) for a in asked) for h in held)
    precision, recall = precision / asked_weight, recall / held_weight
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _leading(shorter: list[str], longer: list[str], rarity: WordRarity) -> float:
    """A name that is another's first words ("Chamonix" / "Chamonix-Mont-Blanc"), else 0."""
    if len(shorter) >= len(longer) or longer[: len(shorter)] != shorter:
        return 0.0
    covered = sum(rarity.weight(w) for w in shorter) / sum(rarity.weight(w) for w in longer)
    return 0.8 + 0.15 * covered


def similarity(query: str, name: str, rarity: WordRarity) -> float:
    """How alike two normalised names are, from 0 to 1 (1: the same text)."""
    if query == name:
        return 1.0
    asked, held = significant(words(query)), significant(words(name))
    if asked == held:
        return 0.985  # only articles differ: "La French Tech Toulouse"
    scores = [
        _soft_words(asked, held, rarity),
        _leading(asked, held, rarity),
        _leading(held, asked, rarity),
        # Words run together or split apart ("saintetienne"): compare the letters alone.
        0.9 * fuzz.ratio("".join(asked), "".join(held)) / 100,
    ]
    if _abbreviates(asked, held):
        scores.append(0.95)
    if len(asked) == 1 and len(asked[0]) >= 3 and asked[0] == initials(name):
        scores.append(0.9)  # an acronym of the name
    return max(scores)


def _abbreviates(asked: list[str], held: list[str]) -> bool:
    """Each asked word is the held word at its place or a short start of it: "met eur lille"."""
    if len(asked) != len(held) or len(asked) < 2:
        return False
    pairs = list(zip(asked, held, strict=True))
    return all(h == a or (len(a) <= 4 and h.startswith(a)) for a, h in pairs)


def _best_name(
    forms: dict[str, float],
    names: Iterable[Name],
    rarity: WordRarity,
    designated: Designated | None = None,
) -> tuple[Name | None, float]:
    """The name closest to any form of the cell (each form weighed by how sure it is).

    A designated cell ("Agglo de Cambrai") is also compared with a name's own part after a
    designation of the same body ("CA de Cambrai"): both say "the agglomeration of Cambrai".
    """
    best, best_score = None, 0.0
    for name in names:
        score = max(
            weight * similarity(form, name.normalised, rarity) for form, weight in forms.items()
        )
        own = designation(name.normalised) if designated is not None else None
        if designated is not None and own is not None and own.body == designated.body:
            score = max(score, DESIGNATED_NAME * similarity(designated.name, own.name, rarity))
        if score > best_score or (score == best_score and best and name.official > best.official):
            best, best_score = name, score
    return best, best_score


# --- constraints -----------------------------------------------------------------------------


def _comparable(value: Any, store_base: str) -> list[str]:
    """A constraint value as normalised strings: ids, names, codes, numbers."""
    if isinstance(value, list | tuple):
        return [text for item in value for text in _comparable(item, store_base)]
    if isinstance(value, dict):
        found = []
        if value.get("id"):
            found.append(str(value["id"]).removeprefix(store_base + "id/"))
        if value.get("name"):
            found.append(normalise(str(value["name"])))
        return found
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, int | float):
        return [str(int(value)) if float(value).is_integer() else str(value)]
    return [normalise(str(value)), str(value).strip().upper()]


def _value_forms(value: Value, context: Context) -> set[str]:
    forms: set[str] = set()
    if value.entity is not None:
        forms.add(value.entity)
        forms.add(value.entity.rsplit("/", 1)[-1].upper())  # departement/2A -> 2A
        entity = context.index.entity(value.entity)
        if entity is not None:
            forms |= {name.normalised for name in context.index.names(entity)}
    for raw in (value.text, value.date):
        if raw is not None:
            forms |= {normalise(raw), raw.strip().upper()}
    if value.number is not None:
        forms.add(str(value.number))
    return forms


def check(constraint: Constraint, entity: Entity, context: Context) -> bool | None:
    """Whether ``entity`` has the constraint's value (None: it has no value to compare)."""
    pids = ("departement", "region") if constraint.pid == "place" else (constraint.pid,)
    forms: set[str] = set()
    for pid in pids:
        prop = PROPERTIES.get(pid)
        if prop is not None:
            for value in read_values(prop, context, entity):
                forms |= _value_forms(value, context)
    if not forms:
        return None
    base = context.store.base_uri
    found = [_has(set(_comparable(value, base)) - {""}, forms) for value in constraint.values]
    if constraint.quantifier == "all":
        return all(found)
    if constraint.quantifier == "none":
        return not any(found)
    return any(found)


def _has(wanted: set[str], forms: set[str]) -> bool:
    if wanted & forms:
        return True
    # A name a little off ("Seine St-Denis", "Bouches du Rhone") still agrees.
    return any(fuzz.ratio(w, f) >= 90 for w in wanted for f in forms if len(w) > 3)


# --- the whole match -------------------------------------------------------------------------


def _gather(index: SearchIndex, forms: Iterable[str], kinds: tuple[str, ...]) -> dict[str, Entity]:
    found: dict[str, Entity] = {}
    for form in forms:
        for finder in (index.exact, index.by_words, index.by_trigrams):
            for entity, _ in finder(form, kinds):
                found.setdefault(entity.id, entity)
    return found


def _with_successors(
    index: SearchIndex, found: dict[str, Entity], kinds: tuple[str, ...]
) -> dict[str, Entity]:
    """``found`` and what replaced those of them that ended, so that both are weighed."""
    for entity in list(found.values()):
        for successor_id in entity.successors:
            successor = found.get(successor_id) or index.entity(successor_id)
            if successor is not None and (not kinds or successor.kind in kinds):
                found.setdefault(successor.id, successor)
    return found


def _by_codes(index: SearchIndex, query: MatchQuery) -> dict[str, Entity]:
    """Candidates for a query that gives no text, only an INSEE or postal code."""
    found: dict[str, Entity] = {}
    for constraint in query.constraints:
        if constraint.pid in {"inseeCode", "postalCode"}:
            for value in constraint.values:
                for entity in index.by_code(constraint.pid, str(value).strip(), query.kinds):
                    found.setdefault(entity.id, entity)
    return found


def reconcile(query: MatchQuery, context: Context) -> list[Candidate]:
    """The best candidates for ``query``, best first, the first marked ``match`` if it is sure."""
    index = context.index
    qualified = split_qualifiers(query.text)
    forms = {f: 1.0 for f in (normalise(qualified.name), normalise(query.text)) if f}
    designated = designation(normalise(qualified.name))
    if designated is not None:
        forms.setdefault(designated.name, DESIGNATED_NAME)
    hints = [c for c in query.constraints if not c.required]
    required = [c for c in query.constraints if c.required]
    if qualified.departement:
        hints.append(Constraint("departement", (qualified.departement,), required=False))
    if qualified.place:
        hints.append(Constraint("place", (qualified.place,), required=False))
    if qualified.postal_code:
        hints.append(Constraint("postalCode", (qualified.postal_code,), required=False))
    found = _gather(index, forms, query.kinds) if forms else _by_codes(index, query)
    if not query.kinds:
        found = {key: e for key, e in found.items() if e.kind not in ONLY_WHEN_ASKED}
    found = _with_successors(index, found, query.kinds)
    rarity = index.rarity()
    candidates = []
    for entity in found.values():
        if forms:
            name, score = _best_name(forms, index.names(entity), rarity, designated)
        else:
            name, score = None, 1.0  # chosen by code alone
        candidate = Candidate(entity, name, score)
        for constraint in required:
            candidate.checks[constraint.pid] = check(constraint, entity, context)
        for hint in hints:
            outcome = check(hint, entity, context)
            # A bracketed word that is no place at all ("(COGA)") is no evidence either way.
            candidate.hints[hint.pid] = outcome if outcome or hint.pid != "place" else None
        if designated is not None:
            # "Mairie de …" means a commune, "CC du …" an EPCI: the kind is a hint like "(59)".
            candidate.hints["type"] = entity.kind in designated.kinds
        candidate.score = _score(candidate)
        candidates.append(candidate)
    _successors_first(candidates)
    candidates.sort(key=lambda c: (-c.score, -c.entity.importance, c.entity.id))
    if candidates:
        candidates[0].match = _is_sure(candidates[0], candidates[1:], bool(forms))
    return candidates[: query.limit]


def _score(candidate: Candidate) -> float:
    official = bool(candidate.name and candidate.name.official)
    value = (
        NAME_WEIGHT * candidate.similarity
        + IMPORTANCE_WEIGHT * candidate.entity.importance
        + OFFICIAL_WEIGHT * official
    )
    for outcome in candidate.checks.values():
        value += SATISFIED if outcome else CONTRADICTED if outcome is False else UNKNOWN
    for outcome in candidate.hints.values():
        value += HINT_SATISFIED if outcome else HINT_CONTRADICTED if outcome is False else 0.0
    return round(100 * min(max(value, 0.0), 1.0), 2)


def _successors_first(candidates: list[Candidate]) -> None:
    """Rank each successor whose name fits the cell at least as high as what it replaced, and
    the ended entity just below it: what the cell names today is the successor."""
    by_id = {candidate.entity.id: candidate for candidate in candidates}
    for ended in candidates:
        heirs = [
            by_id[successor]
            for successor in ended.entity.successors
            if successor in by_id and by_id[successor].similarity >= SUCCESSOR_FITS
        ]
        if not heirs:
            continue
        heir = max(heirs, key=lambda candidate: candidate.score)
        if heir.score <= ended.score:
            heir.score, heir.succeeds = ended.score, ended.entity.id
        ended.score = min(ended.score, round(max(heir.score - 0.01, 0.0), 2))


def _is_sure(best: Candidate, others: list[Candidate], by_name: bool) -> bool:
    if best.entity.ended:
        return False  # a spreadsheet naming it may mean its successor: a human decides
    if best.contradicted or any(outcome is not True for outcome in best.checks.values()):
        return False
    if by_name and best.similarity < EXACT:
        return False
    rivals = [
        other
        for other in others
        if not other.contradicted
        and all(outcome is not False for outcome in other.checks.values())
        and other.similarity >= best.similarity - RIVAL_MARGIN
        # a namesake the cell's own qualifier picks against is no rival
        and not any(best.hints.get(k) and other.hints.get(k) is None for k in best.hints)
    ]
    return not rivals
