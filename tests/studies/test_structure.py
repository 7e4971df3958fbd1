"""The shape of `studies`: an import graph without cycles, imports at the top of each module, one unit
vocabulary, and one declaration record.

The import graph is built by parsing every module of the package (relative imports resolved, ``from
. import x`` counted as an import of the submodule ``x``), so a cycle introduced anywhere fails here
with the modules that form it.
"""
import ast
import dataclasses
from pathlib import Path

import pytest

from studies import declare, units

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("orbit", "thermal", "radiation", "power", "studies")

LAZY_IMPORTS = {
    ("studies/cli.py", "main"): "the verbs' modules import JAX after the entry point sets its precision and cache",
    ("studies/archive/schema.py", "collect_provenance"): "studies.archive is imported before JAX, so that a signal "
                                                         "is recorded from the first moment (archive.signals); "
                                                         "provenance reads JAX's version only when it runs",
}
"""The imports inside functions allowed, with their reason (the guide: lazy CLI imports with a stated reason)."""



def _modules():
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            is_pkg = parts[-1] == "__init__"
            if is_pkg:
                parts = parts[:-1]
            out[".".join(parts)] = (path, is_pkg)
    return out


def import_graph(modules=None) -> dict[str, set[str]]:
    """{module: modules it imports} among our packages (module-level and function-level imports)."""
    modules = modules or _modules()
    graph = {}
    for name, (path, is_pkg) in modules.items():
        base = name.split(".") if is_pkg else name.split(".")[:-1]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    head = base[:len(base) - node.level + 1]
                    mod = ".".join(head + ([node.module] if node.module else []))
                else:
                    mod = node.module
                # ``from pkg import sub`` imports the submodule; ``from pkg import name`` the package
                targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod for a in node.names]
            else:
                continue
            for t in targets:
                while t and t not in modules:       # ``import a.b.c`` of a package path: the deepest module
                    t = t.rpartition(".")[0]
                if t and t != name:
                    edges.add(t)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a list of modules (first == last), or None."""
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_detects_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_imports_inside_functions():
    found = []
    for pkg in ("studies",):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            for fn in ast.walk(ast.parse(path.read_text())):
                if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(fn):
                    if isinstance(node, (ast.Import, ast.ImportFrom)) and (rel, fn.name) not in LAZY_IMPORTS:
                        found.append(f"{rel}:{node.lineno} in {fn.name}()")
    assert not found, "imports inside functions (move them to the top of the module): " + ", ".join(sorted(set(found)))


def _unit_literals():
    """Every ``units=...`` string literal and every ``Quantity``/``quantity``/``output`` unit argument in studies."""
    for path in sorted((ROOT / "studies").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for kw in node.keywords:
                if kw.arg == "units" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    yield path, node.lineno, kw.value.value
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ("Quantity", "quantity", "output", "Dataset", "Column"):
                pos = {"Quantity": 0, "quantity": 1, "output": 0, "Dataset": 1, "Column": 0}[name]
                if len(node.args) > pos and isinstance(node.args[pos], ast.Constant) \
                        and isinstance(node.args[pos].value, str):
                    yield path, node.lineno, node.args[pos].value


def test_every_unit_string_is_in_the_vocabulary():
    bad = [f"{p.relative_to(ROOT)}:{line} {u!r}" for p, line, u in _unit_literals() if u not in units.UNITS]
    assert not bad, "units outside studies.units.UNITS: " + ", ".join(bad)


def test_quantity_refuses_a_unit_outside_the_vocabulary():
    with pytest.raises(ValueError, match="not in studies.units.UNITS"):
        declare.Quantity("$/kg", "a price")


def test_one_declaration_record():
    """Every dataclass field of studies that carries a declaration carries a :class:`studies.declare.Quantity`
    under the one metadata key, and no other declaration class exists."""
    import studies.analysis.constellation
    import studies.analysis.service
    import studies.model
    import studies.settings

    classes = [cls for _, cls in studies.model.STAGES]
    classes += [studies.model.Mission, studies.model.MassParameters, studies.model.Numerics,
                studies.model.SatelliteDesign, studies.analysis.service.ServiceParameters,
                studies.analysis.constellation.ConstellationParameters, *studies.settings.SETTINGS]
    for cls in classes:
        for f in dataclasses.fields(cls):
            extra = set(f.metadata) - {"quantity", "static"}
            assert not extra, f"{cls.__name__}.{f.name} carries {extra}"
            q = f.metadata.get("quantity")
            assert q is None or isinstance(q, declare.Quantity)
    # every configurable key of the schema is a declared Quantity
    from studies.config import SCHEMA, walk_schema

    assert all(isinstance(k.quantity, declare.Quantity) for _, k in walk_schema(SCHEMA))
