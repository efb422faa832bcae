"""The apps depend one way (notifications, reports → recommendations → agencies) and the shared
API plumbing (``apis``) depends on none of them: read from the imports of every module."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"agencies", "apis", "recommendations", "notifications", "reports"}
# What each package may import, among the project's own.
ALLOWED = {
    "apis": set(),
    "agencies": {"apis"},  # agencies.api builds on the shared plumbing only
    "recommendations": {"agencies", "apis"},
    "notifications": {"agencies", "apis", "recommendations"},
    "reports": {"agencies", "apis", "recommendations"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_ones_below_it(package):
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for name in imported_packages(path):
            top = name.split(".")[0]
            if top in APPS and top != package and top not in ALLOWED[package]:
                found.setdefault(str(path.relative_to(ROOT)), set()).add(name)
    assert found == {}


def test_reports_api_does_not_build_on_the_recommendations_api():
    names = imported_packages(ROOT / "reports" / "api.py")
    assert not [name for name in names if name.startswith("recommendations.api")]
