"""The completeness page: for every round, the holders announced against those the graph names.

A researcher counting a round's holders must see when the list is short. This page shows each
roster (a round and a label kind) with the total its sources announce, the holders present,
those missing and the completeness measure the build computed; the same figures are in the
example query ``how-complete-is-each-round`` and, as W3C DQV measurements, in the catalogue
and the VoID description.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from server import quality
from server.presentation import link_for, reader_language
from server.web import knowledge_store

bp = Blueprint("completeness", __name__)


@bp.get("/completeness")
def page() -> str:
    """How complete each round's list of holders is, in the reader's language."""
    store = knowledge_store()
    lang = reader_language()
    found = quality.rosters(store)
    present, announced, ratio = quality.overall(found)
    return render_template(
        "completeness.html",
        rosters=found,
        present=present,
        announced=announced,
        ratio=ratio,
        link=lambda iri: link_for(iri, store.base_uri),
        lang=lang,
    )
