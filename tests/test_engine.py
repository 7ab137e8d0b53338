"""The doc-test engine on small Markdown fixtures: each rule, shown failing and passing.

`make mutations` (benchmarks/mutations.py) runs these tests against mutmut's mutants of the engine;
tests/test_wrong_pages.py holds the pages that were wrong for a reader and passed, and
tests/test_properties.py the properties of the comparison and update mode.
"""

import subprocess
import sys
import textwrap

import mkdocs.contrib.search  # noqa: F401
import pytest

from lessonkit.engine import compare, pages, report, runner
from tests.conftest import INNER_RUN, page_runner

pytest_plugins = ["pytester"]
# pytester forgets the modules an inner run imports; MkDocs' plugin classes must outlive it (its
# config check compares them by identity), so the fixture's default plugin is imported here.

SNIPPET = """\
import sys

scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
print(f"value={0.5 * scale:.4f}")
print("done")
"""

BROKEN = """\
def divide(a, b):
    return a / b


print(divide(1, 0))
"""

PAGE = """\
# Fixture

```{.python title="scale.py"}
--8<-- "scale.py"
```

```bash
python scale.py 3
```

```{.text title="Expected output"}
value=1.5000
done
```
"""


@pytest.fixture
def lessons(pytester):
    """Write a page (and the fixture snippets) and run the doc tests on it (the plugin comes in
    through its pytest11 entry point, as in any run of this project)."""
    return page_runner(pytester, {"scale.py": SNIPPET, "broken.py": BROKEN})


def test_a_correct_page_passes(lessons):
    result = lessons(PAGE)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["page.md: 3 blocks, 2 executed, 1 outputs compared, 0 marked*"])


def test_a_changed_digit_fails_with_a_diff_naming_the_line(lessons):
    result = lessons(PAGE.replace("value=1.5000", "value=1.5001"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "page.md:11: the Expected output does not match what the code printed.",
        "-value=1.5001", "+value=1.5000",
        "If the change is intended, refresh the page with `make update-expected PAGE=page.md`.",
    ])


def test_a_missing_include_fails(lessons):
    result = lessons(PAGE.replace('--8<-- "scale.py"', '--8<-- "nowhere.py"'))
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "page.md:3: include failed: *nowhere.py*",
        "page.md:7: runs scale.py, whose block at line 3 is broken",
    ])


def test_a_missing_section_fails(lessons):
    result = lessons(PAGE.replace('--8<-- "scale.py"', '--8<-- "scale.py:nosuchsection"'))
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["page.md:3: include failed: *nosuchsection*"])


def test_an_unmarked_block_fails(lessons):
    result = lessons(PAGE + "\n```text\nsome text\n```\n")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["page.md:16: a text block that is neither run, compared nor*"])


def test_notest_needs_a_reason_and_then_is_counted(lessons):
    lessons(PAGE + '\n```{.text notest=""}\nx\n```\n').assert_outcomes(passed=1, failed=1)
    result = lessons(PAGE + '\n```{.text notest="a diagram"}\nx\n```\n')
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["page.md: 4 blocks, 2 executed, 1 outputs compared, 1 marked*"])


def test_expected_output_without_code_before_it_fails(lessons):
    result = lessons('```{.text title="Expected output"}\nhello\n```\n')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["page.md:1: an Expected output block with no code before it"])


def test_printed_output_nobody_compares_fails(lessons):
    page = PAGE.split("```{.text")[0]
    result = lessons(page)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["page.md:7: the block printed 2 line(s) but no Expected output*"])


def test_a_file_no_command_runs_fails(lessons):
    result = lessons('```{.python title="scale.py"}\n--8<-- "scale.py"\n```\n')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["page.md:1: the page shows scale.py but no `python scale.py`*"])


def test_a_command_before_its_file_is_shown_fails(lessons):
    # The reader saves files in page order: a command above the file has nothing to run yet.
    command, rest = PAGE.split("```bash")[1].split("```", 1)
    page = "# Fixture\n\n```bash" + command + "```\n" + PAGE.split("# Fixture")[1].split(
        "```bash")[0] + rest.split("```{.text")[0]
    result = lessons(page)
    result.stdout.fnmatch_lines(["page.md:3: runs scale.py, which this page shows only further*"])


