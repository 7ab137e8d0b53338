"""Do the engine's tests catch what they claim to? Plant one break at a time and see.

Each mutation below changes the engine's text in one file (old -> new) in a temporary copy of the
project, never in this tree, and runs the tests named with it; at least one must fail. Prints
`caught N/M`, lists the survivors, and exits non-zero if any mutation survives, if a change no
longer applies (the engine's text moved: update the table), or if the named tests fail unmutated.

    python benchmarks/mutations.py          # `make mutations`, also part of `make bench`
    python benchmarks/mutations.py WORDS    # only the mutations whose description has WORDS
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("lessonkit", "tests", "pyproject.toml")
ENGINE = "tests/test_engine.py::"
BUILD = "tests/test_build.py::"
VERIFY = "tests/test_verification.py::"
RELATIVE = ENGINE + "test_a_relative_tolerance_scales_with_the_number_and_integers_stay_exact"


@dataclass
class Mutation:
    what: str
    file: str
    changes: tuple  # (old, new) pairs, each old text found exactly once in the file
    tests: tuple  # node ids, one of which must fail


MUTATIONS = [
    Mutation("extra output lines ignored", "lessonkit/compare.py",
             (("if expected == printed:", "if printed.startswith(expected):"),),
             (ENGINE + "test_an_extra_or_a_missing_line_fails",)),
    Mutation("missing output lines ignored", "lessonkit/compare.py",
             (("if expected == printed:", "if expected.startswith(printed):"),),
             (ENGINE + "test_an_extra_or_a_missing_line_fails",)),
    Mutation("extra lines ignored under a tolerance", "lessonkit/compare.py",
             (("NUMBER.split(printed)", "NUMBER.split(printed[:len(expected)])"),
              ("NUMBER.findall(printed)", "NUMBER.findall(printed[:len(expected)])")),
             (ENGINE + "test_an_extra_or_a_missing_line_fails",)),
    Mutation("sign of a number ignored under a tolerance", "lessonkit/compare.py",
             (("return abs(float(expected) - float(printed)) <= bound",
               "return abs(abs(float(expected)) - abs(float(printed))) <= bound"),),
             (ENGINE + "test_a_tolerance_never_excuses_a_changed_sign",)),
    Mutation("tolerance ten times looser", "lessonkit/compare.py",
             (("if self.relative else self.value", "if self.relative else 10 * self.value"),),
             (ENGINE + "test_tolerance_accepts_inside_and_rejects_outside_its_bound",)),
    Mutation("integers excused by a tolerance", "lessonkit/compare.py",
             (("if _is_integer(expected) or _is_integer(printed):", "if False:"),),
             (RELATIVE,)),
    Mutation("a relative tolerance read as absolute", "lessonkit/compare.py",
             (('relative = text.strip().endswith("%")', "relative = False"),),
             (RELATIVE,)),
    Mutation("kernel matrix: a block that moved under one setting passes", "lessonkit/matrix.py",
             (('verdict["problems"][name] = reasons', "pass"),),
             (VERIFY + "test_a_digit_that_moves_under_one_setting_differs_and_is_named",)),
    Mutation("kernel matrix: the quick set misses a knob's value", "lessonkit/matrix.py",
             (('("avx512", "", 1)', '("avx512", "AVX2", 1)'),),
             (VERIFY + "test_quick_set_covers_every_value_of_every_knob",)),
    Mutation("verification: optional rows decide the notice", "lessonkit/verification.py",
             (("for row in table if row.required)", "for row in table)"),),
             (VERIFY + "test_platform_rows_say_identical_or_differs_with_the_lines_folded",)),
    Mutation("verification: a stale kernel report still passes", "lessonkit/verification.py",
             (('if page["fingerprint"] != fingerprint:\n        return Row(where, environment',
               'if False:\n        return Row(where, environment'),),
             (VERIFY + "test_rows_pass_only_for_the_page_version_they_ran_on",)),
    Mutation("only the last command's output kept", "lessonkit/pytest_plugin.py",
             (("printed += result.output", "printed = result.output"),),
             (ENGINE + "test_every_command_of_a_block_is_compared",)),
    Mutation("exit= ignored", "lessonkit/pytest_plugin.py",
             (('wanted_exit = int(block.attrs.get("exit", 0))', "wanted_exit = 0"),),
             (ENGINE + "test_exit_status_is_checked",)),
    Mutation("continuation starts afresh", "lessonkit/markdown_docs.py",
             (('"python continuation" if "continuation" in block.attrs else "python"',
               '"python"'),),
             ("tests/test_markdown_docs.py::"
              "test_continuation_and_fences_inside_containers_run_in_either_fence_syntax",)),
    Mutation("pytest-markdown-docs runs lessonkit's blocks", "lessonkit/markdown_docs.py",
             (('f"lessonkit-{block.kind}"', '"python"'),),
             ("tests/test_markdown_docs.py::"
              "test_pytest_markdown_docs_runs_no_block_that_lessonkit_owns",)),
    Mutation("CRLF line endings lost by update mode", "lessonkit/pytest_plugin.py",
             (('newline = fence[len(fence.rstrip("\\r\\n")):] or "\\n"', 'newline = "\\n"'),),
             (ENGINE + "test_update_mode_keeps_crlf_line_endings",)),
    Mutation("update mode drops a last line without newline", "lessonkit/pytest_plugin.py",
             (('body = printed.split("\\n")', 'body = printed.split("\\n")[:-1]'),
              ('printed += "\\n"', "pass")),
             (ENGINE + "test_update_mode_keeps_a_last_line_without_newline",)),
    Mutation("a normal run rewrites nothing but passes stale outputs", "lessonkit/pytest_plugin.py",
             (("    if update:\n        run.updates", "    if True:\n        run.updates"),),
             (ENGINE + "test_a_normal_run_never_writes_the_page",)),
    Mutation("the report leaves out blocks marked notest", "lessonkit/pytest_plugin.py",
             (('if block.kind == "skip"]', "if False]"),),
             (ENGINE + "test_the_report_records_every_block",)),
    Mutation("after an update the report describes the stale page", "lessonkit/pytest_plugin.py",
             (("page = state.read(run.path) if rewritten else run.page", "page = run.page"),),
             (ENGINE + "test_update_mode_rewrites_only_the_expected_output",)),
    Mutation("files reached through an import not counted as used", "lessonkit/pages.py",
             (('todo += [f"{module}.py" for module in modules]', "todo += []"),),
             (ENGINE + "test_a_file_used_only_through_an_import_counts_as_used",)),
    Mutation("a file shown twice accepted", "lessonkit/pages.py",
             (('elif earlier is not None and not (replaces or "").strip():', "elif False:"),),
             (ENGINE + "test_a_file_shown_twice_is_an_error_naming_both_lines",)),
    Mutation("every command runs a file's last version", "lessonkit/pages.py",
             (("block.files = dict(files)", "block.files = files"),),
             (ENGINE + "test_a_file_that_replaces_another_runs_from_there_on",)),
    Mutation("replaces= accepted with nothing to replace", "lessonkit/pages.py",
             (("if earlier is None and replaces is not None:", "if False:"),),
             (ENGINE + "test_a_file_that_replaces_another_runs_from_there_on",)),
    Mutation("the Verified fingerprint ignores Expected outputs", "lessonkit/pages.py",
             (("for block in self.blocks]",
               'for block in self.blocks if block.kind != "expected"]'),),
             (ENGINE + "test_the_verified_notice_holds_only_for_the_page_that_was_run",)),
    Mutation("Verified despite failed blocks", "lessonkit/verification.py",
             (("and summary.failed == summary.neither == 0)", "and summary.neither == 0)"),),
             (ENGINE + "test_the_verified_notice_holds_only_for_the_page_that_was_run",)),
    Mutation("cache key without transitive imports", "lessonkit/sources.py",
             (("todo.append(candidate)",
               "todo.append(candidate) if path == script.resolve() else None"),),
             (BUILD + "test_the_cache_key_follows_imports_of_imports",)),
    Mutation("cache key without library versions", "lessonkit/sources.py",
             (("for package in VERSIONED:", "for package in ():"),),
             (BUILD + "test_the_cache_key_follows_the_library_versions",)),
    Mutation("notebook cache key without the generator", "lessonkit/notebooks.py",
             (("return fingerprint(snippet, GENERATOR)", "return fingerprint(snippet)"),),
             (BUILD + "test_the_notebook_cache_key_follows_the_generator",)),
    Mutation("torch seed not reset between blocks", "lessonkit/execute.py",
             (("torch.manual_seed(_FRESH_TORCH_SEED)", "torch.initial_seed()"),),
             (ENGINE + "test_each_block_starts_from_the_same_torch_seed",)),
    Mutation("warnings left to pytest's capture", "lessonkit/execute.py",
             (("warnings.showwarning = _print_warning", "pass"),),
             (ENGINE + "test_a_warning_is_printed_as_a_terminal_shows_it",
              ENGINE + "test_warnings_match_a_fresh_interpreter_on_every_run")),
    Mutation("warnings shown every time, not Python's default filters", "lessonkit/execute.py",
             (("warnings.resetwarnings()", 'warnings.simplefilter("always")'),),
             (ENGINE + "test_warnings_match_a_fresh_interpreter_on_every_run",)),
    Mutation("private-import check looks at top-level names only",
             "tests/test_private_imports.py",
             (('for part in dotted.split("."))', 'for part in dotted.split(".")[:1])'),),
             ("tests/test_private_imports.py::test_the_check_finds_private_imports",)),
    Mutation("private-import check ignores `from x import _name`",
             "tests/test_private_imports.py",
             (('imported = [(node.module, f"{node.module}.{alias.name}") for alias in node.names]',
               "imported = [(node.module, node.module) for alias in node.names]"),),
             ("tests/test_private_imports.py::test_the_check_finds_private_imports",)),
]


def apply(copy: Path, mutation: Mutation) -> None:
    path = copy / mutation.file
    text = path.read_text(encoding="utf-8")
    for old, new in mutation.changes:
        if text.count(old) != 1:
            sys.exit(f"{mutation.what}: {old!r} is not found exactly once in {mutation.file}; "
                     "update the table in benchmarks/mutations.py")
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def failed(copy: Path, tests) -> bool:
    """Whether any of `tests` fails in `copy`, whose lessonkit is imported, not this tree's."""
    env = {**os.environ, "PYTHONPATH": str(copy)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             *tests], cwd=copy, env=env, capture_output=True, text=True)
    return result.returncode != 0


