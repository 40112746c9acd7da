"""Text as search compares it: accents, case and punctuation gone, abbreviations spelt out.

Names and queries go through the same ``normalise``, so "ST-ÉTIENNE", "St Etienne" and
"Saint-Étienne" all become "saint etienne", and "Havre (Le)" becomes "le havre".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Spelt out on both sides. Only abbreviations that mean one thing in French place and
# organisation names: "st" is always "saint" there, "cc" always "communauté de communes".
ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "ft": "french tech",
    "frenchtech": "french tech",
    "cc": "communaute de communes",
    "ca": "communaute d agglomeration",
    "cu": "communaute urbaine",
}
# Words that carry no identity: a name is still found when a query adds or drops them.
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "un",
        "une",
        "the",
        "of",
        "and",
    ]
)
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_TRAILING_ARTICLE = re.compile(r"^(.*?)\s*\((le|la|les|l')\)\s*$", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case, no accents, no ligatures, punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NOT_WORD.sub(" ", bare).strip()


def normalise(text: str) -> str:
    """The form names are indexed and compared under (see the module docstring)."""
    article = _TRAILING_ARTICLE.match(text)
    if article:  # INSEE's sorting form "Havre (Le)" is the town "Le Havre"
        text = f"{article.group(2)} {article.group(1)}"
    words = []
    for word in fold(text).split():
        words.append(ABBREVIATIONS.get(word, word))
    return " ".join(words)


def words(text: str) -> list[str]:
    """The words of a normalised text."""
    return text.split()


def significant(words_: list[str]) -> list[str]:
    """The words that identify: stop words left out, unless nothing else is left."""
    kept = [w for w in words_ if w not in STOP_WORDS]
    return kept or words_


def initials(text: str) -> str:
    """The acronym of a normalised name: "metropole europeenne de lille" -> "mel"."""
    return "".join(w[0] for w in significant(words(text)) if not w.isdigit())


# --- qualifiers spreadsheets add to names ----------------------------------------------------

_POSTAL_CODE = re.compile(r"(?<![0-9])((?:0[1-9]|[1-8][0-9]|9[0-8])[0-9]{3})(?![0-9])")
_CEDEX = re.compile(r"\s+cedex(\s+[0-9]{1,2})?\s*$", re.IGNORECASE)
_BRACKETS = re.compile(r"\(\s*([^()]+?)\s*\)\s*$")
_DEPARTEMENT_CODE = re.compile(r"^(2[ABab]|97[1-6]|[0-9]{2})$")
_DEPARTEMENT_AFTER_NAME = re.compile(r"[\s,-]+(2[ABab]|97[1-6]|[0-9]{2})\s*$")
_ARTICLES = {"le", "la", "les", "l'", "l"}


@dataclass(frozen=True)
class Qualified:
    """A name as typed, split from what a spreadsheet wrote beside it.

    ``departement`` is a code ("93", "2A", "974"); ``place`` a name in brackets that may be a
    département or a region ("Besançon (Doubs)"); ``postal_code`` five digits.
    """

    name: str
    departement: str | None = None
    place: str | None = None
    postal_code: str | None = None


def split_qualifiers(text: str) -> Qualified:
    """Read "Saint-Denis (93)", "Saint-Denis 93", "59000 Lille", "Lille 59000", "LILLE CEDEX"
    or "Besançon (Doubs)".

    A trailing number is only a guess ("Paris 13" names an arrondissement): ranking weighs
    the qualifier as a hint and compares the text as typed too, never filters on it.
    """
    name = _CEDEX.sub("", text.strip())
    postal_code = None
    postal = _POSTAL_CODE.search(name)
    if postal and (postal.start() == 0 or postal.end() == len(name)):
        postal_code = postal.group(1)
        name = (name[: postal.start()] + name[postal.end() :]).strip(" ,-")
    departement = place = None
    bracket = _BRACKETS.search(name)
    if bracket and bracket.group(1).casefold() not in _ARTICLES:
        inside = bracket.group(1)
        if _DEPARTEMENT_CODE.match(inside):
            departement = inside.upper()
        elif not any(c.isdigit() for c in inside):
            place = inside
        if departement or place:
            name = name[: bracket.start()].strip(" ,-")
    if departement is None and place is None:
        found = _DEPARTEMENT_AFTER_NAME.search(name)
        if found and re.search(r"[^\W\d_]", name[: found.start()]):
            departement = found.group(1).upper()
            name = name[: found.start()].strip(" ,-")
    return Qualified(name or text.strip(), departement, place, postal_code)
