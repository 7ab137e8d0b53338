"""The lessons as a reader runs them: a new venv holding only what the page says to install, the
files copied from the built page into an empty folder, one fresh `python` per command, and stdout
and stderr together as a terminal shows them.

The doc tests run the same blocks faster, in one process with the project's own environment; this
test catches what that cannot see: a package the page forgot to mention (or one whose absence makes
torch warn), output that only a fresh process prints.
"""

import functools
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lessonkit import compare, includes, pages
from tests.site_html import code_blocks

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".cache" / "reader-venv"


def lesson_pages() -> list[Path]:
    return [path for path in sorted((ROOT / "docs").rglob("*.md"))
            if any(block.runs for block in read(path).blocks)]


def read(path: Path) -> pages.Page:
    return pages.read_page(path.read_text(encoding="utf-8"),
                           functools.partial(includes.expand, config_file=ROOT / "mkdocs.yml"))


def install_requirements(page: pages.Page) -> list[str]:
    """The packages of the page's one `pip install ...` line."""
    lines = [line.strip() for block in page.blocks
             for line in block.code.splitlines() if line.strip().startswith("pip install ")]
    assert len(lines) == 1, f"a lesson page needs exactly one `pip install` line, found {lines}"
    return shlex.split(lines[0])[2:]


def reader_python(requirements: list[str]) -> Path:
    """A venv holding only `requirements`, made once and kept under .cache/ by their hash."""
    key = hashlib.sha256(" ".join(requirements).encode()).hexdigest()[:16]
    venv = VENVS / key
    python = venv / "bin" / "python"
    if not (venv / "complete").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *requirements],
                       check=True)
        (venv / "complete").write_text(" ".join(requirements) + "\n", encoding="utf-8")
    return python


def shown_files(html: str, page: pages.Page) -> dict:
    """Each version of each file as the built page shows it (and a copy button copies it), by the
    page line of its block: a file shown again with `replaces=` is a second version."""
    file_blocks = [block for block in page.blocks if block.kind == "file"]
    shown = [text for title, text in code_blocks(html) if title and title.endswith(".py")]
    assert len(shown) == len(file_blocks), (
        f"the built page shows {len(shown)} files, the doc tests ran {len(file_blocks)}")
    for block, text in zip(file_blocks, shown, strict=True):
        assert text.rstrip("\n") == includes.without_markers(block.code).rstrip("\n"), (
            f"{block.filename} (line {block.line}) on the built page is not the file the doc "
            "tests ran")
    return {block.line: text for block, text in zip(file_blocks, shown, strict=True)}


def files_in_effect(block: pages.Block, shown: dict) -> dict:
    """The files a reader has saved when they reach `block`: the last version shown above it."""
    return {name: shown[file_block.line] for name, file_block in block.files.items()}


@pytest.mark.parametrize("path", lesson_pages(), ids=lambda path: path.name)
def test_every_command_prints_its_expected_output_in_a_readers_venv(path, built_site, tmp_path):
    page = read(path)
    python = reader_python(install_requirements(page))
    html_page = built_site / path.relative_to(ROOT / "docs").with_suffix("") / "index.html"
    files = shown_files(html_page.read_text(encoding="utf-8"), page)
    # A reader's terminal: no project on the path, no knobs of ours, output not buffered.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    failures = []
    for block in page.blocks:
        if block.kind != "shell":
            continue
        folder = tmp_path / f"line{block.line}"
        folder.mkdir()
        for name, text in files_in_effect(block, files).items():
            (folder / name).write_text(text, encoding="utf-8")
        printed, codes = "", []
        for argv in block.commands:
            done = subprocess.run(["python", *argv], cwd=folder, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
            printed += done.stdout
            codes.append(done.returncode)
        wanted = int(block.attrs.get("exit", 0))
        where = f"{path.relative_to(ROOT)}:{block.line}"
        if any(code != wanted for code in codes):
            failures.append(f"{where}: exit {codes}, the page expects {wanted}:\n{printed}")
        elif block.expected is not None:
            tolerance = block.expected.attrs.get("tolerance")
            reasons = compare.mismatch(block.expected.code, printed,
                                       compare.parse_tolerance(tolerance) if tolerance else None)
            if reasons:
                failures.append(f"{where}: {'; '.join(reasons)}. A reader sees\n{printed}\n"
                                f"the page says\n{block.expected.code}")
    assert not failures, "\n\n".join(failures)


def test_a_command_after_a_replacing_version_runs_that_version_and_one_before_it_the_first():
    page = pages.read_page(
        '```{.python title="lab.py"}\nprint(1)\n```\n\n```bash\npython lab.py\n```\n\n'
        '```{.text title="Expected output"}\n1\n```\n\n'
        '```{.python title="lab.py" replaces="a second version"}\nprint(2)\n```\n\n'
        '```bash\npython lab.py\n```\n\n```{.text title="Expected output"}\n2\n```\n',
        lambda text: text)
    html = ('<span class="filename">lab.py</span><code>print(1)\n</code>'
            '<code>python lab.py</code>'
            '<span class="filename">lab.py</span><code>print(2)\n</code>')
    shown = shown_files(html, page)
    first, second = (block for block in page.blocks if block.kind == "shell")
    assert files_in_effect(first, shown) == {"lab.py": "print(1)\n"}
    assert files_in_effect(second, shown) == {"lab.py": "print(2)\n"}
