"""pytest plugin (entry point `pytest11`): the lessons' Markdown pages are the tests.

Each page is read once (`lessonkit.engine.pages`: includes expanded as the site shows them,
fences inside admonitions, details and tabs found). Every command block and every block that is
wrong becomes a `LessonBlock` item; plain Python fences are pytest-markdown-docs' items
(`lessonkit.plugins.markdown_docs`). Both plugins' items of a page are put in page order at
collection and share one folder per page, where the page's files are saved as it shows them: a
reader's folder, in which each command runs as a new `python` process on a terminal
(`lessonkit.engine.runner`) and a fence sees what the commands above it left. With
`--reader-venvs` (as `make test` runs it), that `python` is a new venv's holding only what the
page's `pip install` lines install (`lessonkit.platforms.reader`), as a reader's installation.

With pytest-xdist (`-n auto --dist loadfile`, as `make test` runs it) each page runs whole on one
worker; each worker sends its pages' records to the controller (`workeroutput`), which prints the
summary and writes the report (`--lesson-report`, read by the site's "Verified" notice).
`--update-expected` rewrites Expected output blocks from real runs (`lessonkit.engine.writer`).
The run's state lives in `config.stash`, so a run inside a run (this plugin's tests) has its own.
"""

import dataclasses
import functools
import importlib.metadata
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lessonkit.engine import compare, includes, pages, report, runner, writer
from lessonkit.engine.pages import Kind
from lessonkit.platforms import reader
from lessonkit.platforms.common import SetupError

DOCTEST_PYTHON = runner.Interpreter((sys.executable,))  # the project's venv: `python` for a reader
# Pages side by side (pytest-xdist) run commands side by side, each with torch's threads on every
# core: OpenMP's idle threads spinning against each other made two 5-s commands take 67 s
# (measured). Passive waiting changes which thread waits how, never what is computed (the same
# bytes, measured); the kernel matrix runs without it.
SIDE_BY_SIDE = {"OMP_WAIT_POLICY": "PASSIVE"}


def doctest_python(config, run: "PageRun") -> runner.Interpreter:
    """The interpreter of a page's commands: DOCTEST_PYTHON, or with `--reader-venvs` the
    `python` of a venv holding only what the page's `pip install` lines install; waiting
    passively when pages run side by side, or beside other work: a run inside a pytest-xdist
    worker (a test of the doc tests, run by a worker of the project's own tests)."""
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    beside = workers > 1 or "PYTEST_XDIST_WORKER" in os.environ
    env = {**SIDE_BY_SIDE, **DOCTEST_PYTHON.env} if beside else DOCTEST_PYTHON.env
    if not config.getoption("reader_venvs"):
        return runner.Interpreter(DOCTEST_PYTHON.command, env, DOCTEST_PYTHON.slowdown)
    if run.python is None and not run.no_python:
        try:
            # A page with no `pip install` line: a venv of the standard library alone.
            python = reader.python_for(reader.install_commands(run.page))
            run.python = runner.Interpreter((str(python),), env, DOCTEST_PYTHON.slowdown)
        except SetupError as error:
            run.no_python = f"{run.name}: {error}"
    if run.no_python:  # said once per block, tried once per page
        raise LessonFailure(run.no_python)
    return run.python


class LessonFailure(Exception):
    """A block failed in a way the page's author can act on; the message says where and why."""


@dataclass
class PageRun:
    """One page under test: its blocks, and the reader's folder of its files."""

    path: Path
    name: str  # the path as messages show it, relative to the project
    text: str  # the page as read, newlines as in the file (update mode checks it is unchanged)
    page: pages.Page
    folder: Path
    records: list = field(default_factory=list)  # report.BlockRecord of each block run
    updates: list = field(default_factory=list)  # (expected block, output replacing it)
    mkdocs_yml: Path = Path("mkdocs.yml")  # whose snippet settings expanded the includes
    saved: dict = field(default_factory=dict)  # file name -> the code now in `folder`
    collected: int = 0  # items of ours collected for this page
    python: runner.Interpreter | None = None  # the page's reader's venv (--reader-venvs)
    no_python: str = ""  # why the page has no reader's venv, once it was tried

    def fully_run(self) -> bool:
        # Fences are recorded by lessonkit.plugins.markdown_docs: a run without --markdown-docs
        # is a partial run of a page that has them.
        fences = sum(block.kind == Kind.PYTHON for block in self.page.blocks)
        kinds = [record.kind for record in self.records]
        return (sum(kind not in (Kind.EXPECTED, Kind.PYTHON) for kind in kinds) == self.collected
                and kinds.count(Kind.PYTHON) == fences)


