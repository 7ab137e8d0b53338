"""The engine where it starts no process (fences, the runner's saving of files, sources, report,
writer, includes), called directly on tiny inputs: what each promises a page author, a reader or
the site build, pinned so that `make mutations` (benchmarks/mutations.py) can run these tests
against every mutant of lessonkit/engine/ within its time. The runner's commands are in
tests/test_engine_runner.py."""

import calendar
import json
import locale
import os
import platform
import re
import time
from pathlib import Path

import pytest
import yaml
from mkdocs.config import load_config

from lessonkit.engine import fences, includes, pages, report, runner, sources, writer
from lessonkit.engine.pages import Kind


@pytest.fixture
def ascii_locale():
    """A test machine whose locale is plain ASCII: the engine still writes every file in UTF-8."""
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    assert locale.getpreferredencoding(False) != "UTF-8"
    yield
    locale.setlocale(locale.LC_CTYPE, before)

# -- fences: what a plain Python fence may be -------------------------------------------------

def test_a_fence_that_prints_is_told_where_and_why_at_its_page_lines():
    code = ("x = 1\nx\nif x:\n    print(x)\ndef f():\n    sys.stdout.write('x')\n"
            "torch.manual_seed(0)\n")
    assert fences.printing(code, 10) == (
        "a plain Python fence prints nothing and checks itself with assert (line 12: a REPL "
        "shows the value of `x`; line 14: `print` prints; line 16: `sys.stdout.write` prints): "
        'make it a file ({.python title="NAME.py"}) and a command (python NAME.py) with an '
        "Expected output block after it, or assert what it should show")
    assert fences.printing("_ = torch.manual_seed(0)\nassert x == 1\n", 1) == ""
    assert fences.printing("def broken(:\n", 1) == ""  # pytest-markdown-docs names the error


def test_a_fence_takes_no_fixture_retry_or_runner():
    assert fences.option_problem({"continuation": ""}) == ""
    assert fences.option_problem({"fixture:tmp_path": ""}).startswith("`fixture:tmp_path`: ")
    assert fences.option_problem({"runner:x": ""}).startswith("`runner:x`: ")
    assert fences.option_problem({"continuation": "", "retry:2": ""}) == (
        "`retry:2`: a plain Python fence takes no fixture, retry or runner (the kernel matrix "
        "pastes it into a REPL, and a block runs once); it may be a `continuation`")


# -- runner: the page's files, saved as a reader saves them ------------------------------------

def test_files_are_saved_in_utf8_and_a_new_version_is_dated_later(tmp_path, ascii_locale):
    saved = {}
    runner.save_files(tmp_path, {"a.py": "print('é')\n", "b.py": "x = 1\n"}, saved)
    assert (tmp_path / "a.py").read_bytes() == "print('é')\n".encode()
    assert saved == {"a.py": "print('é')\n", "b.py": "x = 1\n"}
    a_time, b_time = ((tmp_path / name).stat().st_mtime for name in ("a.py", "b.py"))
    # Saved again within the same second: Python's bytecode cache must see a new file.
    runner.save_files(tmp_path, {"a.py": "print('é')\n", "b.py": "x = 2\n"}, saved)
    assert (tmp_path / "b.py").read_text(encoding="utf-8") == "x = 2\n"
    assert (tmp_path / "b.py").stat().st_mtime >= b_time + 2
    assert (tmp_path / "a.py").stat().st_mtime == a_time  # unchanged: not saved again
    assert saved == {"a.py": "print('é')\n", "b.py": "x = 2\n"}


# -- sources: the build cache's key -----------------------------------------------------------

def test_the_files_a_snippet_imports_are_found_through_any_cycle(tmp_path, ascii_locale):
    assert sources.imported_modules("import a.b, c\nfrom d.e import f\nfrom . import g\n"
                                    "from .h import i\n") == {"a", "c", "d"}
    (tmp_path / "main.py").write_text("import os  # é\nimport left\nfrom right import x\n",
                                      encoding="utf-8")
    (tmp_path / "left.py").write_text("import main\n")  # back to where it started
    (tmp_path / "right.py").write_text("import main\nx = 1\n")
    (tmp_path / "unused.py").write_text("x = 1\n")
    assert sources.local_imports(tmp_path / "main.py") == [
        tmp_path / name for name in ("left.py", "main.py", "right.py")]


