"""pytest-markdown-docs runs the plain Python fences of a page, lessonkit everything else: each
fence is judged by exactly one of the two. Fixture pages, run as `make test` runs the lessons
(`pytest --markdown-docs --markdown-docs-syntax=superfences`), in a pytest run inside this one."""

import sys

import mkdocs.contrib.search  # noqa: F401
import pytest

from lessonkit.engine import report, runner
from lessonkit.platforms import matrix
from tests.conftest import FIXTURE_MKDOCS_YML, page_runner

pytest_plugins = ["pytester"]
# pytester forgets the modules an inner run imports; MkDocs' plugin classes must outlive it (its
# config check compares them by identity), so the fixture's default plugin is imported here.

HELPER = "VALUE = 7\n"
MARKDOWN_DOCS = ("--markdown-docs", "--markdown-docs-syntax=superfences")


@pytest.fixture
def run_page(pytester):
    """Write `page` (and the fixture snippets) and run both plugins on it."""
    return page_runner(pytester, {"helper.py": HELPER})


def test_a_false_assert_in_a_python_fence_fails_at_its_page_line(run_page):
    page = "# P\n\n```python\nx = 2\nassert x == 2\n```\n\n```python\ny = 3\nassert y == 4\n```\n"
    result = run_page(page, *MARKDOWN_DOCS)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(['*File "*page.md", line 10, in <module>', "*assert y == 4",
                                 "AssertionError",
                                 "pytest-markdown-docs ran 2 plain Python fence(s): 1 passed, "
                                 "1 failed"])


def test_continuation_and_fences_inside_containers_run_in_either_fence_syntax(run_page):
    page = ("```python\nx = 20\n```\n\n??? note \"more\"\n\n    ```{.python continuation}\n"
            "    assert x == 21\n    ```\n")
    for syntax in (MARKDOWN_DOCS, MARKDOWN_DOCS[:1]):
        result = run_page(page, *syntax)
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(['*File "*page.md", line 8, in <module>'])
    run_page(page.replace("x == 21", "x == 20"), *MARKDOWN_DOCS).assert_outcomes(passed=2)


def test_an_include_in_a_python_fence_is_expanded(run_page):
    page = '```python\n--8<-- "helper.py"\nassert VALUE == 7\n```\n'
    run_page(page, *MARKDOWN_DOCS).assert_outcomes(passed=1)
    run_page(page.replace("== 7", "== 8"), *MARKDOWN_DOCS).assert_outcomes(failed=1)


@pytest.mark.parametrize("code, why", [
    ('print("x")\n', '*line 4: `print` prints*'),
    ("import sys\n\nsys.stdout.write('x')\n", "*line 6: `sys.stdout.write` prints*"),
    ("x = [1]\nx\n", "*line 5: a REPL shows the value of `x`*"),
    ("def f():\n    print(1)\n", "*line 5: `print` prints*"),
])
def test_a_python_fence_that_prints_is_an_error_saying_make_it_a_file(run_page, code, why):
    result = run_page(f"# P\n\n```python\n{code}```\n", *MARKDOWN_DOCS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["page.md:3: a plain Python fence prints nothing" + why
                                 + 'make it a file ({.python title="NAME.py"}) and a command*'])
    result.stdout.no_fnmatch_line("*pytest-markdown-docs ran*")  # it did not run the fence


def test_a_python_fence_followed_by_an_expected_output_is_an_error(run_page):
    page = '```python\nx = 1\n```\n\n```{.text title="Expected output"}\n1\n```\n'
    result = run_page(page, *MARKDOWN_DOCS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["page.md:1: a plain Python fence is followed by an Expected "
                                 "output*make it a file*and a command*"])


@pytest.mark.parametrize("option", ["fixture:tmp_path", "retry:2"])
def test_fixtures_and_retries_are_refused(run_page, option):
    result = run_page(f"```{{.python {option}}}\nassert True\n```\n", *MARKDOWN_DOCS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"page.md:1: `{option}`: a plain Python fence takes no *"])


def test_a_fence_sees_the_files_the_page_has_shown_above_it(run_page):
    uses = "```python\nfrom helper import VALUE\n\nassert VALUE == 7\n```\n\n"
    shows = ('```{.python title="helper.py"}\n--8<-- "helper.py"\n```\n\n'
             "```bash\npython helper.py\n```\n\n")
    run_page(shows + uses, *MARKDOWN_DOCS).assert_outcomes(passed=2)
    result = run_page(uses + shows, *MARKDOWN_DOCS)  # a reader does not have helper.py yet
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*ModuleNotFoundError: No module named 'helper'"])


def test_a_fence_runs_in_the_page_folder_after_the_commands_above_it(run_page):
    """A reader pastes the fence into a REPL in their one folder, after running the commands
    above it: it reads what they wrote. A fence above the command does not see it yet."""
    writes = ('```{.python title="write.py"}\nopen("made.txt", "w").write("7")\n```\n\n'
              "```bash\npython write.py\n```\n\n")
    reads = '```python\nassert open("made.txt").read() == "7"\n```\n\n'
    run_page(writes + reads, *MARKDOWN_DOCS).assert_outcomes(passed=2)
    result = run_page(reads + writes, *MARKDOWN_DOCS)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FileNotFoundError*made.txt*"])