class Lessons:
    """The state of one pytest run: every page read, its runs, and where the report goes."""

    def __init__(self, config):
        self.config = config
        self.update = config.getoption("update_expected")
        self.mkdocs_yml = config.rootpath / config.getini("lessons_mkdocs_yml")
        self.expand = functools.partial(includes.expand, config_file=self.mkdocs_yml)
        self.runs: dict[Path, PageRun] = {}  # every page collected, run or not
        self.results: dict[str, dict] = {}  # page name -> its result (`page_result`)
        self.problems: list[str] = []  # pages the update mode could not write
        self.tmp = Path(tempfile.mkdtemp(prefix="lessons-"))

    def page_run(self, path: Path) -> PageRun:
        path = Path(path).resolve()
        if path not in self.runs:
            folder = self.tmp / f"page{len(self.runs)}"
            folder.mkdir()
            with open(path, encoding="utf-8", newline="") as file:
                text = file.read()
            self.runs[path] = PageRun(path, self.relative(path), text, self.read(path), folder,
                                      mkdocs_yml=self.mkdocs_yml)
        return self.runs[path]

    def relative(self, path: Path) -> str:
        return str(Path(path).relative_to(self.config.rootpath))

    def read(self, path: Path) -> pages.Page:
        return pages.read_page(Path(path).read_text(encoding="utf-8"), self.expand)

    def absorb(self, results: dict) -> None:
        """Results of pages (from this process or a worker): the one that ran a page wins."""
        for name, result in results.items():
            if result["records"] or name not in self.results:
                self.results[name] = result

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


LESSONS = pytest.StashKey[Lessons]()


def lessons(config) -> Lessons:
    return config.stash[LESSONS]


# -- collection ------------------------------------------------------------------------------


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".md":
        return LessonPage.from_parent(parent, path=file_path)
    return None


class LessonPage(pytest.File):
    def collect(self):
        run = lessons(self.config).page_run(self.path)
        for block in run.page.blocks:
            # Plain Python fences are pytest-markdown-docs' (lessonkit.plugins.markdown_docs).
            if block.kind in (Kind.SHELL, Kind.INVALID):
                run.collected += 1
                yield LessonBlock.from_parent(self, name=f"line{block.line}", run=run,
                                              block=block)


def page_line(item) -> int | None:
    """The page line of a page's item, ours or pytest-markdown-docs' (its documented
    `start_line`); None for any other item."""
    if isinstance(item, LessonBlock):
        return item.block.line
    if item.path.suffix == ".md" and item.get_closest_marker("markdown-docs") is not None:
        return item.start_line
    return None


def pytest_collection_modifyitems(items):
    """Each page's items, both plugins', in page order (a reader's order); other items and the
    order of the pages stay as collected."""
    slots = [index for index, item in enumerate(items) if page_line(item) is not None]
    pages_in_order = list(dict.fromkeys(items[index].path for index in slots))
    ordered = sorted((items[index] for index in slots),
                     key=lambda item: (pages_in_order.index(item.path), page_line(item)))
    for index, item in zip(slots, ordered, strict=True):
        items[index] = item


class LessonBlock(pytest.Item):
    """One command block, or a block that is wrong; its Expected output is compared here."""

    def __init__(self, *, run: PageRun, block: pages.Block, **kwargs):
        super().__init__(**kwargs)
        self.run, self.block = run, block

    def runtest(self):
        run, block = self.run, self.block
        outcome, seconds = "failed", 0.0
        try:
            # A wrong block says what is wrong with it, whatever the page installs.
            python = None if block.kind == Kind.INVALID else doctest_python(self.config, run)
            outcome, seconds = _run_block(run, block, lessons(self.config).update, python)
        finally:
            run.records.append(report.BlockRecord(run.name, block.line, block.kind, outcome,
                                                  round(seconds, 4)))
            if block.expected is not None:
                run.records.append(report.BlockRecord(run.name, block.expected.line,
                                                      Kind.EXPECTED, outcome, 0.0))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, LessonFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.block.line - 1, f"{self.run.name}:{self.block.line}"


# -- running ---------------------------------------------------------------------------------