def test_a_script_that_imports_a_file_shown_later_fails(lessons, pytester):
    # Each page runs in an empty folder that receives each file when the page has shown it.
    (pytester.path / "snips" / "uses.py").write_text("import helper\nprint(helper.VALUE)\n")
    (pytester.path / "snips" / "helper.py").write_text(
        "VALUE = 1\nif __name__ == '__main__':\n    print(VALUE)\n")
    uses = '```{.python title="uses.py"}\n--8<-- "uses.py"\n```\n\n```bash\npython uses.py\n```\n'
    helper = ('```{.python title="helper.py"}\n--8<-- "helper.py"\n```\n\n'
              '```bash\npython helper.py\n```\n')
    expected = '\n```{.text title="Expected output"}\n1\n```\n\n'
    lessons(helper + expected + uses + expected).assert_outcomes(passed=2)
    result = lessons(uses + expected + helper + expected)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*ModuleNotFoundError: No module named 'helper'*"])


def test_a_command_other_than_python_fails(lessons):
    result = lessons(PAGE.replace("python scale.py 3", "rm -rf /tmp/x"))
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "page.md:3: the page shows scale.py but no `python scale.py` command runs it*",
        "page.md:7: the doc tests run only `python FILE.py *` commands, not 'rm -rf /tmp/x'*",
    ])


def test_commands_run_in_fresh_namespaces(lessons):
    page = ('```{.python title="a.py"}\nx = 1\n```\n\n```bash\npython a.py\n```\n\n'
            '```{.python title="b.py"}\nprint(x)\n```\n\n```bash\npython b.py\n```\n')
    result = lessons(page)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*NameError: name 'x' is not defined"])


def test_exit_status_is_checked(lessons):
    page = '```{.python title="stop.py"}\nraise SystemExit("bad value")\n```\n\n'
    expected = '```{.text title="Expected output"}\nbad value\n```\n'
    lessons(page + "```bash\npython stop.py\n```\n\n" + expected).assert_outcomes(failed=1)
    lessons(page + '```{.bash exit="1"}\npython stop.py\n```\n\n' + expected).assert_outcomes(
        passed=1)


@pytest.mark.parametrize("container", [
    '=== "Tab one"\n\n',
    '!!! note "An admonition"\n\n',
    '??? success "A collapsible block"\n\n',
])
def test_blocks_inside_containers_are_run(lessons, container):
    nested = container + textwrap.indent(PAGE.split("\n", 2)[2], "    ")
    lessons(nested).assert_outcomes(passed=1)
    result = lessons(nested.replace("value=1.5000", "value=9.9999"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["page.md:11: the Expected output does not match*"])


@pytest.mark.parametrize(("tolerance", "outcome"), [("0.0001", "passed"), ("0.00009", "failed")])
def test_tolerance_accepts_inside_and_rejects_outside_its_bound(lessons, tolerance, outcome):
    with_tolerance = f'title="Expected output" tolerance="{tolerance}"'
    page = PAGE.replace('title="Expected output"', with_tolerance)
    result = lessons(page.replace("value=1.5000", "value=1.5001"))
    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed":
        result.stdout.fnmatch_lines(["*printed 1.5000 where the page says 1.5001: off by 0.0001*"])


def test_tolerance_never_excuses_changed_text(lessons):
    page = PAGE.replace('title="Expected output"', 'title="Expected output" tolerance="1"')
    result = lessons(page.replace("done", "dome"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the text around the numbers differs*"])


def test_update_mode_rewrites_only_the_expected_output(lessons, pytester):
    again = PAGE.replace('title="scale.py"', 'title="scale.py" replaces="the same, folded"')
    nested = '??? note "Folded"\n\n' + textwrap.indent(again.split("\n", 2)[2], "    ")
    stale = (PAGE + "\nSome prose.\n\n" + nested).replace("value=1.5000", "value=0.0000\nextra")
    result = lessons(stale, "--update-expected")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["updated 2 Expected output block(s)"])
    assert (pytester.path / "page.md").read_text() == PAGE + "\nSome prose.\n\n" + nested
    # The report describes the page as saved, so that the site can call it verified.
    saved = pages.read_page((pytester.path / "page.md").read_text(), _expander(pytester))
    summary = report.read(pytester.path / "reports" / "doctests.json").pages[0]
    assert summary.fingerprint == saved.fingerprint()
    # A page that is already right is left byte for byte as it was.
    lessons(PAGE, "--update-expected")
    assert (pytester.path / "page.md").read_text() == PAGE


def test_a_normal_run_never_writes_the_page(lessons, pytester):
    stale = PAGE.replace("value=1.5000", "value=0.0000")
    lessons(stale).assert_outcomes(failed=1)
    assert (pytester.path / "page.md").read_text() == stale


def test_an_exception_in_a_snippet_names_the_snippet_line(lessons):
    page = ('```{.python title="broken.py"}\n--8<-- "broken.py"\n```\n\n'
            "```bash\npython broken.py\n```\n")
    result = lessons(page)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "page.md:5: the block (`python broken.py`) exited with status 1, the page expects 0.*",
        "ZeroDivisionError: division by zero",
        "In the page's files:",
        "  snips/broken.py:5 (broken.py line 5, shown at page.md:1), in <module>",
        "  snips/broken.py:2 (broken.py line 2, shown at page.md:1), in divide",
    ])


