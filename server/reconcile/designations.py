"""What a spreadsheet writes before a name to say which kind of body it means.

"Mairie de Lille", "Ville de Paris", "CC du Pays de Mormal", "Agglo de Cambrai": the first
words are no part of the commune's or the authority's name, they say what it is. Matching
compares the name without them too, and prefers candidates of the kind they imply.

The words are compared after ``normalise``, which has already spelt "CC", "CA" and "CU" out.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.reconcile.properties import COMMUNES

EPCI = ("epci",)

# (first words, whether "de"/"du"/"des"/"d'" must follow, the body they designate). Kept small
# on purpose: each entry is a way French spreadsheets name a body, and each implies one kind.
PREFIXES: tuple[tuple[tuple[str, ...], bool, str], ...] = (
    # The town hall, the town, the commune: the commune as a local authority. "Ville" and
    # "Commune" also begin names of their own ("Ville-la-Grand", "Villé"), so only "Ville de …".
    (("mairie",), True, "commune"),
    (("ville",), True, "commune"),
    (("commune",), True, "commune"),
    # Intercommunal authorities (EPCI). "Métropole" also begins a label kind ("Métropole French
    # Tech"), so only "Métropole de …"; the others name nothing but an EPCI, with or without "de".
    (("metropole",), True, "metropole"),
    (("communaute", "urbaine"), False, "communaute urbaine"),
    (("communaute", "d", "agglomeration"), False, "communaute d agglomeration"),
    (("agglomeration",), False, "communaute d agglomeration"),
    (("agglo",), False, "communaute d agglomeration"),
    (("communaute", "de", "communes"), False, "communaute de communes"),
)
# The kinds each body is. A delegated or associated commune keeps its own mairie (Hellemmes,
# in Lille), so "Mairie de …" may mean one of those too.
BODY_KINDS = {
    "commune": COMMUNES,
    "metropole": EPCI,
    "communaute urbaine": EPCI,
    "communaute d agglomeration": EPCI,
    "communaute de communes": EPCI,
}
# "du Havre" is "le Havre", "des Sables-d'Olonne" is "les Sables-d'Olonne".
LINKS = {"de": "", "d": "", "du": "le", "des": "les"}


@dataclass(frozen=True)
class Designated:
    """A normalised name split from the designation before it."""

    name: str
    body: str  # "commune", "communaute d agglomeration"…: "Agglo de" and "CA de" are one body

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of entity the designation implies."""
        return BODY_KINDS[self.body]


def designation(normalised: str) -> Designated | None:
    """The name and implied kinds of "mairie de lille" and the like; None for a plain name."""
    words = normalised.split()
    for prefix, link_required, body in PREFIXES:
        if tuple(words[: len(prefix)]) != prefix:
            continue
        rest = words[len(prefix) :]
        if rest and rest[0] in LINKS:
            article, rest = LINKS[rest[0]], rest[1:]
            rest = [article, *rest] if article and rest else rest
        elif link_required:
            continue
        if rest:
            return Designated(" ".join(rest), body)
    return None
