"""No project code imports a dependency's private names: those change without notice between
releases (pytest-markdown-docs' `_runners` changed shape three times). Only public interfaces."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("lessonkit", "tests", "snippets", "benchmarks")
FILES = sorted(path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py"))
# The project's own modules: the packages above and the snippets, which import each other.
OURS = set(FOLDERS) | {path.stem for path in (ROOT / "snippets").glob("*.py")}


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.endswith("__") for part in dotted.split("."))


def private_imports(source: str, ours=frozenset(OURS)) -> list[str]:
    """`line: what` for each import of a private module or name from a third-party module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported = [(alias.name, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported = [(node.module, f"{node.module}.{alias.name}") for alias in node.names]
        else:
            continue  # a relative import is the project's own
        for module, dotted in imported:
            top = module.split(".")[0]
            if top in ours or top in sys.stdlib_module_names:
                continue
            if _private(dotted):
                found.append(f"{node.lineno}: {dotted}")
    return found


def test_the_check_finds_private_imports():
    assert private_imports(
        "from some_dependency._runners import register_runner\n"
        "import torch._dynamo\n"
        "from some_dependency.plugin import _helper\n"
        "from torch import __version__, nn\n"
        "from json import _default_decoder\n"
        "from lessonkit.engine.execute import _exit_status\n"
    ) == ["1: some_dependency._runners.register_runner", "2: torch._dynamo",
          "3: some_dependency.plugin._helper"]


def test_there_are_files_to_check():
    assert {path.relative_to(ROOT).parts[0] for path in FILES} >= set(FOLDERS)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_no_private_import_from_a_dependency(path):
    found = private_imports(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)} imports private names:\n" + "\n".join(found)