def test_the_report_records_every_block(lessons, pytester):
    import torch

    lessons(PAGE + '\n```{.text notest="a diagram"}\nx\n```\n').assert_outcomes(passed=1)
    record = report.read(pytester.path / "reports" / "doctests.json")
    assert [(b.line, b.kind, b.outcome) for b in record.blocks] == [
        (7, "shell", "passed"), (11, "expected", "passed"), (16, "skip", "not run: a diagram")]
    [summary] = record.pages
    assert (summary.page, summary.ran, summary.failed, summary.compared) == ("page.md", 1, 0, 1)
    assert summary.fingerprint == pages.read_page(
        (pytester.path / "page.md").read_text(), _expander(pytester)).fingerprint()
    assert record.torch == torch.__version__  # the torch that ran the blocks


def _expander(pytester):
    from lessonkit.engine import includes

    return lambda code: includes.expand(code, pytester.path / "mkdocs.yml")


def test_every_command_of_a_block_is_compared(lessons):
    page = PAGE.replace("python scale.py 3", "python scale.py 3\npython scale.py 1")
    lessons(page).assert_outcomes(failed=1)
    both = page.replace("value=1.5000\ndone\n", "value=1.5000\ndone\nvalue=0.5000\ndone\n")
    lessons(both).assert_outcomes(passed=1)


@pytest.mark.parametrize("change", ["value=1.5000\ndone\nmore\n", "value=1.5000\n"])
def test_an_extra_or_a_missing_line_fails(lessons, change):
    lessons(PAGE.replace("value=1.5000\ndone\n", change)).assert_outcomes(failed=1)
    with_tolerance = PAGE.replace('title="Expected output"',
                                  'title="Expected output" tolerance="1"')
    lessons(with_tolerance.replace("value=1.5000\ndone\n", change)).assert_outcomes(failed=1)


def test_a_file_used_only_through_an_import_counts_as_used(lessons):
    page = ('```{.python title="helper.py"}\nVALUE = 7\n```\n\n'
            '```{.python title="main.py"}\nfrom helper import VALUE\nprint(VALUE)\n```\n\n'
            '```bash\npython main.py\n```\n\n```{.text title="Expected output"}\n7\n```\n')
    lessons(page).assert_outcomes(passed=1)


def test_a_file_shown_twice_is_an_error_naming_both_lines(lessons):
    page = PAGE + '\n```{.python title="scale.py"}\nprint("other")\n```\n'
    result = lessons(page)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["page.md:16: scale.py is shown twice, at line 3 and at line 16;*"])


def test_a_file_that_replaces_another_runs_from_there_on(lessons):
    second = ('\n```{.python title="scale.py" replaces="a shorter version"}\nprint("short")\n'
              '```\n\n```bash\npython scale.py\n```\n\n'
              '```{.text title="Expected output"}\nshort\n```\n')
    lessons(PAGE + second).assert_outcomes(passed=2)  # each command ran its own version
    result = lessons(PAGE.replace("```{.python title", "```{.python replaces=\"x\" title"))
    result.stdout.fnmatch_lines(['page.md:3: replaces="x", but no earlier block shows scale.py'])


def test_a_warning_is_printed_as_a_terminal_shows_it(lessons):
    page = ('```{.python title="warn.py"}\nimport warnings\n\nwarnings.warn("careful")\n'
            'print("done")\n```\n\n```bash\npython warn.py\npython warn.py\n```\n\n'
            '```{.text title="Expected output"}\ndone\ndone\n```\n')
    result = lessons(page)
    result.assert_outcomes(failed=1)
    # Each run shows it, as two fresh processes would.
    shown = ["+*/warn.py:3: UserWarning: careful", '+  warnings.warn("careful")', " done"]
    result.stdout.fnmatch_lines(shown * 2)
    # The path names a folder no reader has: said so, and never written into the page.
    said = "*The output holds the folder of the page's files (*), which no reader has: print no*"
    result.stdout.fnmatch_lines([said])
    result = lessons(page, "--update-expected")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["page.md:13: cannot update: " + said.lstrip("*")])


