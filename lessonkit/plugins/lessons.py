"""pytest plugin (entry point `pytest11`): the lessons' Markdown pages are the tests.

Each page is collected as a `LessonPage` and read once with `lessonkit.engine.pages`: includes expanded as
the site shows them, fences inside admonitions, details and tabs found. Every `python FILE.py`
command and every block that is wrong (neither run, compared nor marked `notest="why"`; a plain
Python fence that prints) becomes a `LessonBlock` item; plain Python fences are run by
pytest-markdown-docs (`lessonkit.plugins.markdown_docs`), not here. Blocks run in this process (torch is
imported once) and what they print is compared with the Expected output block after them.

`--update-expected` rewrites those Expected output blocks from the real output instead of failing.
Each run prints a per-page summary and writes the record of every block (`--lesson-report`,
lessonkit.engine.report), which the site's "Verified" notice reads. The run's state lives in
`config.stash`, so a run inside a run (this plugin's own tests) has its own.
"""

import functools
import importlib.metadata
import io
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Imported with the plugin, once per process, before any block: every lesson needs it, and a run
# inside a run (pytester) forgets modules imported during it, which a C extension cannot survive.
import torch

from lessonkit.engine import compare, execute, includes, pages, report


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
    records: list = field(default_factory=list)  # report.BlockRecord of each block run
    python: execute.BlockRun | None = None  # the last Python block, for a `continuation` block
    updates: dict = field(default_factory=dict)  # line -> (expected block, output replacing it)
    saved: dict = field(default_factory=dict)  # file name -> the code now in `folder`
    collected: int = 0  # items of this page collected; all of them ran in a full run of the page

    def fully_run(self) -> bool:
        # Plain Python fences are recorded by lessonkit.plugins.markdown_docs, not collected here: a run
        # without --markdown-docs is a partial run of a page that has them.
        fences = sum(block.kind == "python" for block in self.page.blocks)
        kinds = [record.kind for record in self.records]
        return (sum(kind not in ("expected", "python") for kind in kinds) == self.collected
                and kinds.count("python") == fences)


class Lessons:
    """The state of one pytest run: every page read, its runs, and where the report goes."""

    def __init__(self, config):
        self.config = config
        self.update = config.getoption("update_expected")
        self.mkdocs_yml = config.rootpath / config.getini("lessons_mkdocs_yml")
        self.expand = functools.partial(includes.expand, config_file=self.mkdocs_yml)
        self.runs: dict[Path, PageRun] = {}  # every page collected, run or not
        self.summaries: list[report.PageSummary] = []  # made once, at the end of the run
        self.tmp = Path(tempfile.mkdtemp(prefix="lessons-"))

    def page_run(self, path: Path) -> PageRun:
        path = Path(path).resolve()
        if path not in self.runs:
            folder = self.tmp / f"page{len(self.runs)}"
            folder.mkdir()
            self.runs[path] = PageRun(path, self.relative(path), self.read(path), folder)
        return self.runs[path]

    def relative(self, path: Path) -> str:
        return str(Path(path).relative_to(self.config.rootpath))

    def read(self, path: Path) -> pages.Page:
        return pages.read_page(Path(path).read_text(encoding="utf-8"), self.expand)

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
            if (block.runs and block.kind != "python") or block.kind == "invalid":
                run.collected += 1
                yield LessonBlock.from_parent(self, name=f"line{block.line}", run=run,
                                              block=block)


class LessonBlock(pytest.Item):
    """One block that runs, or that is wrong; its Expected output, if any, is compared here."""

    def __init__(self, *, run: PageRun, block: pages.Block, **kwargs):
        super().__init__(**kwargs)
        self.run, self.block = run, block

    def runtest(self):
        run, block = self.run, self.block
        started = time.perf_counter()
        outcome = "failed"
        try:
            outcome = _run_block(run, block, lessons(self.config).update)
        finally:
            seconds = round(time.perf_counter() - started, 4)
            run.records.append(report.BlockRecord(run.name, block.line, block.kind, outcome,
                                                  seconds))
            if block.expected is not None:
                run.records.append(report.BlockRecord(run.name, block.expected.line, "expected",
                                                      outcome, 0.0))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, LessonFailure):
            return str(excinfo.value)
        return _describe_exception(self.run, self.block, excinfo,
                                   lessons(self.config).mkdocs_yml)

    def reportinfo(self):
        return self.path, self.block.line - 1, f"{self.run.name}:{self.block.line}"


