"""How the build, the doc tests, a browser's visits and the search index grow with the lessons.

A temporary copy of the project holds COPIES copies of every lesson page (a page with commands):
docs/NAME.md, then docs/NAME-copyK.md for K = 2..COPIES, copy K a section of the navigation
("Copy K", as a course's chapter). For each count of copies:
- build: `mkdocs build --strict`, starting from the project's build cache (figures and notebooks
  belong to snippets, not pages: they are drawn once whatever the count, so this measures pages);
- doc tests: make test's doc-test command on that tree (every page's commands run again);
- browser: every page of the built site loaded once in Chromium, with the browser tests' checks
  (`tests.browser.visit`), one after the other; also the mean visit to the course's own lesson
  pages (the same pages at every count), and the same visits again with the smallest count's
  search index in place of the site's (Material's search fetched and indexed the whole index on
  every page load, until docs/assets/search-on-demand.js held it back: this shows it stays so);
- search index: the size of search/search_index.json.
Then, for each step, the least-squares line through (lessons, value): its slope is the cost of
one more lesson, and the largest gap between a measurement and the line says whether the growth
is linear.

    python benchmarks/scale.py                    # 1, 8 and 32 copies: about an hour on 2 cores
    python benchmarks/scale.py --copies 1,2,4     # a quicker look
    python benchmarks/scale.py --steps build,browser,"search index"   # no doc tests: minutes
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve, visit  # noqa: E402
from tests.test_reader_env import lesson_pages  # noqa: E402  (the pages with commands)

STEPS = ("build", "doc tests", "browser", "search index")
UNITS = {"build": "s", "doc tests": "s", "browser": "s", "search index": "KB"}


def project(copies: int, where: Path) -> int:
    """The project in `where` with `copies` copies of every lesson page; how many lessons."""
    for name in ("docs", "snippets", "overrides"):
        shutil.copytree(ROOT / name, where / name)
    shutil.copy(ROOT / "pyproject.toml", where)
    for cache in ("lessonkit", "mkdocs-jupyter"):  # the figures and notebooks, already made
        if (ROOT / ".cache" / cache).is_dir():
            shutil.copytree(ROOT / ".cache" / cache, where / ".cache" / cache)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # The build's own code stays where it is (the hooks, and the folder `make serve` watches).
    config = config.replace("  - lessonkit/site/hooks.py", f"  - {ROOT}/lessonkit/site/hooks.py")
    config = config.replace("\n  - lessonkit\n", f"\n  - {ROOT}/lessonkit\n")
    if not re.search(r"\nnav:\n(  .*\n|\s*\n)*\Z", config):
        sys.exit("mkdocs.yml must end with its nav: the copies are added at its end")
    pages = lesson_pages()
    for number in range(2, copies + 1):
        config += f"  - Copy {number}:\n"
        for page in pages:
            copy = f"{page.stem}-copy{number}.md"
            shutil.copy(page, where / "docs" / copy)
            config += f"      - {copy}\n"
    (where / "mkdocs.yml").write_text(config, encoding="utf-8")
    return len(pages) * copies


def timed(command: list[str], where: Path, what: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=where, capture_output=True, text=True, check=False,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if done.returncode != 0:
        sys.exit(f"{what} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return time.perf_counter() - started


def browse(site: Path, own: list[str], small_index: bytes | None) -> dict:
    """Every page of `site` loaded once, with the browser tests' checks: {"browser": the time of
    all, "one page": the mean visit to the pages `own` (the course's own lesson pages, the same
    at every count: it stays the same if no page grows with the course)}; with `small_index`,
    also "small index": `own` visited again with it in place of the site's search index (what
    of a visit's growth is the site's search index; none once a page loads it only for a
    search)."""
    from playwright.sync_api import sync_playwright

    url, server = serve(site)
    pages = sorted(str(path.relative_to(site).parent) + "/" if path.name == "index.html"
                   else str(path.relative_to(site)) for path in site.rglob("*.html"))

    def timed_visit(tab, page: str) -> float:
        started = time.perf_counter()
        problems = visit(tab, url + ("" if page == "./" else page)).problems
        if problems:
            sys.exit(f"{page}: {problems[0]}")
        return time.perf_counter() - started

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            values = {"browser": sum(timed_visit(tab, page) for page in pages),
                      # again, once every page has been visited, as the visits below
                      "one page": statistics.mean(timed_visit(tab, page) for page in own)}
            if small_index is not None:
                (site / "search" / "search_index.json").write_bytes(small_index)
                values["small index"] = statistics.mean(timed_visit(tab, page) for page in own)
            browser.close()
    finally:
        server.shutdown()
    return values


def site_path(page: Path) -> str:
    """The site path of `page` under docs/ (directory URLs): docs/a/b.md -> "a/b/", index -> ""."""
    path = page.relative_to(ROOT / "docs").with_suffix("").as_posix()
    return "" if path == "index" else path.removesuffix("/index") + "/"


def measure(copies: int, steps: tuple[str, ...] = STEPS,
            small_index: bytes | None = None) -> tuple[int, dict, bytes]:
    """The lessons of `copies` copies, each of `steps` measured on them (the browser and the
    search index need the build, which always runs), and the built site's search index."""
    with tempfile.TemporaryDirectory(prefix="scale-") as folder:
        where = Path(folder)
        lessons = project(copies, where)
        site = where / "site"
        values = {"build": timed([sys.executable, "-m", "mkdocs", "build", "--strict",
                                  "--site-dir", str(site)], where, "the build")}
        if "doc tests" in steps:
            values["doc tests"] = timed([
                sys.executable, "-m", "pytest", "-n", "auto", "--dist", "loadfile",
                "--markdown-docs", "--markdown-docs-syntax=superfences", "--reader-venvs", "docs",
                "-q", "-p", "no:cacheprovider"], where, "the doc tests")
        index = (site / "search" / "search_index.json").read_bytes()
        values["search index"] = len(index) / 1024
        if "browser" in steps:
            values.update(browse(site, [site_path(page) for page in lesson_pages()], small_index))
    return lessons, values, index


