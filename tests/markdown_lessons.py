"""pytest plugin: the lessons under docs/ are the tests.

pytest-markdown-docs collects the fences and runs them as pytest items; this plugin adds what it
lacks, through its two extension points:

- a parser (hook `pytest_markdown_docs_markdown_it`) that reads a page with `lessonkit.pages`:
  includes expanded as the site shows them, fences inside admonitions, details and tabs found, and
  every fence that is neither code, output nor marked `notest="why"` turned into a failing item;
- a runner (`LessonRunner`) that runs Python blocks and `python FILE.py` commands in this process
  (torch is imported once), and compares what they print with the Expected output block after them.

`--update-expected` rewrites those Expected output blocks from the real output instead of failing.
Each run prints a per-page summary and writes a JSON report of every block (`--lesson-report`).
"""

import functools
import json
import platform
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch  # imported once per run, before any block: every lesson needs it
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pytest_markdown_docs._runners import _Runner, register_runner
from pytest_markdown_docs.plugin import MarkdownDocstringCodeModule

from lessonkit import compare, includes, pages
from lessonkit.execute import run_source

RUNNER = "LessonRunner"


class LessonFailure(Exception):
    """A block failed in a way the page's author can act on; the message says where and why."""


@dataclass
class PageRun:
    """One page under test: its blocks, and a folder holding the files it shows, as a reader who
    saved them would have it."""

    path: Path
    name: str  # the path as messages show it, relative to the project
    page: pages.Page
    folder: Path
    records: list = field(default_factory=list)
    namespace: dict | None = None  # of the last Python block, for a `continuation` block
    updates: dict = field(default_factory=dict)  # line -> (expected block, output replacing it)


class Session:
    def __init__(self, config):
        self.config = config
        self.update = config.getoption("update_expected")
        self.mkdocs_yml = config.rootpath / config.getini("lessons_mkdocs_yml")
        self.expand = functools.partial(includes.expand, config_file=self.mkdocs_yml)
        self.runs: dict[Path, PageRun] = {}
        self.paths: list[Path] = []  # every page collected, run or not
        self.summaries: list[dict] = []  # per page, made once at the end of the run
        self.tmp = Path(tempfile.mkdtemp(prefix="lessons-"))

    def page_run(self, path: Path) -> PageRun:
        path = Path(path).resolve()
        if path not in self.runs:
            page = self.read(path)
            folder = self.tmp / f"page{len(self.runs)}"
            folder.mkdir()  # empty: files are saved as the page shows them, see `save_shown`
            self.runs[path] = PageRun(path, self.relative(path), page, folder)
        return self.runs[path]

    def relative(self, path: Path) -> str:
        return str(Path(path).relative_to(self.config.rootpath))

    def read(self, path: Path) -> pages.Page:
        return pages.read_page(Path(path).read_text(encoding="utf-8"), self.expand)

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


# One per pytest run; a stack, so that a run inside a run (the plugin's own tests) leaves the
# outer run's state alone.
_sessions: list[Session] = []


def current() -> Session:
    return _sessions[-1]


# -- collection ------------------------------------------------------------------------------


class LessonParser(MarkdownIt):
    """Gives pytest-markdown-docs one fence per block that must run or that is wrong."""

    def parse(self, src, env=None):
        tokens = []
        for block in pages.read_page(src, current().expand).blocks:
            if block.runs or block.kind == "invalid":
                token = Token("fence", "code", 0, info=f"python runner:{RUNNER}",
                              content=block.code, map=[block.line - 1, block.end_line])
                tokens.append(token)
        return tokens


@pytest.hookimpl(tryfirst=True)
def pytest_markdown_docs_markdown_it():
    return LessonParser("commonmark")


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    collected = yield
    # Lessons live in Markdown; Python files are snippets and tests, not docstring examples.
    return [c for c in collected if not isinstance(c, MarkdownDocstringCodeModule)]


def pytest_collectreport(report):
    # Every page collected counts in the summary, including pages with nothing to run.
    if report.nodeid.endswith(".md") and "::" not in report.nodeid:
        current().paths.append(current().config.rootpath / report.nodeid)


# -- running ---------------------------------------------------------------------------------