# -- running ---------------------------------------------------------------------------------


def _run_block(run: PageRun, block: pages.Block, update: bool) -> str:
    where = f"{run.name}:{block.line}"
    if block.kind == "invalid":
        raise LessonFailure(f"{where}: {block.error}")
    done = execute.run_block(pages.runnable(block), run.folder, run.saved, str(run.path),
                             previous=run.python)
    if block.kind == "python":
        run.python = done
    expected = block.expected
    verdict = compare.judge(done.output, done.exit_codes, done.commands,
                            expected.code if expected else None,
                            expected.tolerance if expected else None, block.exit_status)
    if verdict.passed:
        return "passed"
    if not verdict.output_differs:
        raise LessonFailure(f"{where}: " + "; ".join(verdict.reasons) + ". It printed:\n"
                            + verdict.output)
    # Python names a file by its absolute path (a warning's location, a traceback): the folder
    # of the page's files is new on every run here, and the reader's own on their machine.
    in_folder = (f"The output holds the folder of the page's files ({run.folder}), which no "
                 "reader has: print no path (a warning raised in the page's own file prints "
                 "one).") if str(run.folder) in verdict.output else ""
    if update:
        problem = pages.unwritable_output(verdict.output) or in_folder
        if problem:
            raise LessonFailure(f"{run.name}:{expected.line}: cannot update: {problem}")
        run.updates[expected.line] = (expected, verdict.output)
        return "updated"
    where = f"{run.name}:{expected.line}"
    diff = compare.unified_diff(expected.code, verdict.output, f"{where} (Expected output)",
                                f"printed by the block at {run.name}:{block.line}")
    raise LessonFailure(
        f"{where}: the Expected output does not match what the code printed.\n"
        + "".join(f"  - {reason}\n" for reason in verdict.reasons) + diff
        + (in_folder or "If the change is intended, refresh the page with `make "
           + f"update-expected PAGE={run.name}`."))


def _describe_exception(run: PageRun, block: pages.Block, excinfo, mkdocs_yml: Path) -> str:
    """The traceback through lesson code only, each frame at its page line or snippet line."""
    shown_files = {str(run.folder / name): file_block for name, file_block in block.files.items()}
    lines = [f"{run.name}:{block.line}: the block raised an exception"]
    for frame in traceback.extract_tb(excinfo.tb):
        if frame.filename == str(run.path):
            lines.append(f"  {run.name}:{frame.lineno}, in {frame.name}\n    {frame.line}")
        elif frame.filename in shown_files:
            file_block = shown_files[frame.filename]
            name = file_block.filename
            origin = includes.origins(file_block.source, run.name, file_block.line, mkdocs_yml)
            at = origin[frame.lineno - 1] if frame.lineno <= len(origin) else "?"
            lines.append(f"  {at} ({name} line {frame.lineno}, shown at {run.name}:"
                         f"{file_block.line}), in {frame.name}\n    {frame.line or ''}")
    lines.append(excinfo.exconly())
    return "\n".join(lines)


# -- options, summary, report, update ---------------------------------------------------------


def pytest_addoption(parser):
    group = parser.getgroup("lessons")
    group.addoption("--update-expected", action="store_true", default=False,
                    help="rewrite the Expected output blocks in docs/ from what the code prints")
    group.addoption("--lesson-report", default=report.PATH,
                    help="where to write the JSON record of every block (default: %(default)s)")
    parser.addini("lessons_mkdocs_yml", default="mkdocs.yml",
                  help="the MkDocs config whose pymdownx.snippets settings expand includes")


def pytest_configure(config):
    config.stash[LESSONS] = Lessons(config)


def pytest_unconfigure(config):
    config.stash[LESSONS].close()