WARNS = """\
import warnings

import json  # a module that warns nothing

for _ in range(3):
    warnings.warn("once per location")
warnings.warn("another place")
warnings.warn("old", DeprecationWarning)
warnings.warn("pending", PendingDeprecationWarning)
print("done")
"""


def test_warnings_match_a_fresh_interpreter_on_every_run(tmp_path):
    script = tmp_path / "warns.py"
    script.write_text(WARNS)
    fresh = subprocess.run([sys.executable, "-u", "warns.py"], cwd=tmp_path, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={}).stdout
    assert "UserWarning: once per location" in fresh  # the check below compares something
    python = runner.Interpreter((sys.executable,))
    assert runner.run(["warns.py"], tmp_path, python).output == fresh
    assert runner.run(["warns.py"], tmp_path, python).output == fresh


def test_a_type_error_runs_the_block_once(lessons, pytester):
    marks = pytester.path / "marks.txt"
    page = (f'```{{.python title="t.py"}}\nopen({str(marks)!r}, "a").write("ran\\n")\n'
            'raise TypeError("no")\n```\n\n```bash\npython t.py\n```\n')
    result = lessons(page)
    result.assert_outcomes(failed=1)
    assert marks.read_text() == "ran\n"
    assert len(report.read(pytester.path / "reports" / "doctests.json").blocks) == 1


def test_each_command_starts_torch_from_its_own_seed_as_a_new_process_does(lessons):
    # torch seeds a new process from the OS: the second command draws other numbers, however
    # the first one left its generator (the in-process runner restored one seed for all).
    page = ('```{.python title="first.py"}\nimport torch\n\n'
            'open("first.txt", "w").write(str(torch.rand(3)))\ntorch.manual_seed(0)\n```\n\n'
            '```bash\npython first.py\n```\n\n'
            '```{.python title="second.py"}\nimport torch\n\n'
            'print(open("first.txt").read() == str(torch.rand(3)))\n```\n\n'
            '```bash\npython second.py\n```\n\n```{.text title="Expected output"}\nFalse\n```\n')
    lessons(page).assert_outcomes(passed=2)


def test_update_mode_keeps_a_last_line_without_newline(lessons, pytester):
    page = ('```{.python title="ab.py"}\nprint("a")\nprint("b", end="")\n```\n\n'
            '```bash\npython ab.py\n```\n\n```{.text title="Expected output"}\nstale\n```\n')
    lessons(page, "--update-expected").assert_outcomes(passed=1)
    fixed = page.replace("stale\n", "a\nb\n")
    assert (pytester.path / "page.md").read_text() == fixed
    lessons(fixed).assert_outcomes(passed=1)  # and the next normal run agrees


def test_update_mode_keeps_crlf_line_endings(lessons, pytester):
    stale = PAGE.replace("value=1.5000", "value=0.0000").replace("\n", "\r\n")
    (pytester.path / "page.md").write_bytes(stale.encode())
    pytester.runpytest_inprocess(*INNER_RUN, "--update-expected", "page.md")
    assert (pytester.path / "page.md").read_bytes() == PAGE.replace("\n", "\r\n").encode()


# -- the pieces on their own -------------------------------------------------------------------


def test_read_page_pairs_code_with_the_next_expected_output():
    page = pages.read_page(PAGE)
    assert [block.kind for block in page.blocks] == ["file", "shell", "expected"]
    assert page.blocks[1].expected is page.blocks[2]
    assert page.blocks[1].commands == [["scale.py", "3"]]


def test_an_unreadable_fence_is_reported():
    # An HTML block swallows the fence below it: the parser does not see a fence there.
    page = pages.read_page("<div>\n```python\nprint(1)\n```\n</div>\n")
    assert [(block.kind, block.line) for block in page.blocks] == [
        ("invalid", 2), ("invalid", 4)]


def test_numbers_compare_within_tolerance_only():
    assert compare.mismatch("a=1.00 b=2\n", "a=1.01 b=2\n", 0.02) == []
    assert compare.mismatch("a=1.00 b=2\n", "a=1.03 b=2\n", 0.02) != []
    assert compare.mismatch("a=1.00\n", "a=1.00 \n", 1.0) != []
    assert compare.mismatch("x=1\n", "x=1\n") == []
    with pytest.raises(ValueError):
        compare.parse_tolerance("-1")


