"""The layout shows its concerns: the engine (pages, runner, verdict, records) imports none of
lessonkit's other packages (plugins, site, platforms), which all build on it."""

import ast

import pytest

from tests.conftest import ROOT

ENGINE = sorted((ROOT / "lessonkit" / "engine").glob("*.py"))
OTHERS = ("lessonkit.plugins", "lessonkit.site", "lessonkit.platforms")


def lessonkit_imports(source: str) -> list[str]:
    """Every lessonkit module `source` imports, dotted, with the names taken from it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return [name for name in found if name.startswith("lessonkit")]


def test_the_check_sees_every_form_of_import():
    source = ("import lessonkit.site.hooks\nfrom lessonkit import plugins\n"
              "from lessonkit.platforms.matrix import run\nfrom lessonkit.engine import pages\n"
              "def f():\n    from lessonkit.site import figures\n")
    assert [name for name in lessonkit_imports(source) if name.startswith(OTHERS)
            or name == "lessonkit.plugins"] == [
        "lessonkit.site.hooks", "lessonkit.plugins", "lessonkit.platforms.matrix.run",
        "lessonkit.site.figures"]


@pytest.mark.parametrize("path", ENGINE, ids=lambda path: path.name)
def test_the_engine_imports_none_of_the_other_packages(path):
    imported = lessonkit_imports(path.read_text(encoding="utf-8"))
    wrong = [name for name in imported if name.startswith(OTHERS)
             or name in ("lessonkit.plugins", "lessonkit.site", "lessonkit.platforms")]
    assert not wrong, f"lessonkit/engine/{path.name} imports {wrong}"


def test_the_engine_has_its_modules():
    assert {path.stem for path in ENGINE} >= {"pages", "runner", "compare", "report", "writer"}
