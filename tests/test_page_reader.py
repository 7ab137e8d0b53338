"""The page reader (lessonkit.engine.pages) on its own: fast, direct checks of every rule, so that
`make mutations` can run them against every mutant of the module."""

import pytest

from lessonkit.engine import compare, fences, pages

FILE = '```{.python title="lab.py"}\nprint(1)\n```\n'
RUN = "```bash\npython lab.py\n```\n"
OUT = '```{.text title="Expected output"}\n1\n```\n'


def kinds(text: str) -> list:
    return [(block.kind, block.line) for block in pages.read_page(text).blocks]


def errors(text: str) -> list:
    return [block.error for block in pages.read_page(text).blocks if block.kind == "invalid"]


@pytest.mark.parametrize(("info", "parsed"), [
    ("python", ("python", {})),
    ("  bash extra ", ("bash", {"extra": ""})),
    ("", ("", {})),
    ('{.python title="x.py" notest="why not" .other #id}',
     ("python", {"title": "x.py", "notest": "why not"})),
    ("{.text title='Expected output' tolerance=0.5 flag}",
     ("text", {"title": "Expected output", "tolerance": "0.5", "flag": ""})),
    ("{.bash exit=3}", ("bash", {"exit": "3"})),  # the closing brace is no part of a value
    ('{.text title="Expected output" mark=XAX}', ("text", {"title": "Expected output",
                                                             "mark": "XAX"})),
])
def test_parse_info(info, parsed):
    assert pages.parse_info(info) == parsed


@pytest.mark.parametrize(("lang", "attrs", "kind"), [
    ("text", {"title": "Expected output"}, "expected"),
    ("python", {"title": "Expected output"}, "expected"),
    ("python", {"notest": "why"}, "skip"),
    ("python", {"title": "x.py"}, "file"),
    ("py", {"title": "notes.txt"}, "python"),
    ("python3", {}, "python"),
    ("sh", {}, "shell"),
    ("shell", {}, "shell"),
    ("bash", {}, "shell"),
])
def test_classify(lang, attrs, kind):
    assert pages.classify(lang, attrs) == (kind, "")


def test_classify_refuses_an_empty_reason_and_an_unknown_block():
    assert pages.classify("text", {"notest": " "})[0] == "invalid"
    assert pages.classify("text", {"notest": ""}) == (
        "invalid", 'notest needs a reason: notest="why this block does not run"')
    kind, error = pages.classify("", {})
    assert kind == "invalid" and error.startswith("a plain block that is neither run")
    assert pages.classify("js", {})[1].startswith("a js block")


def test_a_page_reads_into_paired_blocks():
    page = pages.read_page("# T\n\n" + FILE + "\n" + RUN + "\n" + OUT)
    file, shell, out = page.blocks
    assert [(b.kind, b.line, b.end_line) for b in page.blocks] == [
        ("file", 3, 5), ("shell", 7, 9), ("expected", 11, 13)]
    assert (file.filename, file.code, file.source, file.lang) == ("lab.py", "print(1)\n",
                                                                   "print(1)\n", "python")
    assert shell.commands == [["lab.py"]] and shell.expected is out and file.expected is None
    assert shell.files == {"lab.py": file} and file.is_code and not out.is_code
    assert shell.runs and not file.runs and not out.runs
    assert page.block_at(7) is shell
    with pytest.raises(KeyError, match="no block starts at line 8"):
        page.block_at(8)
    assert page.files() == {"lab.py": "print(1)\n"}


def test_includes_are_expanded_for_code_only():
    page = pages.read_page(FILE + RUN + OUT + "```python\nassert 1\n```\n",
                           lambda code: code.replace("1", "2"))
    assert [block.code for block in page.blocks] == [
        "print(2)\n", "python lab.py\n", "1\n", "assert 2\n"]


def test_a_failing_include_makes_the_block_invalid():
    def fail(code):
        raise FileNotFoundError("nowhere.py")

    file = pages.read_page(FILE + RUN, fail).blocks[0]
    assert (file.kind, file.error) == ("invalid", "include failed: nowhere.py")
    included = FILE.replace("print(1)", '--8<-- "nowhere.py"\n--8<-- "lab.py:main"')
    file = pages.read_page(included + RUN, fail).blocks[0]  # the includes asked for, named
    assert file.error == 'include failed: nowhere.py (--8<-- "nowhere.py"; --8<-- "lab.py:main")'


