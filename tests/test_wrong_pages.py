"""Pages that are wrong for a reader, and the engine's verdict on them: each test here failed
against an earlier engine, and names the case it pins. Commands run as new processes
(lessonkit.engine.runner) with a reader's terminal environment: bytecode is written, as on
readers' machines (this one exports PYTHONDONTWRITEBYTECODE=1, which the runner drops).
"""

import subprocess
import sys
import textwrap

import pytest

from lessonkit.engine import compare, pages, report, runner
from lessonkit.platforms import matrix
from lessonkit.plugins import lessons as lessons_plugin
from tests import test_engine

pytest_plugins = ["pytester"]
PAGE = test_engine.PAGE
lessons = test_engine.lessons  # the fixture: write a page and run the doc tests on it


def fenced(title: str, code: str, attrs: str = "") -> str:
    return f'```{{.python title="{title}"{attrs}}}\n{code}```\n\n'


def command(*lines: str, attrs: str = "") -> str:
    head = f"```{{.bash{attrs}}}" if attrs else "```bash"
    return head + "\n" + "".join(line + "\n" for line in lines) + "```\n\n"


def output(text: str, attrs: str = "") -> str:
    return f'```{{.text title="Expected output"{attrs}}}\n{text}```\n\n'


# -- a helper saved again, imported by the next command --------------------------------------

HELPER_PAGE = (
    fenced("helper.py", "VALUE = 1\n") + fenced("main.py", "import helper\n\nprint(helper.VALUE)\n")
    + command("python main.py") + output("1\n")
    + fenced("helper.py", "VALUE = 2\n", ' replaces="a new value"')
    + command("python main.py") + output("SECOND\n"))


def test_a_helper_saved_again_is_imported_afresh_with_bytecode_on(lessons):
    lessons(HELPER_PAGE.replace("SECOND", "2")).assert_outcomes(passed=2)
    lessons(HELPER_PAGE.replace("SECOND", "1")).assert_outcomes(passed=1, failed=1)


def test_a_file_saved_again_in_the_same_second_is_not_taken_from_stale_bytecode(tmp_path):
    saved, python = {}, runner.Interpreter((sys.executable,))
    (tmp_path / "m.py").write_text("import helper\nprint(helper.VALUE)\n")
    runner.save_files(tmp_path, {"helper.py": "VALUE = 1\n"}, saved)
    assert runner.run(["m.py"], tmp_path, python).output == "1\n"
    assert list((tmp_path / "__pycache__").glob("helper.*.pyc"))  # bytecode was written
    # Same size, within the same second: Python's cache check alone would keep the old code.
    runner.save_files(tmp_path, {"helper.py": "VALUE = 2\n"}, saved)
    assert runner.run(["m.py"], tmp_path, python).output == "2\n"


# -- output lines that look like containers, fences or carriage returns ----------------------

LOOKALIKES = "=== a tab?\n!!! an admonition?\n??? a folded block?\n    indented\n"


@pytest.mark.parametrize("nest", [False, True], ids=["top level", "in an admonition"])
def test_output_lines_that_look_like_containers_are_compared_as_printed(lessons, nest):
    script = fenced("looks.py", f"print({LOOKALIKES!r}, end='')\n")
    for shown, outcome in ((LOOKALIKES, "passed"),
                           # A line the code never prints is a difference, container-like or not.
                           (LOOKALIKES.replace("=== a tab?", "=== not printed"), "failed")):
        page = script + command("python looks.py") + output(shown)
        if nest:
            page = '!!! note "Nested"\n\n' + textwrap.indent(page, "    ")
        lessons(page).assert_outcomes(**{outcome: 1})