def test_pytest_markdown_docs_runs_no_block_that_lessonkit_owns(run_page, pytester):
    """Every kind of block lessonkit owns holds code that would leave a mark (and most would
    raise) if pytest-markdown-docs ran it; only the one plain fence may, and only lessonkit's
    command runs the file (as `__main__`)."""
    marks = pytester.path / "marks.txt"
    mark = f"open({str(marks)!r}, 'a').write"
    page = "\n".join([
        '```{.python title="lab.py"}', f"{mark}(__name__ + ' lab.py\\n')", "```", "",
        "```bash", "python lab.py", "```", "",
        '```{.python title="Expected output"}', f"{mark}('expected\\n')", "```", "",
        '```{.python notest="an excerpt"}', f"{mark}('notest\\n')", "raise RuntimeError", "```",
        "",
        "```{.python notest}", f"{mark}('bare notest\\n')", "```", "",
        '!!! note "inside"', "",
        '    ```{.python title="lab.py" replaces="a second version"}',
        f"    {mark}(__name__ + ' lab.py v2\\n')", "    ```", "",
        "    ```bash", "    python lab.py", "    ```", "",
        "```python", f"{mark}('prints\\n')", "print('x')", "```", "",
        "```python", f"{mark}('followed\\n')", "```", "",
        '```{.text title="Expected output"}', "x", "```", "",
        "```python", f"{mark}('plain fence\\n')", "```", "",
    ])
    result = run_page(page, *MARKDOWN_DOCS)
    result.stdout.fnmatch_lines(["pytest-markdown-docs ran 1 plain Python fence(s): 1 passed, "
                                 "0 failed"])
    assert sorted(marks.read_text().splitlines()) == [
        "__main__ lab.py", "__main__ lab.py v2", "plain fence"]


def test_without_markdown_docs_the_summary_says_the_fences_did_not_run(run_page, pytester):
    result = run_page("```python\nassert False\n```\n")
    result.assert_outcomes()
    result.stdout.fnmatch_lines(["1 plain Python fence(s) on these pages NOT run: *"])
    [summary] = report.read(pytester.path / "reports" / "doctests.json").pages
    assert (summary.executed, summary.ran) == (1, 0)  # so the page is not "Verified"


def test_the_summary_counts_the_fences_of_the_pages_run_only(run_page, pytester):
    pytester.makefile(".md", other="```python\nassert True\n```\n\n```python\nx = 1\n```\n")
    result = run_page("```python\nassert False\n```\n")  # pytest page.md: not other.md
    result.stdout.fnmatch_lines(["1 plain Python fence(s) on these pages NOT run: *"])
    result = run_page("No code here.\n")
    result.stdout.no_fnmatch_line("*plain Python fence*")


def test_the_doc_test_record_holds_each_fence_and_its_outcome(run_page, pytester):
    page = "```python\nassert True\n```\n\n```python\nassert False\n```\n"
    run_page(page, *MARKDOWN_DOCS).assert_outcomes(passed=1, failed=1)
    record = report.read(pytester.path / "reports" / "doctests.json")
    assert [(b.line, b.kind, b.outcome) for b in record.blocks] == [
        (1, "python", "passed"), (5, "python", "failed")]
    [summary] = record.pages
    assert (summary.executed, summary.ran, summary.failed) == (2, 2, 1)


def test_the_kernel_matrix_lists_python_fences_and_fails_one_that_writes():
    block = {"line": 5, "kind": "python", "commands": [], "exit": 0}
    quiet = matrix.block_verdict(block, {"a": {"output": "", "exit_codes": [0]}})
    assert quiet["status"] == "identical" and quiet["kind"] == "python"
    loud = matrix.block_verdict(block, {"a": {"output": "tensor([1.])\n", "exit_codes": [0]}})
    assert loud["status"] == "differs"
    assert loud["problems"]["a"] == [{"kind": "unchecked output", "text": (
        "the block printed 1 line(s) but no Expected output block follows it, so nobody checks "
        "them")}]
    raised = matrix.block_verdict(block, {"a": {"error": "AssertionError: "}})
    text = matrix.describe([{"page": "docs/p.md", "blocks": [quiet, raised]}])
    assert text.splitlines() == ["docs/p.md:5: Python fence, passed",
                                 "docs/p.md:5: Python fence, FAILED", "    a: AssertionError: "]


def test_the_kernel_matrix_fails_a_fence_printing_through_an_import(tmp_path):
    """pytest-markdown-docs cannot see this print (it turns capture off around a fence); the
    engine's runner, pasting every fence into a REPL for the matrix and the other platforms, can."""
    (tmp_path / "mkdocs.yml").write_text(FIXTURE_MKDOCS_YML)
    (tmp_path / "docs").mkdir()
    (tmp_path / "snips").mkdir()
    (tmp_path / "snips" / "loud.py").write_text('def shout():\n    print("hello")\n')
    (tmp_path / "page.md").write_text(
        '```{.python title="loud.py"}\n--8<-- "loud.py"\n```\n\n'
        '```{.python title="main.py"}\nfrom loud import shout\n\nshout()\n```\n\n'
        '```bash\npython main.py\n```\n\n```{.text title="Expected output"}\nhello\n```\n\n'
        "```python\nfrom loud import shout\n\nshout()\n```\n")
    data = matrix.bundle([tmp_path / "page.md"], tmp_path / "mkdocs.yml", tmp_path)
    here = matrix.run(data, [("here", runner.Interpreter((sys.executable,)))])
    verdicts = matrix.verdicts(data, here)
    assert matrix.describe(verdicts).splitlines() == [
        "page.md:11: identical", "page.md:19: Python fence, FAILED",
        "    here: the block printed 1 line(s) but no Expected output block follows it, so "
        "nobody checks them"]