def _run_block(run: PageRun, block: pages.Block, update: bool,
               python: runner.Interpreter | None) -> tuple[str, float]:
    where = f"{run.name}:{block.line}"
    if block.kind == Kind.INVALID:
        raise LessonFailure(f"{where}: {block.error}")
    done = runner.run_block(pages.runnable(block), run.folder, run.saved, python)
    expected = block.expected
    verdict = compare.judge(done.output, done.exit_codes, done.commands,
                            expected.code if expected else None,
                            expected.tolerance if expected else None, block.exit_status,
                            done.timed_out)
    if verdict.passed:
        return "passed", done.seconds
    if not verdict.output_differs:
        raise LessonFailure(f"{where}: " + "; ".join(verdict.reasons) + ". It printed:\n"
                            + verdict.output + _traceback_origins(run, block, verdict.output))
    # Python names a file by its absolute path (a warning's location, a traceback): the folder
    # of the page's files is new on every run here, and the reader's own on their machine.
    in_folder = (f"The output holds the folder of the page's files ({run.folder}), which no "
                 "reader has: print no path (a warning raised in the page's own file prints "
                 "one).") if str(run.folder) in verdict.output else ""
    if update:
        problem = pages.unwritable_output(verdict.output) or in_folder
        if problem:
            raise LessonFailure(f"{run.name}:{expected.line}: cannot update: {problem}")
        run.updates.append((expected, verdict.output))
        return "updated", done.seconds
    where = f"{run.name}:{expected.line}"
    diff = compare.unified_diff(expected.code, verdict.output, f"{where} (Expected output)",
                                f"printed by the block at {run.name}:{block.line}")
    raise LessonFailure(
        f"{where}: the Expected output does not match what the code printed.\n"
        + "".join(f"  - {reason}\n" for reason in verdict.reasons) + diff
        + (in_folder or "If the change is intended, refresh the page with `make "
           + f"update-expected PAGE={run.name}`."))


_FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<name>.+)$',
                    re.MULTILINE)


def _traceback_origins(run: PageRun, block: pages.Block, output: str) -> str:
    """Each frame of a traceback in `output` that lies in a file the page shows, at its page or
    snippet line: where the author fixes it."""
    lines = []
    for frame in _FRAME.finditer(output):
        path = Path(frame["path"])
        file_block = block.files.get(path.name) if path.parent == run.folder else None
        if file_block is None:
            continue
        origin = includes.origins(file_block.source, run.name, file_block.line, run.mkdocs_yml)
        # The saved file has no section markers: its line N is the N-th line that is not one.
        kept = [at for at, text in zip(origin, file_block.code.split("\n"), strict=False)
                if not includes.section_marker(text)]
        number = int(frame["line"])
        at = kept[number - 1] if number <= len(kept) else "?"
        lines.append(f"  {at} ({path.name} line {number}, shown at {run.name}:"
                     f"{file_block.line}), in {frame['name']}")
    return ("In the page's files:\n" + "\n".join(lines) + "\n") if lines else ""


# -- options, results, summary, report -------------------------------------------------------


def pytest_addoption(parser):
    group = parser.getgroup("lessons")
    group.addoption("--update-expected", action="store_true", default=False,
                    help="rewrite the Expected output blocks in docs/ from what the code prints")
    group.addoption("--reader-venvs", action="store_true", default=False,
                    help="run each page's commands with the python of a new venv holding only "
                         "what the page's `pip install` lines install, as a reader's "
                         "(made once under .cache/reader-venv/)")
    group.addoption("--lesson-report", default=report.PATH,
                    help="where to write the JSON record of every block (default: %(default)s)")
    parser.addini("lessons_mkdocs_yml", default="mkdocs.yml",
                  help="the MkDocs config whose pymdownx.snippets settings expand includes")


def pytest_configure(config):
    config.stash[LESSONS] = Lessons(config)


def pytest_unconfigure(config):
    config.stash[LESSONS].close()


def page_result(state: Lessons, run: PageRun) -> dict:
    """What the report and the summary need of one page run here (plain data: a worker sends
    it to the controller). The update mode writes the page first; its summary describes the page
    as saved."""
    written = 0
    if state.update and run.updates:
        try:
            writer.rewrite(run.path, run.text, run.updates)
            written = len(run.updates)
        except writer.PageChanged as error:
            state.problems.append(str(error))
    page = state.read(run.path) if written else run.page
    records = [r for r in run.records if r.kind != Kind.EXPECTED]
    count = {kind: sum(b.kind == kind for b in page.blocks) for kind in Kind}
    summary = report.PageSummary(
        page=run.name, blocks=len(page.blocks),
        executed=count[Kind.PYTHON] + count[Kind.SHELL] + count[Kind.FILE],
        compared=count[Kind.EXPECTED], not_executable=count[Kind.SKIP],
        neither=count[Kind.INVALID], ran=len(records),
        failed=sum(r.outcome == "failed" for r in records), fingerprint=page.fingerprint())
    skips = [report.BlockRecord(run.name, b.line, Kind.SKIP, "not run: " + b.attrs["notest"], 0.0)
             for b in page.blocks if b.kind == Kind.SKIP]
    return {"summary": dataclasses.asdict(summary),
            "records": [dataclasses.asdict(r) for r in run.records],
            "skips": [dataclasses.asdict(r) for r in skips],
            "fully_run": run.fully_run(), "runs": any(b.runs for b in run.page.blocks),
            "fences": count[Kind.PYTHON], "updated": written}


