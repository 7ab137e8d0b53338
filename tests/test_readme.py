"""The README's first screen tells a newcomer what they need, the two commands and how to add a
lesson; what it and CONTRIBUTING.md link to exists; the prerequisites it names hold here."""

import os
import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
GUIDES = (README, CONTRIBUTING)
FIRST_SCREEN = 45  # lines: what a terminal or GitHub's page shows before any scrolling, roughly


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to
    hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in _text(path).splitlines()
            if re.match(r"#{1,6} ", line)}


def test_slug_is_githubs():
    assert slug("Lesson pages: description, reading time, the home page's table") == \
        "lesson-pages-description-reading-time-the-home-pages-table"
    assert slug("Every make target") == "every-make-target"


def test_the_first_screen_has_the_prerequisites_the_two_commands_and_adding_a_lesson():
    first = _text(README).splitlines()[:FIRST_SCREEN]
    headings = [line for line in first if line.startswith("## ")]
    assert headings[:3] == ["## Prerequisites", "## The two commands", "## Adding a lesson"], \
        headings
    shown = "\n".join(first)
    for command in ("make serve", "make test"):
        assert re.search(rf"^{command}\b", shown, re.MULTILINE), command
    for needed in ("make", "disk"):
        assert needed in shown, needed


def test_the_python_the_readme_names_is_the_one_pyproject_requires():
    required = tomllib.loads(_text(ROOT / "pyproject.toml"))["project"]["requires-python"]
    lowest = re.search(r">=\s*(\d+\.\d+)", required)[1]
    prerequisites = _text(README).split("## Prerequisites", 1)[1].split("\n## ", 1)[0]
    assert f"Python {lowest}" in prerequisites, (required, prerequisites)
    upper = re.search(r"<\s*\d", required)
    says_newer = re.search(rf"Python {re.escape(lowest)} or newer", prerequisites) is not None
    assert says_newer == (upper is None), \
        f"requires-python is {required!r}: the README's Python line must say so"


def _disk_use(path: Path) -> int:
    """Bytes `path` takes on disk (blocks allocated), as `du` counts them."""
    total = 0
    for folder, _, names in os.walk(path):
        for name in names:
            stat = os.lstat(os.path.join(folder, name))
            total += stat.st_blocks * 512
    return total


@pytest.mark.skipif(not (ROOT / ".venv").is_dir(), reason="no .venv: `make install` makes it")
def test_the_disk_the_readme_asks_for_holds_the_venv_and_the_build_caches():
    stated = re.search(r"About (\d+(?:\.\d+)?) GB of disk", _text(README))
    assert stated, "the README names no disk space"
    used = sum(_disk_use(ROOT / part) for part in
               (".venv", ".cache/lessonkit", ".cache/mkdocs-jupyter") if (ROOT / part).exists())
    assert used <= float(stated[1]) * 1e9 * 1.1, f"{used / 1e9:.2f} GB in use, the README says " \
        f"about {stated[1]} GB"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_every_local_link_and_anchor_exists(guide):
    broken = []
    prose = re.sub(r"^```.*?^```", "", _text(guide), flags=re.MULTILINE | re.DOTALL)
    # Code spans, as CommonMark ends them: at the next run of as many backticks.
    prose = re.sub(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", "", prose, flags=re.DOTALL)
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if re.match(r"[a-z]+:", target):
            continue  # another site
        file, _, anchor = target.partition("#")
        path = (guide.parent / file) if file else guide
        if not path.exists():
            broken.append(f"{target}: no file {file}")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.name}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_every_make_target_named_exists(guide):
    targets = set(re.findall(r"^([a-z][\w-]*):", _text(ROOT / "Makefile"), re.MULTILINE))
    named = set(re.findall(r"`make\s+([a-z][\w-]*)", _text(guide)))
    assert named and named <= targets, sorted(named - targets)


def torch_installs_without_the_cpu_index(text: str) -> list[str]:
    """The lines of `text`'s code blocks that pip-install torch from anywhere but PyTorch's CPU
    index: on Linux such a line downloads GBs of CUDA libraries."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    commands = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [command for command in commands if re.search(r"pip install\b.*\btorch\b", command)
            and "--index-url https://download.pytorch.org/whl/cpu" not in command]


def test_the_check_finds_a_plain_torch_install():
    assert torch_installs_without_the_cpu_index("```sh\npip install torch==2.13.0 numpy\n```\n")
    assert not torch_installs_without_the_cpu_index("```sh\npip install numpy  # torch\n```\n")
    assert not torch_installs_without_the_cpu_index(
        "```sh\npip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu\n```\n")


@pytest.mark.parametrize("path", GUIDES, ids=lambda path: path.name)
def test_every_torch_install_line_takes_the_cpu_build(path):
    assert torch_installs_without_the_cpu_index(_text(path)) == []
