"""Do the engine's tests catch regressions nobody listed? Mutation testing with mutmut.

mutmut writes every small change it knows (an operator, a constant, a comparison, a dropped call)
into a copy of each engine module, one mutant at a time, and runs the tests that reach the
mutated function; a mutant is killed when one of them fails. Each module gets its own copy of the
project and the tests it needs (`GROUPS`): the comparison and the page reader get every mutant,
the other modules a sample (the first mutants of each function, `SAMPLE`). Each module has a time
cap, and the time a module leaves unused goes to the next one; the caps add up to 23 minutes, so
that the whole run stays within 25 minutes even on a busy machine (on 2 cores at a load average
of 6 to 7, with every module finished, it took 698 s). Prints killed / total per module, with its
time, and a last line `total: killed K of M (P%)`. A mutant still "not checked" when a module's
time is up counts as not killed.

    python benchmarks/mutations.py            # `make mutations`
    python benchmarks/mutations.py pages      # only the modules whose name has WORDS
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"
COPIED = ("lessonkit", "tests", "pyproject.toml", "mkdocs.yml", "snippets")
SAMPLE = "*__mutmut_[1-4]"  # the first four mutants of each function
FAST = ["tests/test_compare.py", "tests/test_properties.py", "tests/test_verification.py",
        "tests/test_engine.py::test_numbers_compare_within_tolerance_only",
        "tests/test_engine.py::test_a_relative_tolerance_scales_with_the_number_and_integers_stay_"
        "exact", "tests/test_engine.py::test_a_tolerance_never_excuses_a_changed_sign",
        "tests/test_wrong_pages.py::test_a_tolerance_never_reads_a_dotted_version_as_numbers",
        "tests/test_wrong_pages.py::test_a_tolerance_never_hides_a_change_of_printed_precision",
        "tests/test_wrong_pages.py::test_an_overflowing_number_is_compared_exactly_with_a_clear_"
        "message", "tests/test_wrong_pages.py::test_a_tolerance_never_excuses_a_sign_on_an_integer",
        "tests/test_wrong_pages.py::test_a_diff_shows_trailing_spaces_and_carriage_returns",
        "tests/test_page_reader.py::test_options_are_read_once_at_their_block"]
PAGES = ["tests/test_page_reader.py",
         "tests/test_properties.py::test_update_mode_round_trips_any_printable_output",
         "tests/test_engine.py::test_read_page_pairs_code_with_the_next_expected_output",
         "tests/test_engine.py::test_an_unreadable_fence_is_reported"]
# module, the tests its mutants run against, every mutant (None) or a sample, minutes at most
# (measured at a load average of 6 to 7 on 2 cores: compare 62 s, pages 186 s, execute 110 s,
# pytest_plugin 257 s, the last four 11 to 31 s)
GROUPS = [
    ("compare", FAST, None, 4),
    ("pages", PAGES, None, 7),
    ("execute", ["tests/test_wrong_pages.py"], SAMPLE, 3),
    ("pytest_plugin", ["tests/test_engine.py"], SAMPLE, 5),
    ("report", ["tests/test_engine.py::test_the_report_reads_back_what_was_written",
                "tests/test_wrong_pages.py::test_a_partial_or_collect_only_run_never_replaces_the_"
                "full_report"], SAMPLE, 1),
    ("replay", ["tests/test_wrong_pages.py::test_the_replay_writes_each_file_where_the_page_"
                "shows_it"], SAMPLE, 1),
    ("matrix", ["tests/test_verification.py"], SAMPLE, 1),
    ("verification", ["tests/test_verification.py"], SAMPLE, 1),
]
KILLED = {"killed", "caught by type check", "timeout", "segfault"}


def run_module(module: str, tests: list, sample: str | None, seconds: float) -> Counter:
    """Statuses of the module's mutants (killed, survived, no tests, not checked, ...)."""
    with tempfile.TemporaryDirectory(prefix=f"mutations-{module}-") as tmp:
        work = Path(tmp)
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, work / name,
                                ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
            else:
                shutil.copy(source, work / name)
        quoted = ", ".join(f'"{test}"' for test in tests)
        with open(work / "pyproject.toml", "a", encoding="utf-8") as config:
            config.write(f'\n[tool.mutmut]\nsource_paths = ["lessonkit"]\n'
                         f'only_mutate = ["lessonkit/{module}.py"]\n'
                         f'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
                         f"pytest_add_cli_args_test_selection = [{quoted}]\n")
        env = {**os.environ, "LESSONKIT_EXAMPLES": "30"}
        command = [str(MUTMUT), "run", "--max-children", "2", *([sample] if sample else [])]
        # A session of its own, so that the time cap stops the children mutmut forks as well.
        mutmut = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            mutmut.wait(timeout=seconds)
        except subprocess.TimeoutExpired:  # what finished counts; the rest stays "not checked"
            os.killpg(mutmut.pid, signal.SIGKILL)
            mutmut.wait()
        done = subprocess.run([str(MUTMUT), "results", "--all", "true"], cwd=work, env=env,
                              capture_output=True, text=True, check=False)
        statuses = Counter()
        survivors = []
        for line in done.stdout.splitlines():
            found = re.match(r"\s*(\S+): (.+)$", line)
            if not found or (sample and not re.search(r"__mutmut_[1-4]$", found[1])):
                continue
            statuses[found[2]] += 1
            if found[2] not in KILLED:
                survivors.append(f"{found[1]}: {found[2]}")
        (ROOT / "reports").mkdir(exist_ok=True)
        (ROOT / "reports" / f"mutants-{module}.txt").write_text(
            "".join(line + "\n" for line in survivors), encoding="utf-8")
        return statuses


def main(argv=None) -> int:
    words = sys.argv[1:] if argv is None else argv
    started = time.perf_counter()
    killed = total = 0
    spare = 0.0  # seconds the modules before left unused
    for module, tests, sample, minutes in GROUPS:
        if words and not any(word in module for word in words):
            continue
        module_started = time.perf_counter()
        cap = minutes * 60 + spare
        statuses = run_module(module, tests, sample, cap)
        seconds = time.perf_counter() - module_started
        spare = max(0.0, cap - seconds)
        caught = sum(count for status, count in statuses.items() if status in KILLED)
        count = sum(statuses.values())
        killed, total = killed + caught, total + count
        rest = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())
                         if status not in KILLED)
        print(f"lessonkit/{module}.py: killed {caught} of {count}"
              + (f" ({100 * caught / count:.0f}%)" if count else "")
              + (" (sampled)" if sample else "") + (f"; not killed: {rest}" if rest else "")
              + f"; {seconds:.0f} s of {cap:.0f}"
              + f"; survivors in reports/mutants-{module}.txt", flush=True)
    print(f"{time.perf_counter() - started:.0f} s")
    print(f"total: killed {killed} of {total} ({100 * killed / max(total, 1):.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
