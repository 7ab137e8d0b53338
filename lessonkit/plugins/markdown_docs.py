"""pytest plugin (entry point `pytest11`, beside `lessonkit.plugins.lessons`): lessonkit's part in a
`pytest --markdown-docs --markdown-docs-syntax=superfences` run, through pytest-markdown-docs'
documented hooks only.

pytest-markdown-docs runs a page's plain Python fences (` ```python `, ` ```{.python
continuation} `): short statements a reader pastes into a REPL, checking themselves with `assert`.
Every other fence is lessonkit's (files, commands, Expected outputs, `notest="why"` blocks, wrong
blocks): `lessonkit.plugins.lessons` runs or reports it, and pytest-markdown-docs must never run it.

- `pytest_markdown_docs_markdown_it` (tryfirst, so it wins over pytest-markdown-docs' own
  parser) gives it a parser whose token stream is the page as `lessonkit.engine.pages` reads it: includes
  expanded as the site shows them, fences inside admonitions, details and tabs found (at their page
  lines), each plain Python fence tagged `python` or `python continuation` (read alike in either
  fence syntax) and every other fence retagged `lessonkit-KIND`, a language it does not run.
  It reads only a bare `notest`; lessonkit's `notest="why"` is retagged like the rest.
- Around each fence it runs, the working directory is a new folder holding the files the page has
  shown above the fence (the versions in effect there), first on `sys.path`: a REPL started in
  the reader's folder of saved files, so `from tiny_vae_2d import TinyVAE` works once the page
  has shown `tiny_vae_2d.py`. Modules imported from it are forgotten afterwards, and torch's
  random state is restored: lessonkit's commands run in this process too. A fresh interpreter
  starts torch from a random seed, so a fence that draws seeds first, as a reader must.
"""

import contextlib
import functools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest
import torch
from markdown_it import MarkdownIt
from markdown_it.token import Token

from lessonkit.engine import includes, pages, report
from lessonkit.plugins import lessons as pytest_plugin

MARKER = "markdown-docs"  # pytest-markdown-docs' documented marker of its items


def pytest_configure(config):
    config.pluginmanager.register(Fences(config), "lessonkit-markdown-docs")


class Fences:
    """The hooks, holding one run's state (a run inside a run, under pytester, has its own)."""

    def __init__(self, config):
        self.config = config
        self.expand = functools.partial(includes.expand,
                                        config_file=config.rootpath / _mkdocs_yml(config))
        self.tmp = Path(tempfile.mkdtemp(prefix="fences-"))
        self.pages: dict[Path, pages.Page] = {}  # each page read once
        self.collected: dict[Path, None] = {}  # the pages of this run, in order, once each
        self.outcomes: list[str] = []  # of each fence pytest-markdown-docs ran

    def page(self, path: Path) -> pages.Page:
        if path not in self.pages:
            self.pages[path] = pages.read_page(Path(path).read_text(encoding="utf-8"),
                                               self.expand)
        return self.pages[path]

    # optionalhook: the spec is pytest-markdown-docs', a dependency; tryfirst: ours is used.
    @pytest.hookimpl(tryfirst=True, optionalhook=True)
    def pytest_markdown_docs_markdown_it(self) -> MarkdownIt:
        parser = MarkdownIt("commonmark")
        parser.core.ruler.push("lessonkit_fences", self._retag)
        return parser

    def _retag(self, state) -> None:
        """Replace the parsed tokens with one fence token per block lessonkit reads."""
        tokens = []
        for block in pages.read_page(state.src, self.expand).blocks:
            token = Token("fence", "code", 0)
            token.map, token.markup = [block.line - 1, block.end_line], "```"
            if block.kind == "python":
                # Read alike by both of its fence syntaxes.
                token.info = "python continuation" if "continuation" in block.attrs else "python"
                token.content = block.code
            else:
                token.info, token.content = f"lessonkit-{block.kind}", block.source
            tokens.append(token)
        state.tokens = tokens

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        if item.get_closest_marker(MARKER) is None or item.path.suffix != ".md":
            return (yield)
        # start_line: pytest-markdown-docs' 1-based line of the fence's opening line.
        block = self.page(item.path).block_at(item.start_line)
        folder = Path(tempfile.mkdtemp(prefix=f"{item.path.stem}-line{block.line}-",
                                       dir=self.tmp))
        for name, file_block in block.files.items():
            # As the page shows it: pymdownx.snippets drops the section markers.
            (folder / name).write_text(includes.without_markers(file_block.code),
                                       encoding="utf-8")
        # A fence that seeds or draws leaves the process's random state (lessonkit's commands run
        # in this process too) as it found it.
        state = torch.random.get_rng_state()
        started, outcome = time.perf_counter(), "failed"
        try:
            with _repl_in(folder):
                result = yield
            outcome = "passed"
            return result
        finally:
            torch.random.set_rng_state(state)
            self.record(item.path, block.line, outcome, time.perf_counter() - started)

    def record(self, path: Path, line: int, outcome: str, seconds: float) -> None:
        """Put the fence's outcome in the doc tests' record (reports/doctests.json), which the
        "Verified" notice reads: a page is verified only when its fences ran and passed too."""
        self.outcomes.append(outcome)
        if self.config.pluginmanager.has_plugin("lessons"):
            run = pytest_plugin.lessons(self.config).page_run(path)
            run.records.append(report.BlockRecord(run.name, line, "python", outcome,
                                                  round(seconds, 4)))

    # -- the run's summary: how many fences pytest-markdown-docs ran, or that it ran none --------

    # Not pytest_collect_file: pytest calls it for every file beside the ones asked for (`pytest
    # docs/a.md` offers it docs/b.md and README.md too), and collects only those asked for.
    def pytest_collectstart(self, collector):
        if isinstance(collector, pytest.File) and collector.path.suffix == ".md":
            self.collected[Path(collector.path)] = None

    def pytest_terminal_summary(self, terminalreporter):
        fences = sum(block.kind == "python" for path in self.collected
                     for block in self.page(path).blocks)
        if not fences:
            return
        if not self.config.getoption("markdowndocs", False):
            line = (f"{fences} plain Python fence(s) on these pages NOT run: pytest-markdown-docs "
                    "runs them with --markdown-docs --markdown-docs-syntax=superfences")
        else:
            line = (f"pytest-markdown-docs ran {len(self.outcomes)} plain Python fence(s): "
                    f"{self.outcomes.count('passed')} passed, "
                    f"{self.outcomes.count('failed')} failed")
        terminalreporter.section("plain Python fences")
        terminalreporter.write_line(line)

    def pytest_unconfigure(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def _mkdocs_yml(config) -> str:
    # lessonkit.plugins.lessons declares the ini option; `-p no:lessons` leaves the default.
    try:
        return config.getini("lessons_mkdocs_yml")
    except ValueError:
        return "mkdocs.yml"


@contextlib.contextmanager
def _repl_in(folder: Path):
    """As a `python` REPL started in `folder`: working directory and first entry of sys.path."""
    saved_path, saved_cwd = list(sys.path), os.getcwd()
    sys.path.insert(0, str(folder))
    os.chdir(folder)
    try:
        yield
    finally:
        sys.path[:] = saved_path
        os.chdir(saved_cwd)
        for name, module in list(sys.modules.items()):
            if Path(getattr(module, "__file__", None) or "/").parent == folder:
                del sys.modules[name]
