"""The dumps written in gzip members, and the geography's members kept for the next build."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

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


UNION_SPECS = [spec for spec in dumps.SPECS if dumps._is_union(spec)]
PREFIXES = {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def merged_store_of(*quads: ox.Quad) -> ox.Store:
    """A store as the build loads it: each quad in its graph, and their merge in the default."""
    return store_of(*quads, *(ox.Quad(q.subject, q.predicate, q.object) for q in quads))


def whole_graph_dump(store: ox.Store, spec: dumps.DumpSpec, **where: Path | None) -> bytes:
    union = dumps._Union(store, BASE, PREFIXES, where.get("keep"), where.get("reuse"))
    out = io.BytesIO()
    union.write(spec, out)
    return gzip.decompress(out.getvalue()) if spec.gzip else out.getvalue()


def read(spec: dumps.DumpSpec, body: bytes) -> set[ox.Triple]:
    parsed = ox.parse(body, getattr(ox.RdfFormat, spec.format))
    return {ox.Triple(q.subject, q.predicate, q.object) for q in parsed}


@pytest.mark.parametrize("spec", UNION_SPECS, ids=lambda spec: spec.key)
def test_each_dump_of_the_whole_graph_reads_as_its_default_graph(spec):
    store = merged_store_of(*STATED)
    expected = {ox.Triple(q.subject, q.predicate, q.object) for q in STATED}
    assert read(spec, whole_graph_dump(store, spec)) == expected


@pytest.mark.parametrize("spec", UNION_SPECS, ids=lambda spec: spec.key)
@pytest.mark.parametrize("graphs", ["only the geography", "no geography"])
def test_a_dump_of_the_whole_graph_with_one_part_empty_still_reads_as_it(spec, graphs):
    kept = [q for q in STATED if (q.graph_name == GEOGRAPHY) == (graphs == "only the geography")]
    body = whole_graph_dump(merged_store_of(*kept), spec)
    assert read(spec, body) == {ox.Triple(q.subject, q.predicate, q.object) for q in kept}


def test_the_whole_graphs_n_triples_dump_says_the_geographys_statements_first():
    body = whole_graph_dump(merged_store_of(*STATED), UNION_SPECS[0])
    assert body.decode().splitlines()[0] == f'<{PARIS.value}> <{NAME.value}> "Paris" .'


def test_a_statement_also_in_the_geography_is_dumped_once_in_the_whole_graph():
    twice = ox.Quad(PARIS, NAME, ox.Literal("Paris"), BEFORE)
    body = whole_graph_dump(merged_store_of(*STATED, twice), UNION_SPECS[0])
    assert body.decode().count(f'<{NAME.value}> "Paris" .') == 1


def test_the_geographys_members_are_kept_and_give_the_same_dumps_when_reused(tmp_path):
    keep = tmp_path / "kept"
    keep.mkdir()
    store = merged_store_of(*STATED)
    first = {spec.key: whole_graph_dump(store, spec, keep=keep) for spec in UNION_SPECS}
    assert sorted(p.name for p in keep.iterdir()) == ["jsonld.gz", "nt.gz", "ttl.gz"]
    line = f'<{PARIS.value}> <{NAME.value}> "Paris" .\n'
    assert gzip.decompress((keep / "nt.gz").read_bytes()).decode() == line
    again = {spec.key: whole_graph_dump(store, spec, reuse=keep) for spec in UNION_SPECS}
    assert again == first


def test_a_kept_member_saying_something_else_shows_it_was_used(tmp_path):
    reuse = tmp_path / "previous"
    reuse.mkdir()
    other = f'<{PARIS.value}> <{NAME.value}> "Lutèce" .\n'
    for extension, text in (("nt", other), ("ttl", other), ("jsonld", "[")):
        (reuse / f"{extension}.gz").write_bytes(gzip.compress(text.encode(), mtime=0))
    body = whole_graph_dump(merged_store_of(*STATED), UNION_SPECS[0], reuse=reuse)
    assert body.decode().startswith(other)


def test_a_blank_node_in_the_geography_and_another_graph_stops_the_dump():
    shared = ox.BlankNode("shared")
    quads = (
        ox.Quad(shared, NAME, ox.Literal("Paris"), GEOGRAPHY),
        ox.Quad(PARIS, LABEL, shared, BEFORE),
    )
    with pytest.raises(RuntimeError, match="blank node"):
        whole_graph_dump(merged_store_of(*quads), UNION_SPECS[0])


def test_a_default_graph_that_is_not_the_merge_of_the_named_graphs_stops_the_dump():
    store = merged_store_of(*STATED)
    store.add(ox.Quad(PARIS, LABEL, ox.Literal("said in no source")))
    with pytest.raises(RuntimeError, match="no longer their merge"):
        whole_graph_dump(store, UNION_SPECS[0])