@register_runner()
class LessonRunner(_Runner):
    def runtest(self, test, args, **kwargs):
        run = current().page_run(test.source_path)
        block = run.page.block_at(test.start_line)
        started = time.perf_counter()
        outcome = "failed"
        try:
            outcome = _run_block(run, block)
        finally:
            run.records.append({"page": run.name, "line": block.line, "kind": block.kind,
                                "outcome": outcome,
                                "seconds": round(time.perf_counter() - started, 4)})
            if block.expected is not None:
                run.records.append({"page": run.name, "line": block.expected.line,
                                    "kind": "expected", "outcome": outcome, "seconds": 0.0})

    def repr_failure(self, test, excinfo, style=None):
        if isinstance(excinfo.value, LessonFailure):
            return str(excinfo.value)
        return _describe_exception(test, excinfo)


def save_shown(run: PageRun, line: int) -> None:
    """Save into the page's folder every file the page shows above `line`, as a reader who copies
    the files in page order has them when reaching that line; files shown further down are not
    there yet, so a script that imports one fails as it would for that reader."""
    for block in run.page.blocks:
        if block.kind == "file" and block.line < line:
            target = run.folder / block.filename
            if not target.exists():
                target.write_text(block.code, encoding="utf-8")


def _run_block(run: PageRun, block: pages.Block) -> str:
    where = f"{run.name}:{block.line}"
    save_shown(run, block.line)
    if block.kind == "invalid":
        raise LessonFailure(f"{where}: {block.error}")
    if block.kind == "python":
        # Padding makes tracebacks give the page's own line numbers.
        source = "\n" * block.line + block.code
        continued = run.namespace if "continuation" in block.attrs else None
        if "continuation" in block.attrs and continued is None:
            raise LessonFailure(f"{where}: a continuation block with no Python block before it")
        result = run_source(source, f"block_{block.line}.py", run.folder, origin=str(run.path),
                            namespace=continued)
        run.namespace = result.namespace
        printed, exit_codes = result.output, [result.exit_code]
    else:
        printed, exit_codes = "", []
        for argv in block.commands:
            name, *args = argv
            result = run_source(run.page.files()[name], name, run.folder, args)
            printed += result.output
            exit_codes.append(result.exit_code)

    wanted_exit = int(block.attrs.get("exit", 0))
    if any(code != wanted_exit for code in exit_codes):
        raise LessonFailure(f"{where}: exited with status {exit_codes[-1]}, the page expects "
                            f"{wanted_exit}. It printed:\n{printed}")
    if block.expected is None:
        if printed:
            raise LessonFailure(
                f"{where}: the block printed {len(printed.splitlines())} line(s) but no Expected "
                f"output block follows it, so nobody checks them:\n{printed}")
        return "passed"
    return _compare(run, block, printed)


def _compare(run: PageRun, block: pages.Block, printed: str) -> str:
    expected = block.expected
    where = f"{run.name}:{expected.line}"
    try:
        tolerance = (compare.parse_tolerance(expected.attrs["tolerance"])
                     if "tolerance" in expected.attrs else None)
    except ValueError as error:
        raise LessonFailure(f"{where}: {error}") from None
    reasons = compare.mismatch(expected.code, printed, tolerance)
    if not reasons:
        return "passed"
    if current().update:
        run.updates[expected.line] = (expected, printed)
        return "updated"
    diff = compare.unified_diff(expected.code, printed, f"{where} (Expected output)",
                                f"printed by the block at {run.name}:{block.line}")
    raise LessonFailure(
        f"{where}: the Expected output does not match what the code printed.\n"
        + "".join(f"  - {reason}\n" for reason in reasons) + diff
        + "If the change is intended, refresh the page with `make update-expected`.")


def _describe_exception(test, excinfo) -> str:
    """The traceback through lesson code only, each frame at its page line or snippet line."""
    run = current().page_run(test.source_path)
    block = run.page.block_at(test.start_line)
    shown_files = {str(run.folder / name): name for name in run.page.files()}
    lines = [f"{run.name}:{block.line}: the block raised an exception"]
    for frame in traceback.extract_tb(excinfo.tb):
        if frame.filename == str(run.path):
            lines.append(f"  {run.name}:{frame.lineno}, in {frame.name}\n    {frame.line}")
        elif frame.filename in shown_files:
            name = shown_files[frame.filename]
            file_block = next(b for b in run.page.blocks if b.filename == name)
            origin = includes.origins(file_block.source, run.name, file_block.line,
                                      current().mkdocs_yml)
            source_line = frame.line or ""
            at = origin[frame.lineno - 1] if frame.lineno <= len(origin) else "?"
            lines.append(f"  {at} ({name} line {frame.lineno}, shown at {run.name}:"
                         f"{file_block.line}), in {frame.name}\n    {source_line}")
    lines.append(excinfo.exconly())
    return "\n".join(lines)


