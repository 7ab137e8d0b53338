"""Do the engine's tests catch regressions nobody listed? Mutation testing with mutmut.

mutmut writes every small change it knows (an operator, a constant, a comparison, a dropped
argument) into a copy of an engine module, one mutant at a time, and runs the tests that reach the
mutated function; a mutant is killed when one of them fails. Every module of lessonkit/engine/
gets every one of its mutants, in its own copy of the project, against the fast tests that
exercise it (`GROUPS`: tests that call the engine directly; none runs torch or a whole pytest
run; `IN_CHILD` for the one function mutmut cannot follow). A mutant that changes nothing anyone
can observe is listed in `EQUIVALENT` with the reason; the goal is at least 90% of the other
mutants killed, per module and in all (killed / (total - equivalent)), and the exit status is 1
below it.

Each module has a time cap (`GROUPS`, from measured times); the time a module leaves unused goes
to the next one, and the caps add up to 27 minutes, so that the run stays within 30. A mutant
still "not checked" when its module's time is up counts as survived. Prints, per module and in
all, killed, equivalent and survived; each survivor goes to reports/mutants-MODULE.txt with its
diff.

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
GOAL = 0.90
UNITS, RUNNER = "tests/test_engine_units.py", "tests/test_engine_runner.py"
WRONG, ENGINE = "tests/test_wrong_pages.py", "tests/test_engine.py"
# module: the tests its mutants run against, and its minutes at most (measured on 2 cores, with
# other jobs running: compare 73 s, fences 58, includes 39, pages 161, report 64, sources 53,
# writer 39, runner 349; the runner comes last, with whatever time the others left)
GROUPS = {
    "compare": (["tests/test_compare.py", "tests/test_properties.py",
                 f"{ENGINE}::test_numbers_compare_within_tolerance_only",
                 f"{ENGINE}::test_a_relative_tolerance_scales_with_the_number_and_integers_stay_"
                 "exact", f"{ENGINE}::test_a_tolerance_never_excuses_a_changed_sign",
                 f"{WRONG}::test_a_tolerance_never_reads_a_dotted_version_as_numbers",
                 f"{WRONG}::test_a_tolerance_never_hides_a_change_of_printed_precision",
                 f"{WRONG}::test_an_overflowing_number_is_compared_exactly_with_a_clear_message",
                 f"{WRONG}::test_a_tolerance_never_excuses_a_sign_on_an_integer",
                 f"{WRONG}::test_a_diff_shows_trailing_spaces_and_carriage_returns",
                 "tests/test_page_reader.py::test_options_are_read_once_at_their_block"], 3),
    "fences": ([UNITS, "tests/test_page_reader.py"], 2),
    "includes": ([UNITS, "tests/test_includes.py"], 2),
    "pages": ([UNITS, "tests/test_page_reader.py",
               "tests/test_properties.py::test_update_mode_round_trips_any_printable_output",
               f"{ENGINE}::test_read_page_pairs_code_with_the_next_expected_output",
               f"{ENGINE}::test_an_unreadable_fence_is_reported"], 5),
    "report": ([UNITS, f"{ENGINE}::test_the_report_reads_back_what_was_written",
                "tests/test_verification.py::test_a_page_kept_from_another_run_shows_that_runs_"
                "kernels_torch_and_date",
                "tests/test_shards.py::test_a_page_kept_from_an_earlier_run_keeps_that_runs_"
                "kernels_and_date"], 2),
    "sources": ([UNITS], 2),
    "writer": ([UNITS, "tests/test_properties.py::test_update_mode_round_trips_any_printable_"
                "output"], 2),
    "runner": ([RUNNER, f"{UNITS}::test_files_are_saved_in_utf8_and_a_new_version_is_dated_later",
                f"{ENGINE}::test_a_block_runs_in_a_fresh_namespace_with_its_arguments",
                f"{WRONG}::test_a_file_saved_again_in_the_same_second_is_not_taken_from_stale_"
                "bytecode", f"{WRONG}::test_what_a_fresh_python_prints_is_what_the_runner_"
                "captures"], 9),
}
KILLED = {"killed", "caught by type check", "timeout", "segfault"}
# A function that runs only in a command's own process, between fork and exec, where mutmut cannot
# see which test reaches it (it says "no tests"): its mutants run here, against this test.
IN_CHILD = {"runner.x__take_terminal":
            f"{RUNNER}::test_a_command_runs_on_an_80_by_24_terminal_that_is_its_own"}

# Mutants that change nothing a page author, a reader or a report can observe, and why: mutmut's
# names (module.function__mutmut_N) for the engine as of this list; after a change to a module,
# check its entries against `mutmut show NAME` again.
UTF8 = "'UTF-8' is the codec 'utf-8', spelled otherwise"
FALSE = "None is as false as the value it replaces, which is only tested for truth"
RUN = "every character of a fence run is the same, so [1] reads what [0] reads"
STRICT = ("zip's strict=True never fires there: the text around the numbers matched, so both "
          "sides hold as many numbers")
ASCII = "json.dumps writes ASCII only (it escapes the rest), which every encoding writes alike"
TEMPORARY = ("the temporary file exists whenever the except clause runs: only os.replace removes "
             "it, and nothing follows that")
CLOSING = "a closing fence line is its run and spaces: it holds the run once"
POSIX = ("newline translation on POSIX, where os.linesep is '\\n' (the runner's pseudo-terminals "
         "are POSIX only)")
SEPARATOR = ("other separator bytes: the fingerprint still changes exactly when a file name, a "
             "file or an argument does")
EQUIVALENT = {
    "compare.x__is_decimal__mutmut_6": "adds X to the marks looked for: no number holds an X",
    "compare.x__sign__mutmut_6": "adds X to the signs looked for: no number starts with an X",
    "compare.x__sign__mutmut_7": "'XXXX' for an unsigned number instead of '': a sign is only "
                                 "compared with another number's sign",
    "compare.x_mismatch__mutmut_17": STRICT,
    "compare.x_mismatch__mutmut_20": STRICT,
    "compare.x_mismatch__mutmut_23": STRICT,
    "includes.x_origins__mutmut_41": UTF8,
    "pages.x__is_file__mutmut_11": "a missing title read as 'XXXX' ends with '.py' no more than ''",
    "pages.x_classify__mutmut_25": "a missing title read as 'XXXX' ends with '.py' no more than ''",
    "pages.x__link__mutmut_10": FALSE,
    "pages.x__unsupported_syntax__mutmut_4": FALSE,
    "pages.x__unsupported_syntax__mutmut_14": FALSE,
    "pages.x_flatten_containers__mutmut_2": FALSE,
    "pages.x_fence_for__mutmut_15": RUN,
    "pages.x_fence_for__mutmut_17": RUN,
    "pages.x_fence_for__mutmut_23": RUN,
    "pages.x_fence_for__mutmut_18": "default 1 instead of 0: a fence is at least 3 characters "
                                    "long, longer than both",
    "report.x_read__mutmut_8": UTF8,
    "report.xǁReportǁwrite__mutmut_10": ASCII,
    "report.xǁReportǁwrite__mutmut_12": ASCII,
    "report.xǁReportǁwrite__mutmut_22": UTF8,
    "runner.xǁInterpreterǁ__hash____mutmut_1": "every interpreter hashes alike: dicts and sets "
                                              "still tell them apart by equality",
    "runner.x__terminal__mutmut_19": "signed shorts pack 24, 80, 0, 0 into the same bytes",
    "runner.x__terminal__mutmut_27": "clears OPOST (all output processing) instead of ONLCR: on a "
                                     "new pseudo-terminal ONLCR is all OPOST enables",
    "runner.x_run__mutmut_38": "a limit reached with exactly 0.0 s left is caught by the next "
                               "select, of 0 s",
    "runner.x_run__mutmut_55": "a silent terminal checked for an ended command every 1.2 s instead "
                               "of 0.2 s: timing only, the same output and status",
    "runner.x_run__mutmut_65": "reads the terminal 65537 bytes at a time instead of 65536",
    "runner.x_run__mutmut_66": "None ends the read loop as b'' does",
    "runner.x_run__mutmut_87": "bytes.decode's default codec is UTF-8",
    "runner.x_run__mutmut_92": UTF8,
    "runner.x_run__mutmut_108": "a wall time's fourth decimal: noise no run reproduces",
    "runner.x_run_fence__mutmut_17": "also strips the spaces ending the fence's last line, which "
                                     "the REPL ignores",
    "runner.x_run_fence__mutmut_18": "keeps the fence's trailing blank lines and drops its leading "
                                     "ones: a REPL shows only empty prompts for them",
    "runner.x__take_terminal__mutmut_6": "ioctl's argument left out is 0, the one it gets",
    "runner.x__take_terminal__mutmut_7": "fd 1 instead of 0: the same terminal, both its device",
    "runner.x__take_terminal__mutmut_8": "1 would steal a terminal that is another session's "
                                         "controlling one: a new pseudo-terminal is nobody's",
    "runner.x_save_files__mutmut_15": UTF8,
    "runner.x_save_files__mutmut_23": "a new version dated 3 s after the old one instead of 2: any "
                                      "later whole second defeats the bytecode check",
    "sources.x_fingerprint__mutmut_7": SEPARATOR,
    "sources.x_fingerprint__mutmut_8": SEPARATOR,
    "sources.x_fingerprint__mutmut_13": SEPARATOR,
    "sources.x_local_imports__mutmut_9": UTF8,
    "writer.x_rewrite__mutmut_10": UTF8,
    "writer.x_rewrite__mutmut_102": UTF8,
    "writer.x_rewrite__mutmut_117": TEMPORARY,
    "writer.x_rewrite__mutmut_119": TEMPORARY,
    "writer.x_rewrite__mutmut_66": CLOSING,
    "writer.x_rewrite__mutmut_67": CLOSING,
    "writer.x_rewrite__mutmut_94": POSIX,
    "writer.x_rewrite__mutmut_98": POSIX,
}


def run_module(module: str, tests: list, seconds: float) -> tuple[Counter, str]:
    """Killed, equivalent and survived mutants of lessonkit/engine/MODULE.py, and each survivor
    with its diff."""
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
                         f'only_mutate = ["lessonkit/engine/{module}.py"]\n'
                         f'also_copy = ["mkdocs.yml", "snippets"]\n'
                         f'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]\n'
                         f"pytest_add_cli_args_test_selection = [{quoted}]\n"
                         # a mutant that hangs a test is stopped after 5 times the tests' time
                         f"timeout_multiplier = 5.0\n")
        env = {**os.environ, "LESSONKIT_EXAMPLES": "30"}
        mutmut = [str(MUTMUT)]
        # A session of its own, so that the time cap stops the children mutmut forks as well.
        running = subprocess.Popen([*mutmut, "run", "--max-children", "2"], cwd=work, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            running.wait(timeout=seconds)
        except subprocess.TimeoutExpired:  # what finished counts; the rest stays "not checked"
            os.killpg(running.pid, signal.SIGKILL)
            running.wait()
        done = subprocess.run([*mutmut, "results", "--all", "true"], cwd=work, env=env,
                              capture_output=True, text=True, check=False).stdout
        counts, survivors = Counter(), []
        for name, status in sorted(re.findall(r"^\s*(\S+): (.+)$", done, re.MULTILINE)):
            short = name.removeprefix("lessonkit.engine.")
            test = IN_CHILD.get(short.rpartition("__mutmut_")[0])
            if status == "no tests" and test:
                status = run_in_child(work, env, name, test)
            if status in KILLED:
                counts["killed"] += 1
            elif short in EQUIVALENT:
                counts["equivalent"] += 1
            else:
                counts["survived"] += 1
                diff = "" if status == "not checked" else subprocess.run(
                    [*mutmut, "show", name], cwd=work, env=env, capture_output=True, text=True,
                    check=False).stdout
                survivors.append(f"{name}: {status}\n{diff}")
        return counts, "".join(survivors)


def run_in_child(work: Path, env: dict, name: str, test: str) -> str:
    """A mutant of an IN_CHILD function against its test: mutmut's trampoline reads the mutant's
    name from the environment, which the command's process inherits."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                           test], cwd=work / "mutants", env={**env, "MUTANT_UNDER_TEST": name},
                          capture_output=True, check=False)
    return "killed" if done.returncode == 1 else "survived"