def test_update_mode_writes_container_lookalikes_and_fences_so_the_page_passes(lessons,
                                                                              pytester):
    printed = LOOKALIKES + "```\n````python\n~~~\n"
    script = fenced("looks.py", f"print({printed!r}, end='')\n")
    page = "# Title\n\n" + script + command("python looks.py") + output("stale\n") + "End.\n"
    lessons(page, "--update-expected").assert_outcomes(passed=1)
    written = (pytester.path / "page.md").read_text()
    # The fence grew past the output's line of three backticks; every other byte is as it was.
    assert written == page.replace(
        output("stale\n"), '````{.text title="Expected output"}\n' + printed + "````\n\n")
    lessons(written).assert_outcomes(passed=1)


def test_update_mode_refuses_a_carriage_return_with_a_clear_message(lessons, pytester):
    page = fenced("bar.py", "print('50%', end='\\r')\nprint('100%')\n") + command(
        "python bar.py") + output("stale\n")
    result = lessons(page, "--update-expected")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*cannot update: the output contains a carriage return*"])
    assert (pytester.path / "page.md").read_text() == page


def test_a_diff_shows_trailing_spaces_and_carriage_returns():
    diff = compare.unified_diff("a\nb\n", "a \nb\r\n", "page", "printed")
    assert "+a\u00b7\n" in diff and "+b\u240d\n" in diff


# -- state a fresh python would not have ---------------------------------------------------

LEAKS = {
    "os.environ": ("import os\nos.environ['LEAKED'] = '1'\n",
                   "import os\nprint(os.environ.get('LEAKED'))\n", "None", "1"),
    "default dtype": ("import torch\ntorch.set_default_dtype(torch.float64)\n",
                      "import torch\nprint(torch.zeros(1).dtype)\n", "torch.float32",
                      "torch.float64"),
    "print options": ("import torch\ntorch.set_printoptions(precision=1)\n",
                      "import torch\nprint(torch.tensor([0.123]))\n", "tensor([0.1230])",
                      "tensor([0.1])"),
    "grad mode": ("import torch\ntorch.set_grad_enabled(False)\n",
                  "import torch\nprint(torch.is_grad_enabled())\n", "True", "False"),
    "thread count": ("import torch\ntorch.set_num_threads(torch.get_num_threads() + 1)\n",
                     "import torch\nprint(torch.get_num_threads() == THREADS)\n", "True",
                     "False"),
    "random": ("import random\nrandom.seed(0)\n",
               "import random\nprint(random.random() == random.Random(0).random())\n", "False",
               "True"),
    "numpy's random": ("import numpy\nnumpy.random.seed(0)\n",
                       "import numpy\nprint(numpy.random.rand() == "
                       "numpy.random.RandomState(0).rand())\n", "False", "True"),
    "numpy's print options": ("import numpy\nnumpy.set_printoptions(precision=1)\n",
                              "import numpy\nprint(numpy.array([0.123]))\n", "[0.123]", "[0.1]"),
}


@pytest.mark.parametrize("what", LEAKS)
def test_state_a_fresh_python_would_not_have_does_not_leak_into_the_next_command(lessons, what):
    import torch

    setup, probe, fresh, leaked = LEAKS[what]
    probe = probe.replace("THREADS", str(torch.get_num_threads()))
    page = (fenced("setup.py", setup) + fenced("probe.py", probe)
            + command("python setup.py", "python probe.py") + output("PRINTED\n"))
    lessons(page.replace("PRINTED", fresh)).assert_outcomes(passed=1)
    lessons(page.replace("PRINTED", leaked)).assert_outcomes(failed=1)


def test_writes_to_file_descriptors_1_and_2_are_part_of_the_output(lessons):
    script = ("import os\nimport sys\n\nprint('print')\nos.write(1, b'fd 1\\n')\n"
              "sys.__stdout__.write('original stdout\\n')\nos.write(2, b'fd 2\\n')\n"
              "sys.__stderr__.write('original stderr\\n')\n")
    page = fenced("raw.py", script) + command("python raw.py")
    everything = "print\nfd 1\noriginal stdout\nfd 2\noriginal stderr\n"
    lessons(page + output(everything)).assert_outcomes(passed=1)
    # Nothing escapes the comparison: without an Expected output the page fails.
    result = lessons(page)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*printed 5 line(s) but no Expected output*"])


