"""The lessons as a reader runs them: a new venv holding only what the page says to install, the
files copied from the built page into an empty folder, one `python` per command on a terminal,
through the doc tests' own runner and verdict.

The doc tests run the same commands with the project's own venv; this test catches what that
cannot see: a package the page forgot to mention (or one whose absence makes torch warn), a file
the built page shows otherwise than the doc tests ran it.
"""

import functools
import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lessonkit.engine import compare, includes, pages, runner
from lessonkit.platforms.common import CPU_INDEX, install_lines
from tests.site_html import code_blocks

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".cache" / "reader-venv"
PYPI = "https://pypi.org/simple"  # pip's own default index
# What a reader must never download for these lessons: PyPI's Linux torch depends on them (about
# 2.2 GB of the 2.8 GB its install line resolved to); the CPU build needs none.
CUDA_PACKAGES = re.compile(r"^(nvidia-|cuda-|triton$)")


def lesson_pages() -> list[Path]:
    return [path for path in sorted((ROOT / "docs").rglob("*.md"))
            if any(block.runs for block in read(path).blocks)]


def read(path: Path) -> pages.Page:
    return pages.read_page(path.read_text(encoding="utf-8"),
                           functools.partial(includes.expand, config_file=ROOT / "mkdocs.yml"))


def install_commands(page: pages.Page) -> list[list[str]]:
    """The arguments after `pip install` of each of the page's install lines, in page order."""
    lines = [arguments for block in page.blocks if block.kind == pages.Kind.SKIP
             for arguments in install_lines(block.code)]
    assert lines, "a lesson page needs its `pip install` line(s)"
    return lines


def reaches(url: str) -> bool:
    """Whether `url`'s host has an address (a DNS look-up, no request)."""
    try:
        socket.getaddrinfo(urlsplit(url).hostname, 443)
    except OSError:
        return False
    return True


def configured_index(python: str = sys.executable) -> str:
    """The index pip is configured with (`pip config`: file or PIP_INDEX_URL), else PyPI's."""
    listed = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True,
                            text=True).stdout
    found = re.findall(r"(?m)^[\w:]*\.index-url='([^']*)'$", listed)
    return found[-1] if found else PYPI


def as_run_here(arguments: list[str], cpu_index_reachable: bool, index: str) -> list[str]:
    """A page's install line as this machine runs it: as written, with one mapping. Where
    PyTorch's CPU index cannot be reached (this project's own machines reach PyPI and a local
    mirror only), its URL is replaced by the index pip is configured with (`index`): there, pip's
    configuration (`pip config list`) adds the local mirror, which holds torch's CPU wheel. CI and
    a reader's machine run the line exactly as written. Nothing else is changed."""
    if cpu_index_reachable:
        return list(arguments)
    return [index if word == CPU_INDEX else word for word in arguments]


def cuda_packages(report: Path) -> list[str]:
    """The CUDA packages among those a `pip install --dry-run --report` resolved."""
    names = [item["metadata"]["name"].lower().replace("_", "-")
             for item in json.loads(report.read_text(encoding="utf-8"))["install"]]
    return [name for name in names if CUDA_PACKAGES.match(name)]


def reader_python(commands: list[list[str]]) -> Path:
    """A venv holding only what `commands` (the page's install lines) install, one `pip install`
    each, made once and kept under .cache/ by their hash. Each line is resolved first with
    `pip install --dry-run --report`: a line whose resolved set holds a CUDA package (`nvidia-*`,
    `cuda-*`, `triton`) fails, before anything is downloaded, and so does a kept venv whose
    record shows one."""
    reachable = reaches(CPU_INDEX)
    commands = [as_run_here(arguments, reachable, "" if reachable else configured_index())
                for arguments in commands]
    key = hashlib.sha256(repr(commands).encode()).hexdigest()[:16]
    venv = VENVS / key
    python = venv / "bin" / "python"
    if not (venv / "complete").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        for number, arguments in enumerate(commands):
            report = venv / f"resolved-{number}.json"
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--dry-run",
                            "--report", str(report), *arguments], check=True)
            check_no_cuda(arguments, report)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *arguments],
                           check=True)
        (venv / "complete").write_text(repr(commands) + "\n", encoding="utf-8")
    for number, arguments in enumerate(commands):
        check_no_cuda(arguments, venv / f"resolved-{number}.json")
    return python


def check_no_cuda(arguments: list[str], report: Path) -> None:
    cuda = cuda_packages(report)
    assert not cuda, (
        f"`pip install {' '.join(arguments)}` resolves to CUDA packages ({', '.join(cuda)}): "
        "GBs a reader on Linux downloads for nothing. Install torch from PyTorch's CPU index, "
        f"on a line of its own: `pip install torch==X --index-url {CPU_INDEX}`")