def line(label: str, counts: Counter) -> str:
    judged = counts["killed"] + counts["survived"]
    share = counts["killed"] / judged if judged else 1.0
    return (f"{label}: killed {counts['killed']}, equivalent {counts['equivalent']}, survived "
            f"{counts['survived']} of {sum(counts.values())}: {100 * share:.1f}% killed"
            + ("" if share >= GOAL else f" (goal: {100 * GOAL:.0f}%)"))


def main(argv=None) -> int:
    words = sys.argv[1:] if argv is None else argv
    started = time.perf_counter()
    total, below = Counter(), []
    spare = 0.0  # seconds the modules before left unused
    for module, (tests, minutes) in GROUPS.items():
        if words and not any(word in module for word in words):
            continue
        module_started = time.perf_counter()
        cap = minutes * 60 + spare
        counts, survivors = run_module(module, tests, cap)
        seconds = time.perf_counter() - module_started
        spare = max(0.0, cap - seconds)
        total += counts
        (ROOT / "reports").mkdir(exist_ok=True)
        (ROOT / "reports" / f"mutants-{module}.txt").write_text(survivors, encoding="utf-8")
        print(line(f"lessonkit/engine/{module}.py", counts)
              + f"; {seconds:.0f} s of {cap:.0f}", flush=True)
        if counts["killed"] < GOAL * (counts["killed"] + counts["survived"]):
            below.append(module)
    minutes = (time.perf_counter() - started) / 60
    print(line("total", total) + f"; {minutes:.1f} min")
    print("survivors: reports/mutants-MODULE.txt")
    return 1 if below or total["killed"] < GOAL * (total["killed"] + total["survived"]) else 0


if __name__ == "__main__":
    sys.exit(main())
