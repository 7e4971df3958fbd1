"""The architecture's dependency rule, enforced by parsing imports.

thermal, radiation and power may import orbit among our packages, never each
other and never studies; orbit imports none of them.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"orbit", "thermal", "radiation", "power", "studies"}
ALLOWED = {
    "orbit": {"orbit"},
    "thermal": {"thermal", "orbit"},
    "radiation": {"radiation", "orbit"},
    "power": {"power", "orbit"},
    "studies": OURS,
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_respect_rule(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"package {package} has no modules"
    bad = {}
    for f in files:
        extra = _imported_packages(f) - ALLOWED[package]
        if extra:
            bad[str(f.relative_to(ROOT))] = sorted(extra)
    assert not bad, f"dependency rule broken: {bad}"


def test_rule_checker_detects_violation(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import studies.cli\nfrom radiation import dose\n")
    assert _imported_packages(f) == {"studies", "radiation"}


ENTRY_POINTS = {"studies/cli.py", "studies/cli_setup.py"}
"""The modules that may change jax.config: the command line's entry and its set-up (precision, cache)."""


def test_no_jax_config_at_import():
    offenders = []
    for package in OURS:
        for f in (ROOT / package).rglob("*.py"):
            if "jax.config.update" in f.read_text() and str(f.relative_to(ROOT)) not in ENTRY_POINTS:
                offenders.append(str(f.relative_to(ROOT)))
    assert not offenders, f"library modules change jax.config: {offenders}"