def shown_files(html: str, page: pages.Page) -> dict:
    """Each file block of the page (by its line) as the built page shows it (and a copy button
    copies it): the n-th titled Python block of the HTML is the page's n-th file block."""
    shown = [text for title, text in code_blocks(html) if title and title.endswith(".py")]
    file_blocks = [block for block in page.blocks if block.filename]
    assert len(shown) == len(file_blocks), "the built page shows another number of files"
    for block, text in zip(file_blocks, shown, strict=True):
        assert text.rstrip("\n") == includes.without_markers(block.code).rstrip("\n"), (
            f"{block.filename} at line {block.line} on the built page is not the file the doc "
            "tests ran")
    return {block.line: text for block, text in zip(file_blocks, shown, strict=True)}


def run_as_reader(page: pages.Page, name: str, texts: dict, folder: Path,
                  python: runner.Interpreter) -> list:
    """Every command block of `page` run as a reader runs it: one folder, which receives each file
    (`texts`: file block line -> text) where the page shows it, one `python` per command on a
    terminal, judged by the doc tests' verdict. Returns the failures, one message each."""
    failures, saved = [], {}
    for block in page.blocks:
        if block.kind != pages.Kind.SHELL:
            continue
        files = {file: texts[shown.line] for file, shown in block.files.items()}
        done = runner.run_block({**pages.runnable(block), "files": files}, folder, saved, python)
        expected = block.expected
        verdict = compare.judge(done.output, done.exit_codes, done.commands,
                                expected.code if expected else None,
                                expected.tolerance if expected else None, block.exit_status,
                                done.timed_out)
        if not verdict.passed:
            failures.append(f"{name}:{block.line}: {'; '.join(verdict.reasons)}. A reader sees\n"
                            f"{verdict.output}" + (f"the page says\n{expected.code}"
                                                   if expected else ""))
    return failures


@pytest.mark.parametrize("path", lesson_pages(), ids=lambda path: path.name)
def test_every_command_prints_its_expected_output_in_a_readers_venv(path, built_site, tmp_path):
    page = read(path)
    python = reader_python(install_commands(page))
    html_page = built_site / path.relative_to(ROOT / "docs").with_suffix("") / "index.html"
    texts = shown_files(html_page.read_text(encoding="utf-8"), page)
    failures = run_as_reader(page, str(path.relative_to(ROOT)), texts, tmp_path,
                             runner.Interpreter((str(python),)))
    assert not failures, "\n\n".join(failures)


def fence_pages() -> list[Path]:
    return [path for path in sorted((ROOT / "docs").rglob("*.md"))
            if any(block.kind == "python" for block in read(path).blocks)]


@pytest.mark.parametrize("path", fence_pages(), ids=lambda path: path.name)
def test_every_python_fence_pasted_into_a_readers_repl_prints_nothing(path, tmp_path):
    """A plain Python fence is what a reader pastes into `python` started in their folder of
    saved files: a real REPL, in a venv holding only the page's install line, in which a blank
    line ends a compound statement and a bare expression shows its value. It must print nothing:
    no echoed value, no traceback (pytest-markdown-docs runs it with exec, which shows neither)."""
    page = read(path)
    python = runner.Interpreter((str(reader_python(install_commands(page))),))
    failures, chain = [], ""
    for block in page.blocks:
        if block.kind != pages.Kind.PYTHON:
            continue
        chain = (chain if "continuation" in block.attrs else "") + block.code + "\n\n"
        folder = tmp_path / f"line{block.line}"
        folder.mkdir()
        runner.save_files(folder, pages.runnable(block)["files"], {})
        done = runner.run_fence(chain, folder, python)
        if done.output or done.status != 0:
            failures.append(f"{path.relative_to(ROOT)}:{block.line}: the REPL showed\n"
                            f"{done.output}")
    assert not failures, "\n\n".join(failures)


def test_a_command_after_a_replacing_version_runs_that_version_and_one_before_it_the_first(
        tmp_path):
    page = pages.read_page(
        '```{.python title="lab.py"}\nprint(1)\n```\n\n```bash\npython lab.py\n```\n\n'
        '```{.text title="Expected output"}\n1\n```\n\n'
        '```{.python title="lab.py" replaces="a second version"}\nprint(2)\n```\n\n'
        '```bash\npython lab.py\n```\n\n```{.text title="Expected output"}\n2\n```\n',
        lambda text: text)
    html = ('<span class="filename">lab.py</span><code>print(1)\n</code>'
            '<code>python lab.py</code>'
            '<span class="filename">lab.py</span><code>print(2)\n</code>')
    texts = shown_files(html, page)
    here = runner.Interpreter((sys.executable,))
    assert run_as_reader(page, "page.md", texts, tmp_path, here) == []
    # The same page claiming the first version's output after the second fails.
    wrong = pages.read_page(page_text := "".join(
        ['```{.python title="lab.py"}\nprint(1)\n```\n\n```bash\npython lab.py\n```\n\n',
         '```{.text title="Expected output"}\n1\n```\n\n',
         '```{.python title="lab.py" replaces="a second version"}\nprint(2)\n```\n\n',
         '```bash\npython lab.py\n```\n\n```{.text title="Expected output"}\n1\n```\n']),
        lambda text: text)
    (tmp_path / "wrong").mkdir()
    assert page_text and run_as_reader(wrong, "page.md", shown_files(html, wrong),
                                       tmp_path / "wrong", runner.Interpreter((sys.executable,)))