# -- options, summary, report, update ---------------------------------------------------------


def pytest_addoption(parser):
    group = parser.getgroup("lessons")
    group.addoption("--update-expected", action="store_true", default=False,
                    help="rewrite the Expected output blocks in docs/ from what the code prints")
    group.addoption("--lesson-report", default="reports/doctests.json",
                    help="where to write the JSON record of every block (default: %(default)s)")
    parser.addini("lessons_mkdocs_yml", default="mkdocs.yml",
                  help="the MkDocs config whose pymdownx.snippets settings expand includes")


def pytest_configure(config):
    _sessions.append(Session(config))


def pytest_unconfigure(config):
    _sessions.pop().close()


def pytest_sessionfinish(session):
    if current().update:
        for run in current().runs.values():
            _rewrite_expected(run)
    current().summaries = list(_summaries())  # after any rewrite: they describe the pages as saved
    _write_report(session.config.rootpath / session.config.getoption("lesson_report"))


def _rewrite_expected(run: PageRun) -> None:
    if not run.updates:
        return
    raw = run.path.read_text(encoding="utf-8")
    lines = raw.splitlines(keepends=True)
    for _, (expected, printed) in sorted(run.updates.items(), reverse=True):
        fence = lines[expected.line - 1]
        indent = fence[: len(fence) - len(fence.lstrip())]
        newline = "\r\n" if fence.endswith("\r\n") else "\n"
        body = [(indent + line if line else "") + newline for line in printed.split("\n")[:-1]]
        lines[expected.line: expected.end_line - 1] = body
    run.path.write_text("".join(lines), encoding="utf-8")


def _summaries():
    for path in current().paths:
        run = current().runs.get(path)
        page = current().read(path)
        blocks = page.blocks
        records = [r for r in run.records if r["kind"] != "expected"] if run else []
        count = {kind: sum(b.kind == kind for b in blocks)
                 for kind in ("python", "file", "shell", "expected", "skip", "invalid")}
        yield {
            "page": current().relative(path),
            "blocks": len(blocks),
            "executed": count["python"] + count["shell"] + count["file"],
            "compared": count["expected"],
            "marked not executable": count["skip"],
            "neither": count["invalid"],
            "ran": len(records),
            "failed": sum(r["outcome"] == "failed" for r in records),
            "fingerprint": page.fingerprint(),
        }


def pytest_terminal_summary(terminalreporter):
    if not current().paths:
        return
    totals = {}
    terminalreporter.section("lesson blocks")
    for summary in current().summaries:
        terminalreporter.write_line(
            f"{summary['page']}: {summary['blocks']} blocks, {summary['executed']} executed, "
            f"{summary['compared']} outputs compared, {summary['marked not executable']} marked "
            f"not executable, {summary['neither']} neither")
        for key, value in summary.items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    terminalreporter.write_line(
        f"total: {totals['blocks']} blocks, {totals['executed']} executed, {totals['compared']} "
        f"outputs compared, {totals['marked not executable']} marked not executable, "
        f"{totals['neither']} neither")
    updated = sum(len(run.updates) for run in current().runs.values())
    if current().update:
        terminalreporter.write_line(f"updated {updated} Expected output block(s)")


def _write_report(path: Path) -> None:
    if not current().runs:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        # Which kernels produced the outputs: other CPUs may pick others (see lessonkit.matrix).
        "machine": platform.machine(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "pages": current().summaries,
        "blocks": [record for run in current().runs.values() for record in run.records]
        + [{"page": run.name, "line": block.line, "kind": "skip",
            "outcome": "not run: " + block.attrs["notest"], "seconds": 0.0}
           for run in current().runs.values() for block in run.page.blocks
           if block.kind == "skip"],
    }
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
