"""How fast are the doc tests? Their wall time against two floors measured in the same run.

- doc tests: make test's doc-test command (pytest-xdist, every page's commands and fences, the
  comparison, the report);
- serial floor: every page's commands, one after another, each a fresh `python FILE ARGS` process
  of the page's reader's venv (as the doc tests run them, `--reader-venvs`) in a folder holding
  the page's files (saved in page order, as `pages.runnable` gives them), and nothing else;
- parallel floor: the same with the pages in parallel on every core, as the doc tests spread them:
  pytest-xdist (`-n auto --dist loadfile`) over one test file per page whose one test runs the
  page's commands as the doc tests start commands side by side (`lessonkit.engine.runner`,
  `lessons.SIDE_BY_SIDE`). It differs from the doc tests only by reading the pages, the
  comparison, the report and the plain Python fences.

Each is measured REPEAT times, alternating, and the median is printed; read the ratios, since
this machine's absolute speed varies from run to run.
"""

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lessonkit.engine import includes, pages, runner
from lessonkit.engine.pages import Kind
from lessonkit.platforms import reader
from lessonkit.plugins import lessons

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 3
def serial_python(python: str) -> runner.Interpreter:
    """One command at a time, as a reader runs them."""
    return runner.Interpreter((python,), lessons.DOCTEST_PYTHON.env)


def parallel_python(python: str) -> runner.Interpreter:
    """Commands side by side, as the doc tests start them."""
    return runner.Interpreter((python,), {**lessons.SIDE_BY_SIDE, **lessons.DOCTEST_PYTHON.env})


def command_blocks() -> list[tuple[str, list[dict]]]:
    """Each page's reader's `python` and command blocks, in page order, as the runner takes
    them."""
    expand = functools.partial(includes.expand, config_file=ROOT / "mkdocs.yml")
    found = []
    for path in sorted((ROOT / "docs").rglob("*.md")):
        page = pages.read_page(path.read_text(encoding="utf-8"), expand)
        blocks = [{**pages.runnable(block), "exit": block.exit_status}
                  for block in page.blocks if block.kind == Kind.SHELL]
        if blocks:
            python = reader.python_for(reader.install_commands(page))
            found.append((str(python), blocks))
    return found


def run_page(blocks: list[dict], interpreter: runner.Interpreter) -> None:
    """A page's commands in a new folder that receives its files where the page shows them."""
    with tempfile.TemporaryDirectory(prefix="bench-page-") as folder:
        saved = {}
        for block in blocks:
            done = runner.run_block(block, Path(folder), saved, interpreter)
            if any(code != block["exit"] for code in done.exit_codes):
                sys.exit(f"line {block['line']}: {done.commands} exited {done.exit_codes}:\n"
                         + done.output)


def serial(page_blocks: list) -> None:
    for python, blocks in page_blocks:
        run_page(blocks, serial_python(python))


# One test file per page for the parallel floor: its one test runs the page's commands.
FLOOR_TEST = """import json
import sys

sys.path.insert(0, {bench!r})
import doctest_speed


def test_page():
    doctest_speed.run_page(json.loads({blocks!r}), doctest_speed.parallel_python({python!r}))
"""


def parallel(page_blocks: list) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as folder:
        for number, (python, blocks) in enumerate(page_blocks):
            Path(folder, f"test_page_{number}.py").write_text(
                FLOOR_TEST.format(bench=str(Path(__file__).parent), blocks=json.dumps(blocks),
                                  python=python), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-n", "auto", "--dist", "loadfile", "-q",
             "-p", "no:cacheprovider", "--rootdir", folder, folder],
            cwd=folder, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.exit(f"the parallel floor failed:\n{result.stdout}{result.stderr}")


def doctests(report: str) -> None:
    """Exactly make test's doc-test command."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "auto", "--dist", "loadfile", "--markdown-docs",
         "--markdown-docs-syntax=superfences", "--reader-venvs", "docs", "-q", "-p",
         "no:cacheprovider",
         "--lesson-report", report], cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"the doc tests failed:\n{result.stdout}{result.stderr}")


def seconds(job, *args) -> float:
    started = time.perf_counter()
    job(*args)
    return time.perf_counter() - started


def repeat_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 20:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 20, got {text!r}")
    return int(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=repeat_count, default=REPEAT,
                        help=f"runs of each measurement (default {REPEAT})")
    repeat = parser.parse_args(argv).repeat
    page_blocks = command_blocks()
    commands = sum(len(block["commands"]) for _, blocks in page_blocks for block in blocks)
    times = {"doc tests": [], "serial floor": [], "parallel floor": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            times["doc tests"].append(seconds(doctests, f"{folder}/report.json"))
            times["serial floor"].append(seconds(serial, page_blocks))
            times["parallel floor"].append(seconds(parallel, page_blocks))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"{commands} commands on {len(page_blocks)} pages, {os.cpu_count()} cores; "
          f"median of {repeat} runs each, alternating")
    for name, value in median.items():
        runs = ", ".join(f"{v:.1f}" for v in times[name])
        print(f"{name + ':':16} {value:7.2f} s   ({runs})")
    print(f"doc tests / parallel floor: {median['doc tests'] / median['parallel floor']:.2f}"
          "  (goal: at most 1.15)")
    print(f"serial / parallel floor:    "
          f"{median['serial floor'] / median['parallel floor']:.2f}")


if __name__ == "__main__":
    main()