def test_a_relative_tolerance_scales_with_the_number_and_integers_stay_exact():
    quarter = compare.parse_tolerance("25%")
    assert quarter == compare.Tolerance(0.25, relative=True)
    assert compare.mismatch("drift 0.259 near 89.0%\n", "drift 0.317 near 86.7%\n", quarter) == []
    assert compare.mismatch("drift 0.259\n", "drift 0.330\n", quarter) != []
    # A count is not a measurement: no tolerance lets 2 clusters read 1.
    assert compare.mismatch("covered 2/2\n", "covered 2/1\n", quarter) != []
    assert compare.mismatch("covered 2\n", "covered 1\n", compare.parse_tolerance("5")) != []
    assert compare.mismatch("x=0.246\n", "x=0.236\n", compare.parse_tolerance("0.01")) == []
    with pytest.raises(ValueError):
        compare.parse_tolerance("abc%")


def test_a_tolerance_never_excuses_a_changed_sign():
    assert compare.mismatch("x=-0.5\n", "x=0.5\n", 0.1) != []
    assert compare.mismatch("x=0.5\n", "x=-0.5\n", 0.1) != []
    assert compare.mismatch("x=-0.50\n", "x=-0.55\n", 0.1) == []


def test_the_verified_notice_holds_only_for_the_page_that_was_run():
    from lessonkit.site import verification
    from lessonkit.site.hooks import verification_notice

    page = pages.read_page(PAGE)
    kernels = {"configurations": [{"name": "x", "settings": {},
                                   "environment": {"torch": "2.13.0", "python": "3.11.7"}}],
               "pages": [{"page": "page.md", "fingerprint": page.fingerprint(),
                          "blocks": [{"line": 1, "status": "identical"}]}]}
    summary = report.PageSummary("page.md", blocks=3, executed=2, compared=1, not_executable=0,
                                 neither=0, ran=1, failed=0, fingerprint=page.fingerprint())
    record = report.Report("3.11.7", "2.13.0+cpu", "2026-01-02T03:04:05Z", [summary], [])
    notice = verification_notice(page, "page.md", record, kernels)
    assert notice.startswith('??? success "Verified 2026-01-02 with torch 2.13.0, Python 3.11')
    assert "**Every command run**: all 1 Expected outputs match (" in \
        verification_notice(page, "page.md", record, kernels)
    changed = {
        "an Expected output": PAGE.replace("done\n```", "dome\n```"),
        "the code": PAGE.replace("python scale.py 3", "python scale.py 4"),
        "an option": PAGE.replace('title="Expected output"', 'title="Expected output" exit="0"'),
    }
    # A record of another version of the page proves nothing about this one: one quiet line.
    for what, text in changed.items():
        notice = verification_notice(pages.read_page(text), "page.md", record, kernels)
        assert notice.startswith(verification.CHANGED), f"{what} changed, still verified"
    assert verification_notice(page, "other.md", record, kernels).startswith(
        verification.NOT_RUN)
    assert verification_notice(page, "page.md", None, kernels).startswith(verification.SOME_RUN)
    assert verification_notice(page, "page.md", None, None).startswith(verification.NOT_RUN)
    summary.ran = 0  # a partial run: nothing failed, nothing proved
    assert verification_notice(page, "page.md", record, kernels).startswith(
        verification.SOME_RUN)
    summary.ran = 1
    # A record that shows a failure still warns.
    for field in ("failed", "neither"):
        setattr(summary, field, 1)
        notice = verification_notice(page, "page.md", record, kernels)
        assert notice.startswith('!!! warning "Not verified"'), field
        setattr(summary, field, 0)


def test_the_report_reads_back_what_was_written(tmp_path):
    summary = report.PageSummary("p.md", 3, 2, 1, 0, 0, 1, 0, "abc")
    record = report.Report("3.11.7", "2.13.0", "2026-01-02T03:04:05Z", [summary],
                           [report.BlockRecord("p.md", 7, "shell", "passed", 0.5)])
    record.write(tmp_path / "r" / "doctests.json")
    assert report.read(tmp_path / "r" / "doctests.json") == record
    assert report.read(tmp_path / "missing.json") is None


def test_a_block_runs_in_a_fresh_namespace_with_its_arguments(tmp_path):
    (tmp_path / "x.py").write_text("import sys\nprint(sys.argv, __name__)\n")
    result = runner.run(["x.py", "--a", "1"], tmp_path, runner.Interpreter((sys.executable,)))
    assert (result.output, result.status) == ("['x.py', '--a', '1'] __main__\n", 0)