def test_what_a_fresh_python_prints_is_what_the_runner_captures(tmp_path):
    script = tmp_path / "raw.py"
    script.write_text("import os, sys\nprint('a')\nos.write(1, b'b\\n')\nsys.stderr.write('c\\n')\n"
                      "sys.__stdout__.write('d\\n')\n")
    fresh = subprocess.run([sys.executable, "-u", "raw.py"], cwd=tmp_path, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout
    assert runner.run(["raw.py"], tmp_path, runner.Interpreter((sys.executable,))).output \
        == fresh == "a\nb\nc\nd\n"


# -- tolerance ---------------------------------------------------------------------------------

QUARTER = compare.parse_tolerance("25%")


def test_a_tolerance_never_reads_a_dotted_version_as_numbers():
    assert compare.mismatch("torch 2.13.0\n", "torch 2.14.0\n", QUARTER) == [
        "printed 2.14.0 where the page says 2.13.0: a version, which must match exactly"]
    assert compare.mismatch("torch 2.13.0\n", "torch 2.13.0\n", QUARTER) == []


def test_a_tolerance_never_hides_a_change_of_printed_precision():
    assert compare.mismatch("kl 0.59\n", "kl 0.5912\n", QUARTER) == [
        "printed 0.5912 where the page says 0.59: printed with another precision, which must "
        "match exactly"]
    assert compare.mismatch("n 10\n", "n 10.0\n", QUARTER) != []
    assert compare.mismatch("x 1e-3\n", "x 0.001\n", QUARTER) != []


def test_an_overflowing_number_is_compared_exactly_with_a_clear_message():
    [reason] = compare.mismatch("x 1e999\n", "x 2e999\n", QUARTER)
    assert "nan" not in reason and "too large for a float" in reason
    assert compare.mismatch("x 1e999\n", "x 1e999\n", QUARTER) == []


def test_a_tolerance_never_excuses_a_sign_on_an_integer():
    assert compare.mismatch("x=+1\n", "x=1\n", QUARTER) != []


# -- the report of a partial run -------------------------------------------------------------

def test_a_partial_or_collect_only_run_never_replaces_the_full_report(lessons, pytester):
    two = PAGE + command("python scale.py 1") + output("value=0.5000\ndone\n")
    lessons(two).assert_outcomes(passed=2)
    path = pytester.path / "reports" / "doctests.json"
    full = path.read_text()
    assert report.read(path).pages[0].ran == 2
    lessons(two, "--collect-only")
    assert path.read_text() == full
    lessons(two, "-k", "line7").assert_outcomes(passed=1)
    assert path.read_text() == full
    # A partial run that fails does enter the report: the page is not verified any more.
    lessons(two.replace("value=0.5000", "value=0.4000"), "-k", "line15").assert_outcomes(failed=1)
    assert report.read(path).pages[0].failed == 1


# -- commands ----------------------------------------------------------------------------------

@pytest.mark.parametrize("syntax", ["> out.txt", "| head -1", "$HOME", "&& echo hi", "; ls",
                                    '"$HOME"', "`date`", "*.py"])
def test_shell_syntax_in_a_command_is_an_error_naming_the_line(lessons, syntax):
    result = lessons(PAGE.replace("python scale.py 3", f"python scale.py 3 {syntax}"))
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([f"page.md:7: line 8: `{syntax.strip(chr(34))[0]}` in *is shell "
                                 "syntax*"])


def test_quoted_or_escaped_shell_characters_are_words():
    commands, error = pages._shell_commands("python x.py '>' \\| \"a;b\" # note\n", 5)
    assert (commands, error) == ([["x.py", ">", "|", "a;b"]], "")


def test_the_exit_status_of_every_command_is_named(lessons):
    page = (fenced("stop.py", "import sys\n\nsys.exit(int(sys.argv[1]))\n")
            + command("python stop.py 3", "python stop.py 0"))
    result = lessons(page)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["page.md:7: command 1 of 2 (`python stop.py 3`) exited with "
                                 "status 3, the page expects 0. It printed:"])