def test_the_fingerprint_changes_with_the_snippet_what_it_imports_and_extra(tmp_path):
    (tmp_path / "main.py").write_text("import helper\n")
    (tmp_path / "helper.py").write_text("x = 1\n")
    first = sources.fingerprint(tmp_path / "main.py", "--beta", "1")
    assert re.fullmatch("[0-9a-f]{16}", first)
    assert sources.fingerprint(tmp_path / "main.py", "--beta", "1") == first
    assert sources.fingerprint(tmp_path / "main.py", "--beta", "2") != first
    assert sources.fingerprint(tmp_path / "main.py", "--beta1") != first
    (tmp_path / "helper.py").write_text("x = 2\n")
    assert sources.fingerprint(tmp_path / "main.py", "--beta", "1") != first


# -- report: the doc tests' record ------------------------------------------------------------

def summary(page: str) -> report.PageSummary:
    return report.PageSummary(page, 3, 2, 1, 0, 0, 1, 0, "abc")


@pytest.fixture
def in_india(monkeypatch):
    """A machine whose clock shows the time in India (UTC+5:30)."""
    monkeypatch.setenv("TZ", "IST-5:30")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_report_records_this_machine_and_the_time_in_utc(in_india):
    record = report.Report.now("2.13.0", iter([summary("a.md")]),
                               iter([report.BlockRecord("a.md", 3, "shell", "passed", 0.5)]),
                               "avx2", 2)
    assert (record.python, record.torch, record.machine, record.cpu_capability,
            record.threads) == (platform.python_version(), "2.13.0", platform.machine(), "avx2",
                                2)
    assert record.pages == [summary("a.md")] and len(record.blocks) == 1
    finished = calendar.timegm(time.strptime(record.finished, "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(finished - time.time()) < 60
    bare = report.Report.now("2.13.0", [], [])
    assert (bare.cpu_capability, bare.threads) == ("", 0)


def test_a_report_keeps_what_an_earlier_one_recorded_for_other_pages():
    block = report.BlockRecord
    earlier = report.Report("3.11", "2.13", "t0", [summary("a.md"), summary("b.md")],
                            [block("a.md", 1, "shell", "failed", 1.0),
                             block("b.md", 1, "shell", "passed", 1.0)])
    record = report.Report("3.11", "2.13", "t1", [summary("a.md")],
                           [block("a.md", 1, "shell", "passed", 2.0)])
    record.merge(earlier)
    assert [s.page for s in record.pages] == ["a.md", "b.md"]
    assert [(b.page, b.outcome) for b in record.blocks] == [("a.md", "passed"), ("b.md", "passed")]
    assert record.page("b.md") is record.pages[1] and record.page("c.md") is None


def test_a_report_is_json_one_field_a_line_and_reads_back(tmp_path, ascii_locale):
    record = report.Report("3.11.7", "2.13.0", "t", [summary("café.md")], [], "x86_64", "avx2", 2)
    path = tmp_path / "new" / "folder" / "doctests.json"
    record.write(path)
    record.write(path)  # again, over the first
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n "python": "3.11.7",\n "torch": "2.13.0",\n') and text[-2:] == "}\n"
    assert report.read(path) == record
    # A report written before the machine, the kernels and the threads were recorded; and JSON
    # is UTF-8 whatever the locale.
    older = {"python": "3.11.7", "torch": "2.13.0", "finished": "t", "pages": [], "blocks": [
        {"page": "café.md", "line": 1, "kind": "shell", "outcome": "passed", "seconds": 0.1}]}
    path.write_bytes(json.dumps(older, ensure_ascii=False).encode())
    assert report.read(path) == report.Report(
        "3.11.7", "2.13.0", "t", [], [report.BlockRecord("café.md", 1, "shell", "passed", 0.1)])
    assert report.read(tmp_path / "missing.json") is None


# -- writer: new Expected outputs, every other byte unchanged ---------------------------------

WRITTEN = """\
# Page é

```bash
python lab.py
```

```{.text title="Expected output"}
old
```

!!! note "Folded"

    ```bash
    python lab.py
    ```

    ```{.text title="Expected output"}
    old
    ```
"""


def update(path: Path, *outputs: str) -> None:
    text = path.read_text(encoding="utf-8")
    expected = [block for block in pages.read_page(text).blocks if block.kind == Kind.EXPECTED]
    with open(path, encoding="utf-8", newline="") as page:
        writer.rewrite(path, page.read(), list(zip(expected, outputs, strict=True)))


def test_the_writer_puts_each_output_into_its_block(tmp_path, ascii_locale):
    path = tmp_path / "page.md"
    path.write_bytes(WRITTEN.encode())
    path.chmod(0o640)
    update(path, "a\n\nb\n", "```\n\nlast line without newline é")
    assert path.read_text(encoding="utf-8") == WRITTEN.replace(
        "```{.text title=\"Expected output\"}\nold\n```", "```{.text title=\"Expected output\"}"
        "\na\n\nb\n```").replace(
        "    ```{.text title=\"Expected output\"}\n    old\n    ```",
        "    ````{.text title=\"Expected output\"}\n    ```\n\n    last line without newline é\n"
        "    ````")
    assert path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["page.md"]


def test_the_writer_keeps_windows_line_ends(tmp_path):
    path = tmp_path / "page.md"
    path.write_bytes(WRITTEN.replace("\n", "\r\n").encode())
    update(path, "a\nb\n", "c\n")
    assert path.read_bytes().decode() == WRITTEN.replace("\n", "\r\n").replace(
        "\r\nold\r\n", "\r\na\r\nb\r\n", 1).replace("    old\r\n", "    c\r\n")


def test_the_writer_keeps_classic_mac_line_ends_and_lengthens_only_the_fence(tmp_path):
    # A page whose lines end with a carriage return alone; a fence of tildes whose options hold
    # tildes too: only the fence itself grows.
    text = WRITTEN.replace('```{.text title="Expected output"}\nold\n```',
                           '~~~{.text title="Expected output" note="~~~"}\nold\n~~~', 1)
    path = tmp_path / "page.md"
    path.write_bytes(text.replace("\n", "\r").encode())
    update(path, "~~~\n", "c\n")
    assert path.read_bytes().decode() == text.replace(
        '~~~{.text title="Expected output" note="~~~"}\nold\n~~~',
        '~~~~{.text title="Expected output" note="~~~"}\n~~~\n~~~~').replace(
        "    old\n", "    c\n").replace("\n", "\r")


def test_a_page_edited_during_the_run_is_not_written(tmp_path):
    path = tmp_path / "page.md"
    path.write_text(WRITTEN, encoding="utf-8")
    expected = pages.read_page(WRITTEN).blocks[1]
    path.write_text(WRITTEN + "An edit.\n", encoding="utf-8")
    with pytest.raises(writer.PageChanged) as error:
        writer.rewrite(path, WRITTEN, [(expected, "new\n")])
    assert str(error.value) == (f"{path} changed while the doc tests ran: nothing was written to "
                                "it; run the update again")
    assert path.read_text(encoding="utf-8") == WRITTEN + "An edit.\n"


def test_an_interrupted_update_leaves_the_page_as_it_was_and_no_other_file(tmp_path,
                                                                          monkeypatch):
    path = tmp_path / "page.md"
    path.write_text(WRITTEN, encoding="utf-8")
    seen = []

    def interrupted(source, target):
        # Until the page is replaced, the new text is a hidden file beside it (MkDocs and git
        # status skip nothing else); then the run is interrupted.
        seen.extend(os.listdir(tmp_path))
        raise KeyboardInterrupt

    monkeypatch.setattr(writer.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        update(path, "new\n", "new\n")
    assert sorted(name[:9] for name in seen) == [".page.md.", "page.md"]
    assert path.read_text(encoding="utf-8") == WRITTEN and os.listdir(tmp_path) == ["page.md"]


# -- includes: as the site build expands them -------------------------------------------------

LAB = ('import sys\n\n# --8<-- [start:main]\ndef main():\n    print("héllo")\n'
       "# --8<-- [end:main]\n\nmain()\n")


def project(folder: Path, *bases: str) -> Path:
    """A project whose mkdocs.yml includes snippets from `bases` (snips/lab.py is there)."""
    (folder / "docs").mkdir(parents=True)
    (folder / "snips").mkdir()
    (folder / "snips" / "lab.py").write_text(LAB, encoding="utf-8")
    options = {"base_path": list(bases) or ["snips"], "check_paths": True}
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(
        {"site_name": "x", "markdown_extensions": [{"pymdownx.snippets": options}]}))
    return folder / "mkdocs.yml"


def test_includes_expand_as_the_site_shows_them_and_each_line_knows_its_origin(tmp_path,
                                                                              ascii_locale):
    config = project(tmp_path)
    assert includes.expand("x = 1\n", config) == "x = 1\n"
    source = 'x = 1\n--8<-- "lab.py:main"\ny = 2\n'
    assert includes.expand(source, config) == 'x = 1\ndef main():\n    print("héllo")\ny = 2\n'
    assert includes.origins(source, "page.md", 10, config) == [
        "page.md:11", "snips/lab.py:4", "snips/lab.py:5", "page.md:13", "page.md:14"]
    assert includes.origins('--8<-- "lab.py"', "page.md", 1, config) == [
        "snips/lab.py:1", "snips/lab.py:2", "snips/lab.py:4", "snips/lab.py:5",
        "snips/lab.py:7", "snips/lab.py:8", "snips/lab.py:9"]
    # An include written as text (`;` escapes it) has no line of its own: unknown, never wrong.
    assert includes.origins('; --8<-- "lab.py"', "page.md", 1, config) == ["snips/lab.py:?"]
    assert includes.origins('; --8<-- "gone.py"', "page.md", 1, config) == ["gone.py:?"]


def test_a_snippet_folder_outside_the_project_is_named_by_its_path(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.py").write_text("X = 1\n")
    config = project(tmp_path / "project", "snips", str(elsewhere))
    assert includes.snippet_dirs(config) == [tmp_path / "project" / "snips", elsewhere]
    assert includes.origins('--8<-- "far.py"', "page.md", 1, config) == [
        f"{elsewhere / 'far.py'}:1", f"{elsewhere / 'far.py'}:2"]


def test_the_configuration_is_read_once_and_a_broken_one_is_named(tmp_path, monkeypatch):
    config = project(tmp_path)
    first = includes.mkdocs_config(config)
    assert includes.mkdocs_config(tmp_path / "docs" / ".." / "mkdocs.yml") is first
    monkeypatch.chdir(tmp_path)
    assert includes.cache_dir(Path("mkdocs.yml")) == tmp_path / ".cache" / "lessonkit"
    (tmp_path / "broken.yml").write_text("site_name: [not, a, name]\n")
    with pytest.raises(RuntimeError) as error:
        includes.mkdocs_config(tmp_path / "broken.yml")
    assert str(error.value).startswith(
        f"{tmp_path / 'broken.yml'}: MkDocs cannot load this configuration: ")


def test_a_running_build_lends_its_configuration(tmp_path):
    config = project(tmp_path)
    loaded = load_config(config_file=str(config))
    includes.use_config(loaded)
    assert includes.mkdocs_config(config) is loaded


def test_section_markers_are_found_and_removed_with_their_lines_only():
    assert includes.section_marker("  # --8<-- [start:main-2]  ") == ("start", "main-2")
    assert includes.section_marker("# --8<-- [end:main]") == ("end", "main")
    assert includes.section_marker("x = 1  # --8<-- [end:main]") is None
    assert includes.without_markers(LAB + "tail") == (
        'import sys\n\ndef main():\n    print("héllo")\n\nmain()\ntail')