def pytest_sessionfinish(session):
    state = lessons(session.config)
    rewritten = set()
    if state.update:
        rewritten = {run.path for run in state.runs.values() if _rewrite_expected(run)}
    state.summaries = [_summary(state, run, run.path in rewritten) for run in state.runs.values()]
    if session.config.option.collectonly:
        return  # nothing ran: the report of the last run stays as it was
    path = session.config.rootpath / session.config.getoption("lesson_report")
    earlier = report.read(path)
    # A page enters the report when all its blocks ran (or one failed, or it has no entry yet):
    # a partial run (-k, -x, one page) never replaces what a full run recorded for it.
    ran = [(run, summary) for run, summary in zip(state.runs.values(), state.summaries,
                                                  strict=True)
           if any(block.runs for block in run.page.blocks) and (run.fully_run() or summary.failed
                               or earlier is None or earlier.page(run.name) is None)]
    if not ran:
        return
    blocks = [record for run, _ in ran for record in run.records] + [
        report.BlockRecord(run.name, block.line, "skip", "not run: " + block.attrs["notest"], 0.0)
        for run, _ in ran for block in run.page.blocks if block.kind == "skip"]
    record = report.Report.now(importlib.metadata.version("torch"),
                               [summary for _, summary in ran], blocks,
                               torch.backends.cpu.get_cpu_capability(), torch.get_num_threads())
    if earlier is not None:
        record.merge(earlier)
    record.write(path)


def _rewrite_expected(run: PageRun) -> bool:
    """Write the new Expected outputs into the page, every other byte (line endings included)
    unchanged. Returns whether the page changed."""
    if not run.updates:
        return False
    with open(run.path, encoding="utf-8", newline="") as page:
        lines = io.StringIO(page.read(), newline="").readlines()  # ends kept: \n, \r\n or \r
    for _, (expected, printed) in sorted(run.updates.items(), reverse=True):
        opening, closing = lines[expected.line - 1], lines[expected.end_line - 1]
        indent = opening[: len(opening) - len(opening.lstrip())]
        newline = opening[len(opening.rstrip("\r\n")):] or "\n"
        body = printed.split("\n")
        if body[-1] == "":
            body.pop()  # the newline that ends the last line, not a line of its own
        # An output line of backticks would end the block early: the fence grows past it.
        fence = opening.lstrip()[: len(opening.lstrip()) - len(opening.lstrip().lstrip("`~"))]
        longer = pages.fence_for(printed, fence)
        if longer != fence:
            lines[expected.end_line - 1] = closing.replace(fence, longer, 1)
            lines[expected.line - 1] = opening.replace(fence, longer, 1)
        lines[expected.line: expected.end_line - 1] = [
            (indent + line if line else "") + newline for line in body]
    with open(run.path, "w", encoding="utf-8", newline="") as page:
        page.write("".join(lines))
    return True


def _summary(state: Lessons, run: PageRun, rewritten: bool) -> report.PageSummary:
    # A rewritten page is read again: its summary must describe the page as saved.
    page = state.read(run.path) if rewritten else run.page
    blocks = page.blocks
    records = [r for r in run.records if r.kind != "expected"]
    count = {kind: sum(b.kind == kind for b in blocks)
             for kind in ("python", "file", "shell", "expected", "skip", "invalid")}
    return report.PageSummary(
        page=run.name, blocks=len(blocks),
        executed=count["python"] + count["shell"] + count["file"], compared=count["expected"],
        not_executable=count["skip"], neither=count["invalid"], ran=len(records),
        failed=sum(r.outcome == "failed" for r in records), fingerprint=page.fingerprint())


def pytest_terminal_summary(terminalreporter):
    state = lessons(terminalreporter.config)
    if not state.summaries:
        return
    terminalreporter.section("lesson blocks")
    for summary in state.summaries:
        terminalreporter.write_line(f"{summary.page}: {_counts(summary)}")
    totals = report.PageSummary("total", *(
        sum(getattr(s, name) for s in state.summaries)
        for name in ("blocks", "executed", "compared", "not_executable", "neither", "ran",
                     "failed")), fingerprint="")
    terminalreporter.write_line(f"total: {_counts(totals)}")
    if state.update:
        updated = sum(len(run.updates) for run in state.runs.values())
        terminalreporter.write_line(f"updated {updated} Expected output block(s)")


def _counts(summary: report.PageSummary) -> str:
    return (f"{summary.blocks} blocks, {summary.executed} executed, {summary.compared} outputs "
            f"compared, {summary.not_executable} marked not executable, {summary.neither} neither")
