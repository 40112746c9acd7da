"""Query solutions as an aligned text table, IRIs shortened with prefixes (for terminals)."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from server.terms import Term


def shorten(term: Term, prefixes: dict[str, str]) -> str:
    """A compact rendering: prefixed names for IRIs, plain text for plain literals."""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in prefixes.items():
            local = term.value[len(namespace) :]
            if term.value.startswith(namespace) and local and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{term.value}@{term.language}"
        return term.value
    return str(term)


def render_table(result: Any, prefixes: dict[str, str]) -> str:
    """SELECT solutions as columns, or an ASK result as true/false."""
    if isinstance(result, ox.QueryBoolean):
        return "true" if bool(result) else "false"
    names = [variable.value for variable in result.variables]
    rows = [
        [shorten(solution[name], prefixes) if solution[name] is not None else "" for name in names]
        for solution in result
    ]
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]
    lines = [
        "  ".join(name.ljust(width) for name, width in zip(names, widths, strict=True)),
        "  ".join("-" * width for width in widths),
    ]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)
