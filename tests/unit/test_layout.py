"""The layout the design card fixes, checked where import-linter cannot reach."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_top_levels(package: str) -> dict[str, set[str]]:
    """Every top-level module the package's files import, with the files that do."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def test_top_level_packages_are_this_repository_not_pypi_namesakes():
    import adapters
    import application
    import domain
    import entrypoints

    for module in (domain, application, adapters, entrypoints):
        assert Path(module.__file__).resolve().parent.parent == ROOT, module.__name__


def test_the_design_cards_top_level_files_exist():
    for name in (
        "domain",
        "application",
        "adapters",
        "entrypoints",
        "tests",
        "sandbox",
        "pyproject.toml",
        "importlinter.ini",
        "docker-compose.yml",
        "Dockerfile",
        "alembic.ini",
        "Makefile",
        "README.md",
        ".env.example",
        ".ci/run",
    ):
        assert (ROOT / name).exists(), name