def main(only: str = "") -> int:
    started = time.perf_counter()
    mutations = [mutation for mutation in MUTATIONS if only in mutation.what]
    with tempfile.TemporaryDirectory(prefix="mutations-") as scratch:
        pristine = Path(scratch) / "pristine"
        pristine.mkdir()
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, pristine / name, ignore=shutil.ignore_patterns(
                    "__pycache__"))
            else:
                shutil.copy2(source, pristine / name)
        every_test = sorted({test for mutation in mutations for test in mutation.tests})
        if failed(pristine, every_test):
            print("the named tests fail on the unmutated engine: fix them first")
            return 2
        survivors = []
        for number, mutation in enumerate(mutations, start=1):
            copy = Path(scratch) / f"m{number}"
            shutil.copytree(pristine, copy)
            apply(copy, mutation)
            caught = failed(copy, mutation.tests)
            print(f"{'caught ' if caught else 'SURVIVED'} {mutation.file}: {mutation.what}")
            if not caught:
                survivors.append(mutation)
            shutil.rmtree(copy)
    total = len(mutations)
    print(f"caught {total - len(survivors)}/{total} mutations "
          f"in {time.perf_counter() - started:.0f} s")
    for mutation in survivors:
        print(f"  survivor: {mutation.file}: {mutation.what} (tests: {', '.join(mutation.tests)})")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(" ".join(sys.argv[1:])))
