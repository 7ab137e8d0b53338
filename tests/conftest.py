import contextlib
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Imported before any pytest run inside this one (pytester): an inner run forgets the modules it
# imported (a plain Python fence imports torch in-process), and a C extension imported again in
# the same process crashes it.
import torch  # noqa: F401
from xdist.scheduler import LoadScopeScheduling

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"


def side_by_side_python():
    """The venv's `python` for a test's torch command that trains, waiting passively as the
    doc tests' side-by-side pages do (`make test` runs test files side by side): the same bytes."""
    from lessonkit.engine import runner
    from lessonkit.plugins.lessons import SIDE_BY_SIDE

    return runner.Interpreter((sys.executable,), SIDE_BY_SIDE)


@contextlib.contextmanager
def snippet_modules(*names):
    """The snippet files `names` imported as modules, as the reader's folder imports them; on
    leaving, every module loaded from snippets/ is forgotten, so the next test imports afresh."""
    sys.path.insert(0, str(SNIPPETS))
    try:
        yield [importlib.import_module(name) for name in names]
    finally:
        sys.path.remove(str(SNIPPETS))
        for name, module in list(sys.modules.items()):
            if Path(getattr(module, "__file__", None) or "/").parent == SNIPPETS:
                del sys.modules[name]


def build_site(site: Path, project: Path = ROOT, **env: str) -> Path:
    """The site of `project` (this one by default) built into `site` with `mkdocs build
    --strict` and more environment `env`: any warning fails the test."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
    )
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stderr}", pytrace=False)
    return site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The site, built once per run."""
    return build_site(tmp_path_factory.mktemp("site"))


# With pytest-xdist (`make test`: `-n 3 --dist loadgroup`), the browser's tests are one unit of
# work, as if they were one test, and every other test file is one (as `--dist loadfile` makes
# them): a worker takes the next file when it is done with one. The browser's tests share one
# browser, its pages loaded once each (tests/test_browser.py's `look`). `make test` runs them with
# OMP_WAIT_POLICY=PASSIVE: two files training with torch at once, each with a thread per core,
# slowed each other down many times over while idle threads spun.
BROWSER_TESTS = "tests/test_browser.py"


class _BrowserAsOneUnit(LoadScopeScheduling):
    """The browser's tests one unit, every other file one. pytest-xdist's own `loadgroup`
    cannot group under pytest 9.2: it marks an item's group in its node id, which pytest 9.2 no
    longer reads (pytest-dev/pytest-xdist#1386), and every test would be scheduled alone."""

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::")[0]
        return "browser" if path == BROWSER_TESTS else path


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadgroup":
        return _BrowserAsOneUnit(config, log)
    return None


# The files that take longest (seconds on one of three workers, measured in `make test`'s
# third step: 231, 183, 54, 47, 33), started first so that no worker is left with a long one at
# the end. Their order changes only how soon the run ends.
LONGEST_FIRST = ("tests/test_kernels.py", BROWSER_TESTS, "tests/test_snippet_flags.py",
                 "tests/test_build.py", "tests/test_wrong_pages.py", "tests/test_notebooks.py")


# CI splits the lesson pages into groups, a job each (lessonkit.shards): a group's job runs the
# browser's checks of its pages (`--lesson-pages "docs/a.md docs/b.md"`), and the job of the
# tests that do not grow with the pages runs every other test (`--lesson-pages none`).
def pytest_addoption(parser):
    parser.addoption(
        "--lesson-pages", default="all", metavar="all|none|PAGES",
        help="the browser's checks of which pages of docs/ run: all (default), none (only "
             "the checks tied to no page), or these pages only, e.g. 'docs/vae-basics.md "
             "docs/index.md' (and none of the checks tied to no page)")


def page_of(item) -> str | None:
    """The page of docs/ a browser test checks (its `site_page` or `lesson`, a site URL), as
    "docs/x.md"; None for one tied to no page of docs/ (a notebook's, the 404 page, a search)."""
    if item.nodeid.split("::")[0] != BROWSER_TESTS or not hasattr(item, "callspec"):
        return None
    url = item.callspec.params.get("site_page", item.callspec.params.get("lesson"))
    if not isinstance(url, str):
        return None
    source = "docs/" + (url.rstrip("/") or "index") + ".md"
    return source if (ROOT / source).is_file() else None


def _chosen_pages(config) -> set | None:
    """--lesson-pages as a set of "docs/x.md" (None for all), each checked to be a page."""
    value = config.getoption("lesson_pages")
    if value == "all":
        return None
    if value == "none":
        return set()
    chosen = set()
    for name in value.split():
        path = Path(name)
        if path.suffix != ".md" or not (ROOT / path).is_file() or path.parts[0] != "docs":
            raise pytest.UsageError(f"--lesson-pages: {name} is not a page of docs/ "
                                    "(give paths such as docs/vae-basics.md, or all, or none)")
        chosen.add(path.as_posix())
    if not chosen:
        raise pytest.UsageError("--lesson-pages is empty: give pages, or all, or none")
    return chosen


CHOSEN_PAGES = pytest.StashKey[set | None]()


def pytest_collection(session):
    # Read before collecting: a wrong --lesson-pages stops the run at once.
    session.config.stash[CHOSEN_PAGES] = _chosen_pages(session.config)


def _select_pages(config, items) -> None:
    chosen = config.stash[CHOSEN_PAGES]
    if chosen is None:
        return
    kept, dropped = [], []
    for item in items:
        page = page_of(item)
        # Pages given: only their checks; none: only the checks tied to no page.
        ok = (item.nodeid.split("::")[0] != BROWSER_TESTS
              or (page in chosen if chosen else page is None))
        (kept if ok else dropped).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def pytest_collection_modifyitems(session, config, items):
    """The kernel matrix first: the site's "Verified" notice reads its report
    (reports/kernels.json), and the build, site and browser tests read that notice. In a fresh
    clone the matrix has no report yet, so it must run before anything builds the site (`make
    test` runs it on its own first, then the rest side by side). Then the longest files. The
    browser's checks only of the pages --lesson-pages names."""
    _select_pages(config, items)

    def rank(item):
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


# A one-page project for the plugin tests: an mkdocs.yml whose snippets come from `snips/`.
FIXTURE_MKDOCS_YML = """\
site_name: fixture
markdown_extensions:
  - pymdownx.snippets:
      base_path: [snips]
      check_paths: true
"""


# The plugins a pytest run inside this one needs off: no cache, and no Hypothesis (no page uses
# it). pytester forgets every module an inner run imports, and Hypothesis's plugin imports about
# 90 modules, each rewritten for assertions again on every run (about 1 s each time).
INNER_RUN = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def page_runner(pytester, snippets: dict):
    """A function that writes a page (`page.md`, beside the snippets `snippets`: name -> text)
    and runs pytest on it in-process, with the project's plugins from their entry points."""
    pytester.makefile(".yml", mkdocs=FIXTURE_MKDOCS_YML)
    (pytester.path / "docs").mkdir()  # MkDocs' load_config wants its docs_dir to exist
    (pytester.path / "snips").mkdir()
    for name, text in snippets.items():
        (pytester.path / "snips" / name).write_text(text)

    def run(page: str, *args):
        (pytester.path / "page.md").write_text(page)
        return pytester.runpytest_inprocess(*INNER_RUN, *args, "page.md")

    return run