def test_runnable_describes_what_the_runner_needs():
    page = pages.read_page(FILE + RUN + "```{.python continuation}\nassert True\n```\n")
    assert pages.runnable(page.blocks[1]) == {
        "kind": "shell", "line": 4, "code": "python lab.py\n", "commands": [["lab.py"]],
        "continuation": False, "timeout": None, "files": {"lab.py": "print(1)\n"}}
    assert (page.blocks[2].kind, page.blocks[2].error) == (
        "invalid", "a continuation block with no Python block before it")
    page = pages.read_page("```python\nx = 1\n```\n```{.python continuation}\nassert x == 1\n```\n")
    assert [b.kind for b in page.blocks] == ["python", "python"]
    assert pages.runnable(page.blocks[1])["continuation"] is True


def test_options_are_read_once_at_their_block():
    page = pages.read_page(FILE + '```{.bash exit="3"}\npython lab.py\n```\n'
                           + OUT.replace('output"', 'output" tolerance="5%"'))
    assert page.blocks[1].exit_status == 3 and page.blocks[0].exit_status == 0
    assert page.blocks[2].tolerance == compare.Tolerance(0.05, relative=True)
    assert pages.read_page(FILE + RUN + OUT).blocks[2].tolerance is None
    assert kinds(FILE + '```{.bash exit="256"}\npython lab.py\n```\n') == [
        ("file", 1), ("invalid", 4)]
    assert errors(FILE + RUN + OUT.replace('output"', 'output" tolerance="-1"')) == [
        "tolerance must be a finite number >= 0, got '-1'"]
    timed = pages.read_page(FILE + '```{.bash timeout="900"}\npython lab.py\n```\n').blocks[1]
    assert timed.timeout == 900.0 and pages.runnable(timed)["timeout"] == 900.0
    assert errors(FILE + '```{.bash timeout="0"}\npython lab.py\n```\n') == [
        'timeout="0": the time limit must be a number of seconds above 0']
    two = '```{.bash exit="two"}\npython lab.py\n```\n'
    assert errors(FILE + two) == [
        'exit="two": the exit status must be a whole number from 0 to 255']
    # A block already wrong for another reason keeps that reason.
    assert errors(FILE + two.replace("lab.py", "other.py"))[-1] == (
        'runs other.py, which this page does not show as a {.python title="other.py"} block')


def test_a_plain_python_fence_prints_nothing_and_takes_no_output():
    assert errors("```python\nprint(1)\n```\n") == [fences.printing("print(1)\n", 1)]
    assert errors("```python\nprint(1)\n```\n")[0].startswith(
        "a plain Python fence prints nothing")
    assert errors("```{.python fixture:tmp_path}\nassert True\n```\n")[0].startswith(
        "`fixture:tmp_path`: a plain Python fence takes no fixture")
    page = pages.read_page("```python\nassert True\n```\n" + OUT)
    assert [(b.kind, b.error) for b in page.blocks] == [
        ("invalid", fences.FOLLOWED_BY_OUTPUT), ("expected", "")]


def test_expected_output_pairing():
    assert errors(OUT) == ["an Expected output block with no code before it"]
    assert errors(FILE + RUN + OUT + OUT) == [
        "a second Expected output in a row: the code at line 4 is compared with the one at line "
        "7; one block shows one output"]
    assert errors(FILE + RUN + OUT + RUN + OUT) == []
    # An invalid code block still takes its Expected output (it fails, not the output).
    page = pages.read_page("```bash\nls\n```\n" + OUT)
    assert page.blocks[0].expected is page.blocks[1]
    # A block that is no code takes none.
    assert errors("```js\nx\n```\n" + OUT) == [
        'a js block that is neither run, compared nor marked: give it title="Expected output" or '
        'notest="why"', "an Expected output block with no code before it"]