def pytest_sessionfinish(session):
    state = lessons(session.config)
    # A worker reports the pages it ran items of; without xdist, every page collected.
    worker = hasattr(session.config, "workerinput")
    ran_here = {record.page for run in state.runs.values() for record in run.records}
    state.absorb({run.name: page_result(state, run) for run in state.runs.values()
                  if not worker or run.name in ran_here or not run.collected})
    if worker:
        session.config.workeroutput["lessons"] = json.dumps(
            {"results": state.results, "problems": state.problems})
        return
    if state.problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if session.config.option.collectonly:
        return  # nothing ran: the report of the last run stays as it was
    _write_report(session.config, state)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist: a worker finished; take the results of the pages it ran."""
    sent = json.loads(getattr(node, "workeroutput", {}).get("lessons", "{}") or "{}")
    state = lessons(node.config)
    state.absorb(sent.get("results", {}))
    state.problems += sent.get("problems", [])


def _write_report(config, state: Lessons) -> None:
    path = config.rootpath / config.getoption("lesson_report")
    earlier = report.read(path)
    # A page enters the report when all its blocks ran (or one failed, or it has no entry yet):
    # a partial run (-k, -x, one page) never replaces what a full run recorded for it.
    ran = [result for name, result in state.results.items()
           if result["runs"] and (result["fully_run"] or result["summary"]["failed"]
                                  or earlier is None or earlier.page(name) is None)]
    if not ran:
        return
    blocks = [report.BlockRecord(**record) for result in ran
              for record in result["records"] + result["skips"]]
    capability, threads = _kernels()
    record = report.Report.now(importlib.metadata.version("torch"),
                               [report.PageSummary(**result["summary"]) for result in ran],
                               blocks, capability, threads)
    if earlier is not None:
        record.merge(earlier)
    record.write(path)


@functools.cache
def _kernels() -> tuple[str, int]:
    """The kernels and thread count a command gets here (the doc tests' own run), asked of a
    `python` as the commands ran: torch is not imported into the test process. Asked once per
    process: every doc-test session of one process (the project's tests run hundreds, in-process)
    gets the same answer, and each asking starts torch (about 1.3 s)."""
    done = runner.run(["-c", "import torch; print(torch.backends.cpu.get_cpu_capability(), "
                       "torch.get_num_threads())"], Path(tempfile.gettempdir()), DOCTEST_PYTHON,
                      timeout=120)
    words = done.output.split()
    if done.status != 0 or len(words) != 2:
        return "unknown", 0
    return words[0], int(words[1])


def pytest_terminal_summary(terminalreporter):
    state = lessons(terminalreporter.config)
    results = list(state.results.values())
    fences = sum(result["fences"] for result in results)
    if fences:
        outcomes = [record["outcome"] for result in results for record in result["records"]
                    if record["kind"] == Kind.PYTHON]
        terminalreporter.section("plain Python fences")
        if not terminalreporter.config.getoption("markdowndocs", False):
            terminalreporter.write_line(
                f"{fences} plain Python fence(s) on these pages NOT run: pytest-markdown-docs "
                "runs them with --markdown-docs --markdown-docs-syntax=superfences")
        else:
            terminalreporter.write_line(
                f"pytest-markdown-docs ran {len(outcomes)} plain Python fence(s): "
                f"{outcomes.count('passed')} passed, {outcomes.count('failed')} failed")
    if not results:
        return
    terminalreporter.section("lesson blocks")
    summaries = sorted((report.PageSummary(**result["summary"]) for result in results),
                       key=lambda summary: summary.page)
    for summary in summaries:
        terminalreporter.write_line(f"{summary.page}: {_counts(summary)}")
    totals = report.PageSummary("total", *(
        sum(getattr(s, name) for s in summaries)
        for name in ("blocks", "executed", "compared", "not_executable", "neither", "ran",
                     "failed")), fingerprint="")
    terminalreporter.write_line(f"total: {_counts(totals)}")
    if state.update:
        updated = sum(result["updated"] for result in results)
        terminalreporter.write_line(f"updated {updated} Expected output block(s)")
    for problem in state.problems:
        terminalreporter.write_line(f"NOT UPDATED: {problem}", red=True)


def _counts(summary: report.PageSummary) -> str:
    return (f"{summary.blocks} blocks, {summary.executed} executed, {summary.compared} outputs "
            f"compared, {summary.not_executable} marked not executable, {summary.neither} neither")