def test_an_exit_status_that_is_not_a_number_is_a_clear_error(lessons):
    page = fenced("stop.py", "print('x')\n") + command("python stop.py", attrs=' exit="two"')
    result = lessons(page + output("x\n"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['page.md:5: exit="two": the exit status must be a whole number*'])
    assert "Traceback" not in result.stdout.str() and "ValueError" not in result.stdout.str()


def test_a_second_expected_output_in_a_row_says_so(lessons):
    result = lessons(PAGE + output("value=1.5000\ndone\n"))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["page.md:15: a second Expected output in a row: the code at line "
                                 "7 is compared with the one at line 11*"])


def test_an_empty_tolerance_is_an_error_for_every_runner(lessons):
    result = lessons(PAGE.replace('title="Expected output"',
                                  'title="Expected output" tolerance=""'))
    result.stdout.fnmatch_lines(["page.md:11: tolerance must be a number or a percentage*"])
    assert [block.kind for block in pages.read_page(PAGE.replace(
        'title="Expected output"', 'title="Expected output" tolerance=""')).blocks] == [
        "file", "shell", "invalid"]


# -- one verdict: doc tests and kernel matrix ----------------------------------------------

SAME_VERDICT = {
    "a file replaced between two commands": (
        fenced("lab.py", "print('first')\n") + command("python lab.py") + output("first\n")
        + fenced("lab.py", "print('second')\n", ' replaces="a second version"')
        + command("python lab.py") + output("second\n"), {}, True),
    "an output without a final newline": (
        fenced("lab.py", "print('no newline', end='')\n") + command("python lab.py")
        + output("no newline\n"), {}, True),
    "a warning printed under one setting only": (
        fenced("lab.py", "import os\nimport warnings\n\nif os.environ.get('LAB_SETTING'):\n"
               "    warnings.warn('only here')\n") + command("python lab.py"),
        {"LAB_SETTING": "1"}, False),
}


@pytest.mark.parametrize("case", SAME_VERDICT)
def test_doc_tests_and_kernel_matrix_give_the_same_verdict(case, lessons, pytester, monkeypatch):
    text, setting, passes = SAME_VERDICT[case]
    # One interpreter with the case's setting for both (the matrix's configurations, a
    # platform's or a reader's venv differ in just this way).
    python = runner.Interpreter((sys.executable,), setting)
    monkeypatch.setattr(lessons_plugin, "DOCTEST_PYTHON", python)
    doc_tests = lessons(text).ret == 0
    data = matrix.bundle([pytester.path / "page.md"], pytester.path / "mkdocs.yml",
                         pytester.path)
    report_ = matrix.verdicts(data, matrix.run(data, [("this setting", python)]))
    matrix_ok = all(block["status"] != "differs" for block in report_[0]["blocks"])
    assert (doc_tests, matrix_ok) == (passes, passes)


def test_the_matrix_writes_each_file_where_the_page_shows_it():
    text = SAME_VERDICT["a file replaced between two commands"][0]
    page = pages.read_page(text)
    blocks = [{**pages.runnable(b), "exit": b.exit_status} for b in page.blocks if b.runs]
    records = matrix.run_page({"blocks": blocks}, runner.Interpreter((sys.executable,)))
    assert [b["output"] for b in records] == ["first\n", "second\n"]


def test_a_command_never_sees_the_test_process_environment(lessons, monkeypatch):
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")
    monkeypatch.setenv("LESSON_SECRET", "leaked")
    page = (fenced("env.py", "import os\n\nprint(sorted(set(os.environ) & {'PYTHONUNBUFFERED', "
                             "'PYTHONDONTWRITEBYTECODE', 'LESSON_SECRET', 'PYTEST_CURRENT_TEST'}))"
                             "\n")
            + command("python env.py") + output("[]\n"))
    lessons(page).assert_outcomes(passed=1)
