"""The lessons as a reader installs and reads them.

The doc tests (`make test`: `pytest --markdown-docs --reader-venvs docs`) run every command of a
page with the `python` of a new venv holding only what the page's `pip install` lines install
(lessonkit.platforms.reader): a package the page forgot to mention (or one whose absence makes
torch warn) fails there. This file checks that the built page shows the files those commands ran,
that a page's commands really run in its reader's venv, and pastes the page's plain Python fences
into that venv's REPL (the doc tests run them with pytest-markdown-docs, in-process).
"""

import functools
import textwrap
from pathlib import Path

import pytest

from lessonkit.engine import includes, pages, runner
from lessonkit.platforms import reader
from tests.conftest import INNER_RUN
from tests.site_html import code_blocks

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["pytester"]


def lesson_pages() -> list[Path]:
    return [path for path in sorted((ROOT / "docs").rglob("*.md"))
            if any(block.runs for block in read(path).blocks)]


def read(path: Path) -> pages.Page:
    return pages.read_page(path.read_text(encoding="utf-8"),
                           functools.partial(includes.expand, config_file=ROOT / "mkdocs.yml"))


def install_commands(page: pages.Page) -> list[list[str]]:
    """The arguments after `pip install` of each of the page's install lines, in page order."""
    lines = reader.install_commands(page)
    assert lines, "a lesson page needs its `pip install` line(s)"
    return lines


def reader_python(commands: list[list[str]]) -> Path:
    return reader.python_for(commands)


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


@pytest.mark.parametrize("path", lesson_pages(), ids=lambda path: path.name)
def test_the_built_page_shows_the_files_the_doc_tests_ran(path, built_site):
    page = read(path)
    html_page = built_site / path.relative_to(ROOT / "docs").with_suffix("") / "index.html"
    shown_files(html_page.read_text(encoding="utf-8"), page)  # it asserts, file by file


def test_with_reader_venvs_a_command_runs_in_a_venv_of_what_the_page_installs(pytester):
    """A page that installs numpy alone and runs a script importing torch: in the project's
    venv (which has torch) it passes; in the reader's venv the import fails, as it would for a
    reader who copied the page's line. A page with no install line runs in a venv of the
    standard library alone."""
    page = textwrap.dedent("""\
        ```{.text notest="installs packages"}
        pip install numpy==2.4.6
        ```

        ```{.python title="lab.py"}
        import torch

        print("imported")
        ```

        ```bash
        python lab.py
        ```

        ```{.text title="Expected output"}
        imported
        ```
        """)
    (pytester.path / "mkdocs.yml").write_text("site_name: fixture\n")
    (pytester.path / "docs").mkdir()
    (pytester.path / "page.md").write_text(page)
    args = (*INNER_RUN, "--lesson-report", str(pytester.path / "report.json"))
    pytester.runpytest_inprocess(*args, "page.md").assert_outcomes(passed=1)
    result = pytester.runpytest_inprocess(*args, "--reader-venvs", "page.md")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ModuleNotFoundError: No module named 'torch'*"])
    # No install line: a venv of the standard library alone, where torch is missing too, and a
    # script of the standard library runs.
    bare = page.replace("pip install numpy==2.4.6", "ls")
    (pytester.path / "page.md").write_text(bare)
    result = pytester.runpytest_inprocess(*args, "--reader-venvs", "page.md")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ModuleNotFoundError: No module named 'torch'*"])
    (pytester.path / "page.md").write_text(bare.replace("import torch", "import json"))
    result = pytester.runpytest_inprocess(*args, "--reader-venvs", "page.md")
    result.assert_outcomes(passed=1)


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


def test_each_version_of_a_replaced_file_is_matched_with_its_own_block():
    page = pages.read_page(
        '```{.python title="lab.py"}\nprint(1)\n```\n\n```bash\npython lab.py\n```\n\n'
        '```{.python title="lab.py" replaces="a second version"}\nprint(2)\n```\n\n'
        '```bash\npython lab.py\n```\n', lambda text: text)
    html = ('<span class="filename">lab.py</span><code>print(1)\n</code>'
            '<code>python lab.py</code>'
            '<span class="filename">lab.py</span><code>print(2)\n</code>')
    assert shown_files(html, page) == {1: "print(1)\n", 9: "print(2)\n"}
    # A built page showing the versions the other way round is not the page the doc tests ran.
    swapped = html.replace("print(1)", "PRINT").replace("print(2)", "print(1)").replace(
        "PRINT", "print(2)")
    with pytest.raises(AssertionError, match="lab.py at line 1 on the built page is not the file"):
        shown_files(swapped, page)
