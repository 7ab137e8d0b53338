"""How fast are the doc tests? Prints their wall time against two references, measured in one run.

- doc tests: `pytest --markdown-docs ... docs`, as `make test` runs it (a fresh interpreter,
  collection, comparison, the plain Python fences too);
- floor: one fresh interpreter that runs every block's code back to back and nothing else;
- naive: one interpreter per command, the way a shell would run the page (`python FILE args`).

Each is measured REPEAT times, alternating, and the median is reported; the ratios are what to
read, since this machine's absolute speed varies from run to run.
"""

import functools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lessonkit.engine import includes, pages

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 3

FLOOR = """
import contextlib, functools, io, os, sys, time
from pathlib import Path
from lessonkit.engine import includes, pages

folder = Path(sys.argv[1])
expand = functools.partial(includes.expand, config_file=Path("mkdocs.yml").resolve())
commands = []
for number, page_file in enumerate(sorted(Path("docs").rglob("*.md"))):
    page = pages.read_page(page_file.read_text(encoding="utf-8"), expand)
    for name, code in page.files().items():
        (folder / name).write_text(code, encoding="utf-8")
    for block in page.blocks:
        if block.kind == "python":  # a page's Python blocks share one namespace (continuation)
            commands.append(("<block>", block.code, [], number))
        elif block.kind == "shell":
            commands += [(name, page.files()[name], args, None) for name, *args in block.commands]
sys.path.insert(0, str(folder))
os.chdir(folder)
shared = {}
for name, code, args, page in commands:
    sys.argv = [name, *args]
    scope = shared.setdefault(page, {"__name__": "__main__"}) if page is not None else {
        "__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            exec(compile(code, name, "exec"), scope)
        except SystemExit:
            pass
    for module in [m for m in sys.modules if m in {Path(c[0]).stem for c in commands}]:
        del sys.modules[module]
print(len(commands))
"""


def wall(command, cwd=ROOT) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 2):
        sys.exit(f"benchmark command failed: {' '.join(command)}\n{result.stdout}{result.stderr}")
    return elapsed, result.stdout


def main():
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        _, out = wall([python, "-c", FLOOR, folder])
        commands = int(out.split()[-1])
        naive_commands = []
        expand = functools.partial(includes.expand, config_file=ROOT / "mkdocs.yml")
        for page_file in sorted((ROOT / "docs").rglob("*.md")):
            page = pages.read_page(page_file.read_text(encoding="utf-8"), expand)
            naive_commands += [[python, *argv] for b in page.blocks if b.kind == "shell"
                               for argv in b.commands]

        doctests, floor, naive = [], [], []
        for _ in range(REPEAT):
            # `make test`'s doc-test command: lessonkit and pytest-markdown-docs together
            doctests.append(wall([python, "-m", "pytest", "--markdown-docs",
                                  "--markdown-docs-syntax=superfences", "docs", "-q", "-p",
                                  "no:cacheprovider", "--lesson-report",
                                  f"{folder}/report.json"])[0])
            floor.append(wall([python, "-c", FLOOR, folder])[0])
            naive.append(sum(wall(command, cwd=folder)[0] for command in naive_commands))

    doctest_s, floor_s, naive_s = (statistics.median(x) for x in (doctests, floor, naive))
    print(f"blocks run: {commands} commands and code blocks, median of {REPEAT} runs each")
    print(f"doc tests (make test's pytest docs): {doctest_s:6.2f} s")
    print(f"floor (one process, code only):        {floor_s:6.2f} s")
    print(f"naive (one interpreter per command):   {naive_s:6.2f} s")
    print(f"doc tests / floor: {doctest_s / floor_s:.2f}  (goal: at most 1.5)")
    print(f"naive / doc tests: {naive_s / doctest_s:.2f}")


if __name__ == "__main__":
    main()
