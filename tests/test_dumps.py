"""The N-Quads dump written in gzip members, and the geography's member kept for the next
build."""

from __future__ import annotations

import gzip

import pyoxigraph as ox

from server.pipeline import dumps
from server.pipeline.build import _keeps_geography
from server.pipeline.incremental import Changes

BASE = "http://kg.test/"
GEOGRAPHY = ox.NamedNode(BASE + dumps.GEOGRAPHY_GRAPH)
BEFORE = ox.NamedNode(BASE + "graph/a-source")  # sorts before the geography's graph
AFTER = ox.NamedNode(BASE + "graph/the-editors")  # and this after it
PARIS = ox.NamedNode(BASE + "id/commune/75056")
NAME = ox.NamedNode("http://rdf.insee.fr/def/geo#nom")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def store_of(*quads: ox.Quad) -> ox.Store:
    store = ox.Store()
    store.extend(quads)
    return store


STATED = (
    ox.Quad(PARIS, NAME, ox.Literal("Paris"), GEOGRAPHY),
    ox.Quad(PARIS, LABEL, ox.Literal("Paris", language="fr"), BEFORE),
    ox.Quad(PARIS, LABEL, ox.Literal("Paname", language="fr"), AFTER),
)


def test_the_nquads_dump_reads_as_one_stream_of_every_named_graph_in_order(tmp_path):
    path = tmp_path / "all.nq.gz"
    count = dumps._write_named_graphs(store_of(*STATED), BASE, path, None, None)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    graphs = [line.rsplit(" ", 2)[1] for line in lines]
    assert graphs == [f"<{BEFORE.value}>", f"<{GEOGRAPHY.value}>", f"<{AFTER.value}>"]
    assert set(ox.parse("\n".join(lines).encode(), ox.RdfFormat.N_QUADS)) == set(STATED)
    assert count == 3


def test_the_geography_member_is_kept_beside_the_dump(tmp_path):
    kept = tmp_path / "geography.nq.gz"
    dumps._write_named_graphs(store_of(*STATED), BASE, tmp_path / "all.nq.gz", kept, None)
    assert list(ox.parse(gzip.decompress(kept.read_bytes()), ox.RdfFormat.N_QUADS)) == [STATED[0]]


def test_a_previous_geography_member_is_used_as_it_is_instead_of_the_stores(tmp_path):
    # Only a build whose geography did not change passes one, so the store is not read for it:
    # a member saying something else shows that it was used.
    previous = tmp_path / "previous.nq.gz"
    other = f'<{PARIS.value}> <{NAME.value}> "Lutèce" <{GEOGRAPHY.value}> .\n'
    previous.write_bytes(gzip.compress(other.encode(), mtime=0))
    kept = tmp_path / "geography.nq.gz"
    path = tmp_path / "all.nq.gz"
    dumps._write_named_graphs(store_of(*STATED), BASE, path, kept, previous)
    assert other in gzip.decompress(path.read_bytes()).decode()
    assert kept.read_bytes() == previous.read_bytes()


def test_a_change_stating_something_in_the_geography_graph_does_not_keep_it():
    inside = ox.Quad(PARIS, LABEL, ox.Literal("Paris", language="en"), GEOGRAPHY)
    elsewhere = ox.Quad(PARIS, LABEL, ox.Literal("Paris", language="en"), BEFORE)
    assert _keeps_geography(Changes(frozenset(), frozenset({elsewhere})), BASE)
    assert not _keeps_geography(Changes(frozenset(), frozenset({inside})), BASE)
    assert not _keeps_geography(Changes(frozenset({inside}), frozenset()), BASE)
