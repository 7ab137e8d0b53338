"""pytest plugin (entry point `pytest11`, beside `lessonkit.plugins.lessons`): lessonkit's part in a
`pytest --markdown-docs --markdown-docs-syntax=superfences` run, through pytest-markdown-docs'
documented hooks only.

pytest-markdown-docs runs a page's plain Python fences (` ```python `, ` ```{.python
continuation} `): short statements a reader pastes into a REPL, checking themselves with `assert`.
Every other fence is lessonkit's (files, commands, Expected outputs, `notest="why"` blocks, wrong
blocks): `lessonkit.plugins.lessons` runs or reports it, and pytest-markdown-docs must never run it.

- `pytest_markdown_docs_markdown_it` (tryfirst, so it wins over pytest-markdown-docs' own
  parser) gives it a parser whose token stream is the page as `lessonkit.engine.pages` reads
  it: includes expanded as the site shows them, fences inside admonitions, details and tabs
  found (at their page lines), each plain Python fence tagged `python` or `python continuation`
  (read alike in either fence syntax) and every other fence retagged `lessonkit-KIND`, a
  language it does not run. It reads only a bare `notest`; our `notest="why"` is retagged too.
- Around each fence it runs, the working directory is the page's folder (`lessonkit.plugins.
  lessons`), first on `sys.path`: a REPL started in the reader's folder, holding the files the
  page has shown above the fence and what the commands above it wrote, so `from tiny_vae_2d
  import TinyVAE` works once the page has shown `tiny_vae_2d.py`. Modules imported from it are
  forgotten afterwards. A fresh REPL starts torch from a random seed: a fence that draws seeds
  first, as a reader must. Each fence's outcome goes into the page's record.
"""

import contextlib
import functools
import os
import sys
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from lessonkit.engine import includes, pages, report, runner
from lessonkit.engine.pages import Kind
from lessonkit.plugins import lessons

MARKER = "markdown-docs"  # pytest-markdown-docs' documented marker of its items


def pytest_configure(config):
    config.pluginmanager.register(Fences(config), "lessonkit-markdown-docs")


class Fences:
    """The hooks, holding one run's state (a run inside a run, under pytester, has its own)."""

    def __init__(self, config):
        self.config = config
        self.expand = functools.partial(includes.expand,
                                        config_file=config.rootpath / _mkdocs_yml(config))

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
            if block.kind == Kind.PYTHON:
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
        run = lessons.lessons(self.config).page_run(item.path)
        block = run.page.block_at(item.start_line)
        # The page's folder, holding the files shown above the fence (the versions in effect
        # there) and whatever the commands above it left: lessonkit's items of the page ran
        # before this one, in page order.
        runner.save_files(run.folder, pages.runnable(block)["files"], run.saved)
        started, outcome = time.perf_counter(), "failed"
        try:
            with _repl_in(run.folder):
                result = yield
            outcome = "passed"
            return result
        finally:
            run.records.append(report.BlockRecord(run.name, block.line, Kind.PYTHON, outcome,
                                                  round(time.perf_counter() - started, 4)))


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