def test_files_follow_the_page_order():
    assert errors(RUN + FILE) == [
        "runs lab.py, which this page shows only further down: a reader saving the files in "
        "page order does not have it yet",
        "the page shows lab.py but no `python lab.py` command runs it and no file that runs "
        "imports it"]
    assert errors(RUN) == ['runs lab.py, which this page does not show as a '
                           '{.python title="lab.py"} block']
    assert errors(FILE) == ["the page shows lab.py but no `python lab.py` command runs it and no "
                            "file that runs imports it"]
    twice = errors(FILE + FILE + RUN)
    assert twice[1:] == ['lab.py is shown twice, at line 1 and at line 4; if this block replaces '
                         'the first, say so with replaces="why"',
                         "runs lab.py, whose block at line 4 is broken"]
    first = FILE.replace('"lab.py"', '"lab.py" replaces="x"')
    assert errors(first + RUN)[0] == 'replaces="x", but no earlier block shows lab.py'
    second = FILE.replace('"lab.py"', '"lab.py" replaces="why"').replace("1", "2")
    page = pages.read_page(FILE + RUN + second + RUN)
    assert [b.kind for b in page.blocks] == ["file", "shell", "file", "shell"]
    assert page.blocks[1].files["lab.py"] is page.blocks[0]
    assert page.blocks[3].files["lab.py"] is page.blocks[2]
    assert page.files() == {"lab.py": "print(2)\n"}
    assert errors(FILE + RUN + second)[0].endswith("while this version is in effect")
    assert errors(FILE + RUN + second.replace('replaces="why"', 'replaces=" "')) [0].startswith(
        "lab.py is shown twice")


def test_a_file_imported_by_a_file_that_runs_is_used():
    helper = '```{.python title="helper.py"}\nVALUE = 1\n```\n'
    deep = '```{.python title="deep.py"}\nimport helper\n```\n'
    main = '```{.python title="main.py"}\nfrom deep import x\n```\n'
    run = "```bash\npython main.py\n```\n"
    assert errors(helper + deep + main + run) == []
    assert errors(helper + main + run) == [
        "the page shows helper.py but no `python helper.py` command runs it and no file that "
        "runs imports it"]
    broken = '```{.python title="main.py"}\nimport helper\n)(\n```\n'
    assert len(errors(helper + broken + run)) == 1  # a syntax error reaches no import


def file(name: str, code: str) -> str:
    return f'```{{.python title="{name}"}}\n{code}```\n'


def test_every_file_a_run_file_imports_is_used_whatever_the_order_of_the_imports():
    run = "```bash\npython main.py\n```\n"
    # Two imports, each leading nowhere further (one to a module the page does not show).
    assert errors(file("a.py", "import os\n") + file("b.py", "import os\n")
                  + file("main.py", "import a\nimport b\n") + run) == []
    assert errors(file("a.py", "X = 1\n") + file("b.py", "Y = 2\n")
                  + file("main.py", "import a, b\n") + run) == []
    # Files that do not parse are used all the same: running them reports the error.
    assert errors(file("a.py", ")(\n") + file("b.py", ")(\n")
                  + file("main.py", "import a\nimport b\n") + run) == []
    # Files that import each other.
    assert errors(file("a.py", "import main\n") + file("main.py", "import a\n") + run) == []


def test_shell_commands():
    assert pages.read_page(FILE + "```bash\n# a comment\n\npython3 lab.py --a 'b c'\n```\n"
                           ).blocks[1].commands == [["lab.py", "--a", "b c"]]
    assert pages.read_page(FILE + "```bash\n  # indented\npython lab.py --n 3  # three\n```\n"
                           ).blocks[1].commands == [["lab.py", "--n", "3"]]
    assert errors(FILE + "```bash\n\n```\n")[-1] == "the shell block has no command"
    assert errors(FILE + "```bash\npython lab.txt\n```\n")[-1] == (
        "the doc tests run only `python FILE.py [args]` commands, not 'python lab.txt'; "
        'mark the block notest="why" if it must not run')
    assert "not 'python'" in errors(FILE + "```bash\npython\n```\n")[-1]
    assert errors(FILE + "```bash\npython lab.py 'open\n```\n")[-1].startswith(
        "line 5: cannot read the command")
    assert errors(FILE + "```bash\npython lab.py\npython lab.py > x\n```\n")[-1] == (
        "line 6: `>` in 'python lab.py > x' is shell syntax, which the doc tests do not run "
        "(they pass words to Python): write a plain `python FILE.py [args]` command, or mark "
        'the block notest="why"')
    # A prompt copied from a terminal is shell syntax too.
    assert errors(FILE + "```bash\n$ python lab.py\n```\n")[-1].startswith(
        "line 5: `$` in '$ python lab.py' is shell syntax")