def line(points: list[tuple[int, float]]) -> tuple[float, float, float]:
    """Least squares through `points`: (slope, intercept, largest gap from the line as a share
    of the measured value)."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    intercept = mean_y - slope * mean_x
    gap = max(abs(y - (intercept + slope * x)) / y for x, y in points if y)
    return slope, intercept, gap


def counts(text: str) -> list[int]:
    try:
        values = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers like 1,8,32, got {text!r}") from None
    if len(values) < 2 or not all(1 <= value <= 64 for value in values):
        raise argparse.ArgumentTypeError(f"expected two or more counts from 1 to 64, got {text!r}")
    return values


def chosen_steps(text: str) -> tuple[str, ...]:
    """The steps named in `text`, in STEPS' order; the search index always (it costs nothing)."""
    names = [part.strip() for part in text.split(",")] + ["search index"]
    unknown = [name for name in names if name not in STEPS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown step {unknown[0]!r}: the steps are {', '.join(STEPS)}")
    return tuple(step for step in STEPS if step in names)


class _OneLineErrors(argparse.ArgumentParser):
    def error(self, message):  # one line and status 2, no usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv=None):
    parser = _OneLineErrors(prog=Path(__file__).name, description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=counts, default=[1, 8, 32],
                        help="copies of the lesson pages, comma-separated (default: 1,8,32)")
    parser.add_argument("--steps", type=chosen_steps, default=STEPS,
                        help="the steps to measure, comma-separated (default: all four: "
                        + ", ".join(STEPS) + ")")
    arguments = parser.parse_args(argv)
    copies, steps = arguments.copies, arguments.steps
    rows, small_index = [], None
    for count in copies:
        lessons, values, index = measure(count, steps, small_index)
        small_index = small_index or index  # the smallest site's
        rows.append((lessons, values))
        visits = ""
        if "one page" in values:
            visits = f"; a visit to one of the course's own lesson pages {values['one page']:.2f} s"
        if "small index" in values:
            visits += (f", {values['small index']:.2f} s with the {rows[0][0]}-lesson site's "
                       "search index")
        print(f"{count} copies, {lessons} lessons: " + ", ".join(
            f"{step} {values[step]:.1f} {UNITS[step]}" for step in steps) + visits, flush=True)
    print(f"\n{os.cpu_count()} cores. Per lesson (least squares), and the largest gap between a "
          "measurement and the line:")
    print("| step | per lesson | fixed | largest gap | per lesson measured |")
    print("| --- | ---: | ---: | ---: | --- |")
    for step in steps:
        slope, intercept, gap = line([(lessons, values[step]) for lessons, values in rows])
        each = ", ".join(f"{values[step] / lessons:.2f}" for lessons, values in rows)
        print(f"| {step} | {slope:.2f} {UNITS[step]} | {intercept:.1f} {UNITS[step]} | "
              f"{gap:.0%} | {each} |")


if __name__ == "__main__":
    main()
