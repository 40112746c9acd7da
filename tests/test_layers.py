"""The layers of ``server/``, read from its source: who may import whom.

A node of the graph is a package directly under ``server/`` (``server.version``,
``server.entities``...) or a module directly under it (``server.web``); an edge is any import,
at the top of a file or inside a function, by ``import`` or ``from ... import``, absolute or
relative. Nothing is imported to compute it: the source is parsed with ``ast``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
# What may wire the pipeline into the serving side: the app factory (it hands the pipeline's
# Derivations to stores that come without by-products) and the command line (it runs builds).
COMPOSITION_ROOTS = {"server.app", "server.cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SERVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:]) if "." in name else Path()
    return (SERVER / relative).with_suffix(".py").is_file() or (SERVER / relative).is_dir()


def imports(path: Path) -> Iterator[str]:
    """Every ``server`` module that ``path`` imports, wherever in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("server"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(anchor + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not source.startswith("server"):
                continue
            for alias in node.names:
                # ``from server.version import layout`` imports the module server.version.layout.
                candidate = f"{source}.{alias.name}"
                yield candidate if is_module(candidate) else source


def module_graph() -> dict[str, set[str]]:
    """Each module of ``server/`` and the ``server`` modules it imports."""
    return {module_name(path): set(imports(path)) for path in sorted(SERVER.rglob("*.py"))}


def component(module: str) -> str:
    """The package or module directly under ``server/`` that ``module`` belongs to."""
    return ".".join(module.split(".")[:2])


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, imported in module_graph().items():
        edges = graph.setdefault(component(module), set())
        edges |= {component(m) for m in imported} - {component(module)}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the list of its nodes, first repeated at the end; or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if found := visit(target):
                return found
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        if found := visit(start):
            return found
    return None


def blueprint_modules() -> set[str]:
    """The modules that define a Flask blueprint (a surface of the service)."""
    return {
        module_name(path)
        for path in SERVER.rglob("*.py")
        if "Blueprint(" in path.read_text(encoding="utf-8")
    }


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def test_the_graph_is_read_from_every_kind_of_import() -> None:
    graph = module_graph()
    assert "server.version.layout" in graph["server.version.store"]  # from server.version import
    assert "server.version.store" in graph["server.version.live"]  # from server.version.store
    assert len(blueprint_modules()) > 15


def test_no_two_packages_of_the_server_import_each_other_even_through_others() -> None:
    assert find_cycle(package_graph()) is None


def test_a_cycle_would_be_found() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_surface_loads_the_pipeline_to_read_a_version() -> None:
    graph = module_graph()
    loaded = {
        blueprint: sorted(m for m in reachable(graph, blueprint) if m.startswith("server.pipeline"))
        for blueprint in blueprint_modules()
    }
    assert {blueprint: found for blueprint, found in loaded.items() if found} == {}


def test_only_the_version_package_opens_stores_and_indexes() -> None:
    # Opening a version's store or search index is server.version's job; the pipeline opens
    # the stores it writes.
    opening = {"Store.read_only", "sqlite3.connect"}
    found = set()
    for path in SERVER.rglob("*.py"):
        module = module_name(path)
        if component(module) in {"server.version", "server.pipeline"}:
            continue
        text = path.read_text(encoding="utf-8")
        found |= {(module, call) for call in opening if call in text}
    assert found == set()


def test_only_composition_roots_import_the_pipeline_from_outside_it() -> None:
    importers = {
        module
        for module, imported in module_graph().items()
        if component(module) != "server.pipeline"
        and any(component(m) == "server.pipeline" for m in imported)
    }
    # server.maps.generate is `ftkg map-shapes`, a generator of committed files run by hand.
    assert importers - COMPOSITION_ROOTS == {"server.maps.generate"}


def test_the_pipeline_shares_only_the_layout_and_manifest_with_the_version_package() -> None:
    used = {
        imported
        for module, targets in module_graph().items()
        if component(module) == "server.pipeline"
        for imported in targets
        if component(imported) == "server.version"
    }
    assert used == {"server.version.layout", "server.version.manifest"}
