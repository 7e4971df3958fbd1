"""pyproject.toml lists every package directory, so an installed sunsink has all of its modules."""
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_directory_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = set()
    for top in ("orbit", "thermal", "radiation", "power", "studies"):
        for init in (ROOT / top).rglob("__init__.py"):
            on_disk.add(".".join(init.parent.relative_to(ROOT).parts))
    assert on_disk - listed == set(), "packages missing from pyproject.toml [tool.setuptools] packages"
    assert listed - on_disk == set(), "pyproject.toml lists packages that do not exist"
