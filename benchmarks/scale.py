"""How the build, the doc tests, a browser's visits and the search index grow with the lessons.

A temporary copy of the project holds COPIES copies of every lesson page (a page with commands):
docs/NAME.md, then docs/NAME-copyK.md for K = 2..COPIES, each in
the navigation. For each count of copies:
- build: `mkdocs build --strict`, starting from the project's build cache (figures and notebooks
  belong to snippets, not pages: they are drawn once whatever the count, so this measures pages);
- doc tests: make test's doc-test command on that tree (every page's commands run again);
- browser: every page of the built site loaded once in Chromium, with the browser tests' checks
  (`tests.browser.visit`), one after the other;
- search index: the size of search/search_index.json.
Then, for each step, the least-squares line through (lessons, value): its slope is the cost of
one more lesson, and the largest gap between a measurement and the line says whether the growth
is linear.

    python benchmarks/scale.py                    # 1, 8 and 32 copies: about an hour on 2 cores
    python benchmarks/scale.py --copies 1,2,4     # a quicker look
"""

import argparse
import os
import re
import shutil
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


def browse(site: Path) -> float:
    """Every page of `site` loaded once, with the browser tests' checks; the time of all."""
    from playwright.sync_api import sync_playwright

    url, server = serve(site)
    pages = sorted(str(path.relative_to(site).parent) + "/" if path.name == "index.html"
                   else str(path.relative_to(site)) for path in site.rglob("*.html"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            started = time.perf_counter()
            for page in pages:
                problems = visit(tab, url + ("" if page == "./" else page)).problems
                if problems:
                    sys.exit(f"{page}: {problems[0]}")
            seconds = time.perf_counter() - started
            browser.close()
    finally:
        server.shutdown()
    return seconds


def measure(copies: int) -> tuple[int, dict]:
    with tempfile.TemporaryDirectory(prefix="scale-") as folder:
        where = Path(folder)
        lessons = project(copies, where)
        site = where / "site"
        values = {
            "build": timed([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                            str(site)], where, "the build"),
            "doc tests": timed([sys.executable, "-m", "pytest", "-n", "auto", "--dist",
                                "loadfile", "--markdown-docs",
                                "--markdown-docs-syntax=superfences", "--reader-venvs", "docs",
                                "-q", "-p", "no:cacheprovider"], where, "the doc tests"),
            "browser": browse(site),
            "search index": (site / "search" / "search_index.json").stat().st_size / 1024,
        }
    return lessons, values


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=counts, default=[1, 8, 32],
                        help="copies of the lesson pages, comma-separated (default: 1,8,32)")
    copies = parser.parse_args(argv).copies
    rows = []
    for count in copies:
        lessons, values = measure(count)
        rows.append((lessons, values))
        print(f"{count} copies, {lessons} lessons: " + ", ".join(
            f"{step} {values[step]:.1f} {UNITS[step]}" for step in STEPS), flush=True)
    print(f"\n{os.cpu_count()} cores. Per lesson (least squares), and the largest gap between a "
          "measurement and the line:")
    print("| step | per lesson | fixed | largest gap | per lesson measured |")
    print("| --- | ---: | ---: | ---: | --- |")
    for step in STEPS:
        slope, intercept, gap = line([(lessons, values[step]) for lessons, values in rows])
        each = ", ".join(f"{values[step] / lessons:.2f}" for lessons, values in rows)
        print(f"| {step} | {slope:.2f} {UNITS[step]} | {intercept:.1f} {UNITS[step]} | "
              f"{gap:.0%} | {each} |")


if __name__ == "__main__":
    main()