@pytest.mark.parametrize(("line", "syntax"), [
    ("python a.py x", ""), ("python a.py '$x|;'", ""), ('python a.py "a;b"', ""),
    ("python a.py \\$x", ""), ("python a.py # > comment", ""), ('python a.py "$x"', "$"),
    ('python a.py "`x`"', "`"), ("python a.py $x", "$"), ("python a.py x|y", "|"),
    ("python a.py a'b'c;", ";"), ("python a.py 'a\\'; x", ";"), ("python a.py \"a\\\"\" ;", ";"),
    ("python a.py *", "*"), ("python a.py (x)", "("), ("python a.py a&", "&"),
    ("python a.py <in", "<"), ("python a.py ?", "?"), ("$ python a.py", "$"),
    ('python a.py "MAX"', ""), ("python a.py MAX|y", "|"),
])
def test_unsupported_shell_syntax(line, syntax):
    assert pages._unsupported_syntax(line) == syntax


def test_fences_inside_containers_are_found():
    nested = '!!! note "N"\n\n    ' + FILE.replace("\n", "\n    ") + "\n    " + RUN.replace(
        "\n", "\n    ")
    assert kinds(nested) == [("file", 3), ("shell", 7)]
    tabs = '=== "A"\n\n    ```bash\n    python lab.py\n    ```\n\n=== "B"\n\n    ' + FILE.replace(
        "\n", "\n    ")
    assert [kind for kind, _ in kinds(tabs)] == ["invalid", "invalid"]  # the file comes later
    folded = '???+ tip "T"\n\n' + "".join("    " + line for line in (FILE + RUN).splitlines(True))
    assert kinds(folded) == [("file", 3), ("shell", 6)]


def test_flattening_keeps_lines_and_leaves_fenced_content_alone():
    text = ('!!! note "N"\n    text\n\n    ```text\n    === not a tab\n    ```\n'
            "after\n=== \"T\"\n    x\n")
    assert pages.flatten_containers(text) == (
        "\ntext\n\n```text\n=== not a tab\n```\nafter\n\nx\n")
    fenced = "~~~~\n!!! a\n```\n~~~\n~~~~~\n!!! b\n    y\n"
    assert pages.flatten_containers(fenced) == "~~~~\n!!! a\n```\n~~~\n~~~~~\n\ny\n"
    assert pages.flatten_containers("```python `x`\n!!! a\n") == "```python `x`\n\n"
    assert pages.flatten_containers("    ```\n!!! a\n") == "    ```\n\n"


def test_output_lines_like_containers_are_output():
    text = FILE.replace("print(1)", "print('=== x')") + RUN + OUT.replace("1\n", "=== x\n")
    assert pages.read_page(text).blocks[2].code == "=== x\n"


def test_an_unreadable_fence_is_an_error_at_its_line():
    assert kinds("<div>\n```python\nprint(1)\n```\n</div>\n") == [("invalid", 2), ("invalid", 4)]
    assert errors("<div>\n~~~\n</div>\n") == [
        "a fence the doc-test parser cannot read; check its nesting"]
    page = pages.read_page("<div>\n~~~\n</div>\n\n```python\nassert True\n```\n")
    assert page.blocks == [
        pages.Block("invalid", 2, 2, "", {}, "~~~",
                    error="a fence the doc-test parser cannot read; check its nesting"),
        page.blocks[1]]
    assert (page.blocks[1].kind, page.blocks[1].line) == ("python", 5)


def test_fingerprint_changes_with_code_outputs_and_options():
    text = FILE + RUN + OUT
    same = pages.read_page(text).fingerprint()
    assert same == pages.read_page(text).fingerprint() and len(same) == 64
    for changed in (text.replace("print(1)", "print(2)"), text.replace("\n1\n", "\n2\n"),
                    text.replace("```bash", '```{.bash exit="0"}')):
        assert pages.read_page(changed).fingerprint() != same


def test_fence_for_and_unwritable_output():
    assert pages.fence_for("a\n``\n", "```") == "```"
    assert pages.fence_for("```\n", "```") == "````"
    assert pages.fence_for("  `````  \n", "```") == "``````"
    assert pages.fence_for("~~~~\n", "```") == "```"
    assert pages.fence_for("```python\n", "```") == "```"
    assert pages.fence_for("    ```\n", "```") == "```"
    assert pages.fence_for("~~~\n", "~~~") == "~~~~"
    assert pages.fence_for("a\n```\nb\n", "```") == "````"
    assert pages.unwritable_output("ok\n") == ""
    assert pages.unwritable_output("a\rb\n") == (
        "the output contains a carriage return (\\r), which no page can show; print without it "
        "(a progress bar redrawing its line, for one)")
    assert pages.unwritable_output("a\0b\n") == (
        "the output contains a NUL character, which no page can show; print without it "
        "(a progress bar redrawing its line, for one)")
