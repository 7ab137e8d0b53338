"""Every snippet that takes command-line flags refuses a bad value before it trains: status 2,
exactly one line on stderr (no usage block, no traceback), nothing on stdout.

Each snippet runs as a reader runs it: a fresh `python` in a folder holding the snippets. Each
numeric flag states its range in `--help` ("KL weight, 0 to 1000 (default 0.05)"); the tests read
it there and check that the snippet enforces it: one past either end is refused, naming the end,
and both ends are accepted."""

import ast
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ROOT

SNIPPETS = ROOT / "snippets"
TIMEOUT = 60  # seconds: importing torch takes a few; a snippet that trains takes far longer


def takes_flags(name: str) -> bool:
    """The snippet parses its command line, or runs the main() of a snippet that does (the
    evidence record runs the lab's)."""
    source = (SNIPPETS / name).read_text(encoding="utf-8")
    if "parse_args(" in source:
        return True
    tree = ast.parse(source)
    modules = {alias.asname or alias.name: alias.name for node in ast.walk(tree)
               if isinstance(node, ast.Import) for alias in node.names}
    called = {node.func.value.id for node in ast.walk(tree) if isinstance(node, ast.Call)
              and isinstance(node.func, ast.Attribute) and node.func.attr == "main"
              and isinstance(node.func.value, ast.Name)}
    return any((SNIPPETS / f"{modules[alias]}.py").is_file() and takes_flags(f"{modules[alias]}.py")
               for alias in called if alias in modules)


WITH_FLAGS = [path.name for path in sorted(SNIPPETS.glob("*.py")) if takes_flags(path.name)]


def test_the_snippets_with_flags_are_found():
    # The lab parses its flags; the evidence record takes them through the lab's main().
    assert {"tiny_vae_2d.py", "evidence.py"} <= set(WITH_FLAGS)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A reader's folder: every snippet saved side by side."""
    where = tmp_path_factory.mktemp("reader")
    for path in SNIPPETS.glob("*.py"):
        shutil.copy(path, where)
    return where


def run(folder, name, *args):
    """(exit status, stdout, stderr) of `python NAME ARGS` in `folder`."""
    try:
        result = subprocess.run([sys.executable, name, *args], cwd=folder, capture_output=True,
                                text=True, timeout=TIMEOUT, env={**os.environ, "COLUMNS": "300"})
    except subprocess.TimeoutExpired:
        return None, "", f"still running after {TIMEOUT} s: the value was accepted"
    return result.returncode, result.stdout, result.stderr


# In --help: "  --beta BETA  KL weight, 0 to 1000 (default 0.05)".
OPTION = re.compile(r"^  (--[\w-]+) [A-Z_]+\s+(.*)$", re.MULTILINE)
RANGE = re.compile(r"(-?\d+(?:\.\d+)?) to (-?\d+(?:\.\d+)?)")
NUMERIC = re.compile(r"\(default -?\d")


def number(text: str):
    return float(text) if "." in text else int(text)


def cases(help_text: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(arguments, what their one-line error must say) for every bad input, from --help."""
    ranges = {}
    for flag, described in OPTION.findall(help_text):
        found = RANGE.search(described)
        assert found or not NUMERIC.search(described), f"{flag} states no range: {described}"
        if found:
            ranges[flag] = tuple(map(number, found.groups()))
    unknown = ("unrecognized arguments: --bogus",)
    # An unknown flag, alone and after every flag at either end of its range (both accepted).
    result = [(("--bogus",), unknown)]
    for end in (0, 1):
        at_end = [text for flag, bounds in ranges.items() for text in (flag, str(bounds[end]))]
        result.append(((*at_end, "--bogus"), unknown))
    for flag, (low, high) in ranges.items():
        result += [((flag, str(value)), (f"argument {flag}: ", said)) for value, said in (
            (high + 1, f"<= {high}"), ("9" * 400, f"<= {high}"),  # beyond a float's range
            (low - 1, f">= {low}"), ("nan", f">= {low}"))]
    if "positional arguments:" in help_text:
        result.append((("nosuch",), ("'nosuch'",)))
    return result


@pytest.mark.parametrize("name", WITH_FLAGS)
def test_a_bad_value_exits_2_with_one_line_before_training(folder, name):
    status, help_text, error = run(folder, name, "--help")
    assert status == 0 and not error, error
    checks = dict(cases(help_text))
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        results = pool.map(lambda arguments: run(folder, name, *arguments), checks)
    wrong = []
    for (arguments, phrases), (status, out, error) in zip(checks.items(), results, strict=True):
        shown = f"python {name} {' '.join(arguments)[:60]}"
        if status != 2 or out or error.count("\n") != 1 or "Traceback" in error:
            wrong.append(f"{shown}: exit {status}, stdout {out[:200]!r}, stderr {error[-300:]!r}")
        elif not error.startswith(f"{name}: error: ") or not all(p in error for p in phrases):
            wrong.append(f"{shown}: {error.strip()[:200]!r} does not say {phrases}")
    assert not wrong, "\n".join(wrong)
