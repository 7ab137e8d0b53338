"""The kernel matrix's verdicts and the verification table under a page's title."""

import dataclasses
import json
import re

import yaml

from lessonkit.engine import pages, report, runner
from lessonkit.engine.includes import mkdocs_config
from lessonkit.platforms import matrix
from lessonkit.plugins import lessons as lessons_plugin
from lessonkit.site import verification
from lessonkit.site.hooks import TOLERANCE_ANCHOR, tolerance_notes
from tests.conftest import ROOT

BLOCK = {"line": 5, "exit": 0, "expected": {"line": 9, "text": "kl=0.6656\n", "tolerance": None}}


def seen(*outputs):
    return {f"config{i}": {"output": text, "exit_codes": [0]} for i, text in enumerate(outputs)}


def test_a_block_identical_everywhere_holds():
    verdict = matrix.block_verdict(BLOCK, seen("kl=0.6656\n", "kl=0.6656\n"))
    assert verdict["status"] == "identical" and not verdict["varying"]


def test_a_digit_that_moves_under_one_setting_differs_and_is_named():
    verdict = matrix.block_verdict(BLOCK, seen("kl=0.6656\n", "kl=0.6657\n"))
    assert verdict["status"] == "differs"
    assert list(verdict["problems"]) == ["config1"]
    assert verdict["varying"] == [{"output_line": 1, "values": {"kl=0.6656": ["config0"],
                                                                "kl=0.6657": ["config1"]}}]
    assert abs(verdict["largest_deviation"] - 0.0001) < 1e-12


def test_a_declared_tolerance_covers_the_spread():
    block = {**BLOCK, "expected": {**BLOCK["expected"], "tolerance": "0.0001"}}
    verdict = matrix.block_verdict(block, seen("kl=0.6656\n", "kl=0.6657\n"))
    assert verdict["status"] == "within tolerance"


def test_an_error_or_a_wrong_exit_status_differs():
    verdict = matrix.block_verdict(BLOCK, {"a": {"error": "RuntimeError: boom"},
                                           "b": {"output": "kl=0.6656\n", "exit_codes": [1]}})
    assert verdict["problems"] == {
        "a": [{"kind": "error", "text": "RuntimeError: boom"}],
        "b": [{"kind": "exit status",
               "text": "the block (`command 1`) exited with status 1, the page expects 0"}]}


def test_changed_text_has_no_deviation():
    assert matrix.largest_deviation("kl=0.5\n", ["kl=0.5 extra\n"]) is None


def test_quick_set_and_the_doc_tests_own_run_cover_every_value_of_every_knob():
    """The doc tests run every command with the CPU's own kernels (here all three: avx512),
    MKL's own path and a thread per core; the quick set has every other value, once. On two
    cores the doc tests' run has the two threads, and the quick set runs one thread twice."""
    for cores in (1, 2, 4, 64):
        quick = [env for _, env in matrix.configurations(False, "x86_64", matrix.ATEN, cores)]
        assert {env["ATEN_CPU_CAPABILITY"] for env in quick} == set(matrix.ATEN) - {"avx512"}
        assert {env.get("MKL_CBWR", "") for env in quick} == set(matrix.MKL) - {""}
        threads = {int(env["OMP_NUM_THREADS"]) for env in quick} | {cores}  # the doc tests'
        assert threads >= set(matrix.THREADS), cores
        assert all(env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] for env in quick)
        assert len(quick) == 2
    on_two = matrix.configurations(False, "x86_64", matrix.ATEN, 2)
    assert [env["OMP_NUM_THREADS"] for _, env in on_two] == ["1", "1"]
    # The doc tests' own run leaves every knob to the CPU and the reader's defaults.
    assert not set(matrix.KNOBS) & set(lessons_plugin.DOCTEST_PYTHON.env)
    assert not set(matrix.KNOBS) & set(lessons_plugin.SIDE_BY_SIDE)
    assert len(matrix.configurations(full=True, machine="x86_64", kernels=matrix.ATEN)) == 18


def test_the_matrix_hands_out_cores_in_turn_and_starts_the_longest_pages_first():
    import threading

    cores, started = matrix._Cores(4, cores=1), []

    def task(turn):
        with cores.take(1, turn):
            started.append(turn)

    threads = [threading.Thread(target=task, args=(turn,)) for turn in (3, 0, 2, 1)]
    for thread in threads:  # started out of turn: each still waits for the turns before it
        thread.start()
    for thread in threads:
        thread.join(10)
    assert started == [0, 1, 2, 3]
    lessons = {page["page"]: matrix.cost(page)
               for page in matrix.bundle(matrix.lesson_pages())["pages"]}
    assert lessons["docs/vae-digits.md"] > lessons["docs/vae-basics.md"] > 0


def test_kernels_the_cpu_lacks_are_never_asked_for(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n", encoding="utf-8")
    assert matrix.supported_kernels(cpuinfo) == ("default", "avx2")
    quick = matrix.configurations(False, "x86_64", matrix.supported_kernels(cpuinfo))
    assert {env["ATEN_CPU_CAPABILITY"] for _, env in quick} == {"default", "avx2"}
    full = matrix.configurations(True, "x86_64", ("default", "avx2"))
    assert len(full) == 12 and all(env["ATEN_CPU_CAPABILITY"] != "avx512" for _, env in full)
    assert matrix.supported_kernels(tmp_path / "missing") == ("default",)


def test_off_x86_the_matrix_sets_no_x86_kernels():
    for full in (False, True):
        arm = [env for _, env in matrix.configurations(full, machine="aarch64")]
        assert [env["ATEN_CPU_CAPABILITY"] for env in arm] == ["default", "default"]
        assert not any("MKL_CBWR" in env for env in arm)


def test_a_run_of_some_pages_keeps_the_other_pages_of_the_same_settings(tmp_path):
    """`make test-pages PAGES=docs/x.md` runs the quick set on one page: the report keeps the
    other pages' records when it ran the same settings, and nothing of another matrix."""
    configs = [(name, runner.Interpreter(("python",), env))
               for name, env in matrix.configurations(False, "x86_64", ("default", "avx2"), 2)]
    path = tmp_path / "kernels.json"
    path.write_text(json.dumps({
        "configurations": [{"name": name, "settings": interpreter.env}
                           for name, interpreter in configs],
        "pages": [{"page": "docs/a.md"}, {"page": "docs/b.md"}]}))
    assert matrix._kept_pages(path, configs, {"docs/a.md"}) == [{"page": "docs/b.md"}]
    assert matrix._kept_pages(path, configs[:1], {"docs/a.md"}) == []  # other settings
    assert matrix._kept_pages(tmp_path / "none.json", configs, {"docs/a.md"}) == []
    path.write_text("{not json")
    assert matrix._kept_pages(path, configs, {"docs/a.md"}) == []


PAGE = pages.read_page("```{.python title=\"x.py\"}\npass\n```\n\n```bash\npython x.py\n```\n")
FP = PAGE.fingerprint()
CHANGED = pages.read_page("```{.python title=\"x.py\"}\nx=1\n```\n\n```bash\npython x.py\n```\n")
DOCTESTS = report.Report("3.11.7", "2.13.0", "2026-01-02T03:04:05Z",
                         [report.PageSummary("docs/a.md", 2, 2, 0, 0, 0, 1, 0, PAGE.fingerprint())],
                         [], "x86_64", "AVX512", 2)
KERNELS = {"configurations": [{"name": "x", "settings": {"ATEN_CPU_CAPABILITY": "avx2"},
                               "environment": {"torch": "2.13.0", "python": "3.11.7"}}],
           "pages": [{"page": "docs/a.md", "fingerprint": FP,
                      "blocks": [{"line": 3, "status": "identical"}]}]}


def test_rows_pass_only_for_the_page_version_they_ran_on():
    assert verification.doctest_row(DOCTESTS, "docs/a.md", PAGE).passed
    assert verification.matrix_row(KERNELS, "docs/a.md", FP).passed
    stale = verification.matrix_row(KERNELS, "docs/a.md", "f2")
    assert not stale.passed and stale.result.startswith("stale")
    changed = pages.read_page(
        "```{.python title=\"x.py\"}\nx=1\n```\n\n```bash\npython x.py\n```\n")
    assert verification.doctest_row(DOCTESTS, "docs/a.md", changed).result.startswith("stale")


def test_a_page_kept_from_another_run_shows_that_runs_kernels_torch_and_date(tmp_path):
    """A report that kept an earlier run's page (a rerun of another page), or joined CI's page
    groups run on other CPUs: each page's row names the run that ran it."""
    earlier = report.Report("3.11.7", "2.13.0", "2026-01-02T03:04:05Z",
                            [report.PageSummary("docs/a.md", 2, 2, 0, 0, 0, 1, 0, FP)],
                            [], "x86_64", "AVX2", 4)
    later = report.Report("3.11.9", "2.13.0", "2026-02-03T04:05:06Z",
                          [report.PageSummary("docs/b.md", 2, 2, 0, 0, 0, 1, 0, FP)],
                          [], "x86_64", "AVX512", 2)
    later.merge(earlier)
    row = verification.doctest_row(later, "docs/a.md", PAGE)
    assert row.passed and row.date == "2026-01-02" and row.python == "3.11.7"
    assert "AVX2 maths kernels and 4 threads" in row.where
    other = verification.doctest_row(later, "docs/b.md", PAGE)
    assert other.date == "2026-02-03" and "AVX512 maths kernels and 2 threads" in other.where
    # Written and read again, the page keeps its run's description.
    later.write(tmp_path / "doctests.json")
    again = report.read(tmp_path / "doctests.json")
    assert again.made_for(again.page("docs/a.md")) == earlier.header()
    assert again.page("docs/b.md").made == {}


def test_a_missing_report_is_not_run_and_the_page_says_so_in_one_quiet_line():
    rows = [verification.doctest_row(DOCTESTS, "docs/a.md", PAGE),
            verification.matrix_row(None, "docs/a.md", "f1")]
    assert rows[1].result == "not run" and rows[1].missing
    text = verification.notice(rows)
    assert text == verification.SOME_RUN + "\n{: .lessons-unchecked }\n"  # no box
    rows[1] = verification.matrix_row(KERNELS, "docs/a.md", FP)
    assert verification.notice(rows).startswith('??? success "Verified 2026-01-02 with torch')


def test_a_build_with_no_record_shows_one_quiet_line_linking_the_guide():
    rows = [verification.doctest_row(None, "docs/a.md", PAGE),
            verification.matrix_row(None, "docs/a.md", FP)]
    assert verification.notice(rows) == (
        "This build has not run its checks: `make test` runs every command on this page and "
        "compares its output.\n{: .lessons-unchecked }\n")
    assert verification.notice(rows, guide="../verification.md") == (
        "This build has not run its checks: `make test` runs every command on this page and "
        "compares its output. [How this site is verified](../verification.md)\n"
        "{: .lessons-unchecked }\n")
    # A record that does not name the page, or names an earlier version of it, proves nothing.
    elsewhere = dataclasses.replace(DOCTESTS, pages=[dataclasses.replace(DOCTESTS.pages[0],
                                                                          page="docs/b.md")])
    assert verification.notice([verification.doctest_row(elsewhere, "docs/a.md", PAGE),
                                rows[1]]).startswith(verification.NOT_RUN)
    stale = [verification.doctest_row(DOCTESTS, "docs/a.md", CHANGED),
             verification.matrix_row(KERNELS, "docs/a.md", CHANGED.fingerprint())]
    assert verification.notice(stale).startswith(
        "This page changed after its checks last ran: `make test` runs every command")


def test_a_record_that_shows_a_failure_still_warns():
    failed = dataclasses.replace(DOCTESTS, pages=[dataclasses.replace(DOCTESTS.pages[0],
                                                                       failed=1)])
    differs = {**KERNELS, "pages": [{**KERNELS["pages"][0],
                                     "blocks": [{"line": 3, "status": "differs"}]}]}
    for rows in ([verification.doctest_row(failed, "docs/a.md", PAGE),
                  verification.matrix_row(KERNELS, "docs/a.md", FP)],
                 [verification.doctest_row(failed, "docs/a.md", PAGE),
                  verification.matrix_row(None, "docs/a.md", FP)],  # a failure wins
                 [verification.doctest_row(None, "docs/a.md", PAGE),
                  verification.matrix_row(differs, "docs/a.md", FP)]):
        text = verification.notice(rows, guide="verification.md")
        assert text.startswith('!!! warning "Not verified"'), text
        assert "lessons-unchecked" not in text
        assert "[How this site is verified](verification.md)" in text


def test_the_details_speak_a_readers_language_and_link_the_guide():
    arm_runner = dataclasses.replace(DOCTESTS, machine="aarch64")
    table = [verification.doctest_row(DOCTESTS, "docs/a.md", PAGE),
             verification.matrix_row(KERNELS, "docs/a.md", FP),
             verification.doctest_row(arm_runner, "docs/a.md", PAGE, required=False,
                                      label=verification.ARM64_LABEL)]
    text = verification.notice(table, guide="verification.md")
    assert "**Other x86-64 CPUs' maths libraries**: all 1 blocks print" in text
    assert "**ARM64, as on recent Macs and cloud servers**: all" in text
    assert "on an ARM64 machine, with torch's AVX512 maths kernels" in text
    assert "[How this site is verified](verification.md)" in text
    for jargon in ("above", "kernel matrix", "ATen", "issue tracker", "Doc tests"):
        assert jargon not in text, jargon
    # Without the guide (a site that lacks the page), the last paragraph says what to check.
    assert "python -c" in verification.notice(table) and "](" not in verification.notice(table)


def test_a_block_that_differs_fails_the_row():
    report = {**KERNELS, "pages": [{"page": "docs/a.md", "fingerprint": FP,
                                    "blocks": [{"line": 3, "status": "differs"}]}]}
    row = verification.matrix_row(report, "docs/a.md", FP)
    assert not row.passed and row.result == "differs at line 3"


ARM64 = {"kind": "arm64",
         "configurations": [{"name": f"{cpu} (x)", "settings": {},
                             "environment": {"torch": "2.13.0+cu130", "python": "3.11.2",
                                             "machine": "aarch64", "cpu_capability": cap}}
                            for cpu, cap in (("neoverse-n1", "DEFAULT"), ("max", "SVE256"))],
         "pages": [{"page": "docs/a.md", "fingerprint": FP,
                    "blocks": [{"line": 3, "status": "identical", "varying": []},
                               {"line": 7, "status": "differs", "varying": [
                                   {"output_line": 2, "values": {"kl=0.6656": ["the page"],
                                                                 "kl=0.6657": ["max (x)"]}}]}]}]}
LATEST = {**ARM64, "kind": "latest",
          "configurations": [{**ARM64["configurations"][0],
                              "environment": {"torch": "2.15.0", "python": "3.11.7",
                                              "machine": "x86_64", "cpu_capability": "AVX512"}}],
          "pages": [{**ARM64["pages"][0], "blocks": ARM64["pages"][0]["blocks"][:1]}]}


def write_reports(root, **reports):
    (root / "reports").mkdir(exist_ok=True)
    for name, record in reports.items():
        if isinstance(record, report.Report):
            record.write(root / "reports" / f"{name}.json")
        else:
            (root / "reports" / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")


def test_platform_rows_say_identical_or_differs_with_the_lines_folded():
    latest = verification.platform_row(LATEST, "docs/a.md", FP, "")
    assert latest.passed and latest.result == "identical: all 1 blocks"
    assert latest.torch == "2.15.0" and not latest.required
    arm = verification.platform_row(ARM64, "docs/a.md", FP, "")
    assert not arm.passed and arm.result == "differs at line 7"
    assert "neoverse-n1 (DEFAULT), max (SVE256)" in arm.where
    assert arm.details == [f"line 7, output line 2: {verification.code('kl=0.6656')} (the page); "
                           f"{verification.code('kl=0.6657')} (max (x))"]
    text = verification.notice([verification.doctest_row(DOCTESTS, "docs/a.md", PAGE), arm])
    assert text.startswith('!!! success "Verified')  # optional rows state, they do not gate
    arm = "ARM64, as on recent Macs and cloud servers (emulated)"
    assert f"    - **{arm}**: differs at line 7" in text  # not folded away
    assert '    ??? note "How it was verified"' in text
    assert f"        Lines printed otherwise than on the page ({arm}):" in text
    assert "        - line 7, output line 2:" in text


def test_deleting_a_report_turns_its_rows_into_not_run(tmp_path):
    write_reports(tmp_path, doctests=DOCTESTS, kernels=KERNELS, arm64=ARM64, latest=LATEST,
                  **{"doctests-arm64": dataclasses.replace(DOCTESTS, machine="aarch64")})
    before = verification.rows(tmp_path, "docs/a.md", PAGE)
    assert [row.result for row in before][3:] == ["differs at line 7", "identical: all 1 blocks"]
    assert "on an ARM64 machine" in before[2].where and not before[2].required
    for name in ("arm64", "latest", "kernels", "doctests-arm64"):
        (tmp_path / "reports" / f"{name}.json").unlink()
    after = verification.rows(tmp_path, "docs/a.md", PAGE)
    # A required row without its report says "not run"; an optional one is not shown.
    assert [row.result for row in after][1:] == ["not run"]
    assert after[0].passed and not after[1].passed
    # The kernel matrix is required: without its report, the quiet line, not "Verified".
    assert verification.notice(after).startswith(verification.SOME_RUN)
    write_reports(tmp_path, kernels=KERNELS)
    assert verification.notice(verification.rows(tmp_path, "docs/a.md", PAGE)).startswith(
        '??? success "Verified')  # the arm64 and latest rows are optional


def test_changing_a_page_turns_its_rows_into_stale(tmp_path):
    write_reports(tmp_path, doctests=DOCTESTS, kernels=KERNELS, arm64=ARM64, latest=LATEST,
                  **{"doctests-arm64": DOCTESTS})
    table = verification.rows(tmp_path, "docs/a.md", CHANGED)
    assert all(row.result.startswith("stale") and not row.passed for row in table)
    assert not any(row.details for row in table)


# -- one line, the reports of the slow runs chosen by date and page version ---------------------


def dated(record: dict, finished: str, fingerprint: str = FP, torch: str = "") -> dict:
    data = json.loads(json.dumps(record))
    data["finished"] = finished
    data["pages"][0]["fingerprint"] = fingerprint
    if torch:
        data["configurations"][0]["environment"]["torch"] = torch
    return data


def write_history(root, *records):
    history = root / verification.HISTORY
    history.mkdir(parents=True, exist_ok=True)
    for record in records:
        stamp = record["finished"].replace("-", "").replace(":", "")
        (history / f"{record['kind']}-{stamp}.json").write_text(json.dumps(record))


def test_each_slow_row_shows_the_newest_report_made_for_this_page_with_its_date(tmp_path):
    write_reports(tmp_path, doctests=DOCTESTS, kernels=KERNELS)
    write_history(tmp_path,
                  dated(LATEST, "2026-11-10T04:17:00Z", torch="2.14.0"),
                  dated(LATEST, "2026-11-17T04:17:00Z", torch="2.15.0"),
                  dated(LATEST, "2026-11-24T04:17:00Z", "an older page", torch="2.16.0"))
    row = verification.rows(tmp_path, "docs/a.md", PAGE)[2]
    # The newest report is for an older version of the page: the newest matching one wins.
    assert (row.torch, row.date, row.passed) == ("2.15.0", "2026-11-17", True)
    assert row.label == "Newest torch (2.15.0)"
    # A report of this run, for this page, is newer still.
    write_reports(tmp_path, latest=dated(LATEST, "2026-12-01T04:17:00Z", torch="2.16.1"))
    assert verification.rows(tmp_path, "docs/a.md", PAGE)[2].torch == "2.16.1"


def test_with_no_report_for_this_version_the_newest_older_one_shows_stale_with_its_date(
        tmp_path):
    write_reports(tmp_path, doctests=DOCTESTS, kernels=KERNELS)
    write_history(tmp_path, dated(LATEST, "2026-11-10T04:17:00Z", "v1", torch="2.14.0"),
                  dated(LATEST, "2026-11-17T04:17:00Z", "v2", torch="2.15.0"))
    table = verification.rows(tmp_path, "docs/a.md", PAGE)
    assert table[2].result == "stale: made 2026-11-17 for an earlier version of this page"
    assert not table[2].passed and table[2].torch == "2.15.0"
    text = verification.notice(table)
    assert text.startswith('!!! success "Verified')  # the required rows passed
    assert "    - **Newest torch (2.15.0)**: stale: made 2026-11-17" in text  # in the open
    assert "2.15.0" not in text.splitlines()[0]  # the line names only what held


def test_keep_copies_this_runs_slow_reports_into_the_history_and_prunes(tmp_path):
    for day in range(1, verification.KEEP + 3):
        write_reports(tmp_path, latest=dated(LATEST, f"2026-11-{day:02d}T04:17:00Z"))
        verification.keep(tmp_path)
    kept = sorted(p.name for p in (tmp_path / verification.HISTORY).iterdir())
    assert len(kept) == verification.KEEP and kept[-1] == "latest-20261110T041700Z.json"
    assert kept[0] == "latest-20261103T041700Z.json"


def test_the_summary_line_names_torch_python_and_platforms():
    arm_runner = dataclasses.replace(DOCTESTS, machine="aarch64", finished="2026-01-01T00:00:00Z")
    python = dated({**LATEST, "kind": "python"}, "2026-01-02T00:00:00Z")
    python["configurations"][0]["environment"].update(torch="2.13.0", python="3.13.5")
    table = [verification.doctest_row(DOCTESTS, "docs/a.md", PAGE),
             verification.matrix_row(KERNELS, "docs/a.md", FP),
             verification.doctest_row(arm_runner, "docs/a.md", PAGE, required=False),
             verification.platform_row(dated(LATEST, "2026-01-02T00:00:00Z"), "docs/a.md", FP,
                                       ""),
             verification.platform_row(python, "docs/a.md", FP, "")]
    assert all(row.passed for row in table)
    text = verification.notice(table, tolerant=2)
    assert text.splitlines()[0] == (
        '??? success "Verified 2026-01-02 with torch 2.13.0 and 2.15.0, Python 3.11 and 3.13, '
        'on x86-64 and arm64 Linux: every output prints as shown (two may differ in the last '
        'digits, as marked)"')
    assert "    - **Python 3.13**: identical: all 1 blocks" in text  # the details, folded


def test_a_report_made_with_another_torch_than_the_pinned_one_does_not_verify(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["numpy==2.4.6", "torch==2.13.0"]\n')
    assert verification.pinned_torch(tmp_path) == "2.13.0"
    other = dataclasses.replace(DOCTESTS, torch="2.14.1+cpu")
    write_reports(tmp_path, doctests=other, kernels=KERNELS)
    table = verification.rows(tmp_path, "docs/a.md", PAGE)
    assert not table[0].passed
    assert table[0].result == "made with torch 2.14.1, but the project pins 2.13.0"
    assert verification.notice(table).startswith('!!! warning "Not verified"')
    write_reports(tmp_path, doctests=dataclasses.replace(DOCTESTS, torch="2.13.0+cpu"))
    assert verification.rows(tmp_path, "docs/a.md", PAGE)[0].passed  # a build tag is the same
    kernels = dated(KERNELS, "", torch="2.14.1")
    assert not verification.matrix_row(kernels, "docs/a.md", FP, "2.13.0").passed


def test_reports_are_matched_by_the_page_path_not_its_file_name(tmp_path):
    elsewhere = dataclasses.replace(DOCTESTS, pages=[dataclasses.replace(DOCTESTS.pages[0],
                                                                          page="docs/b/a.md")])
    kernels = {**KERNELS, "pages": [{**KERNELS["pages"][0], "page": "docs/b/a.md"}]}
    latest = {**LATEST, "pages": [{**LATEST["pages"][0], "page": "docs/b/a.md"}]}
    assert verification.doctest_row(elsewhere, "docs/a.md", PAGE).result == "not run"
    assert verification.matrix_row(kernels, "docs/a.md", FP).result == "not run"
    assert verification.platform_row(latest, "docs/a.md", FP, "").result == \
        "not run for this page"
    assert verification.doctest_row(elsewhere, "docs/b/a.md", PAGE).passed


def test_editing_a_snippet_the_page_includes_or_a_file_it_imports_turns_it_stale(tmp_path):
    from lessonkit.engine import includes

    (tmp_path / "snips").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nmarkdown_extensions:\n"
                                         "  - pymdownx.snippets:\n      base_path: [snips]\n"
                                         "      check_paths: true\n")
    (tmp_path / "snips" / "helper.py").write_text("SCALE = 2\n")
    (tmp_path / "snips" / "main.py").write_text("from helper import SCALE\nprint(SCALE)\n")
    text = ('```{.python title="helper.py"}\n--8<-- "helper.py"\n```\n\n'
            '```{.python title="main.py"}\n--8<-- "main.py"\n```\n\n'
            '```bash\npython main.py\n```\n')

    def read():
        return pages.read_page(text, lambda code: includes.expand(code, tmp_path / "mkdocs.yml"))

    before = read()
    record = dataclasses.replace(DOCTESTS, pages=[dataclasses.replace(
        DOCTESTS.pages[0], fingerprint=before.fingerprint(), ran=1)])
    assert verification.doctest_row(record, "docs/a.md", before).passed
    for name, new in (("helper.py", "SCALE = 3\n"),  # imported by main.py
                      ("main.py", "from helper import SCALE\nprint(SCALE * 1)\n")):
        old = (tmp_path / "snips" / name).read_text()
        (tmp_path / "snips" / name).write_text(new)
        row = verification.doctest_row(record, "docs/a.md", read())
        assert row.result.startswith("stale") and not row.passed, name
        (tmp_path / "snips" / name).write_text(old)
    assert verification.doctest_row(record, "docs/a.md", read()).passed


# -- what a run printed is shown as text, never read as markup -----------------------------------

# Lines a run may print: HTML, a backtick that closed the notice's code span, Markdown (emphasis,
# a link, an image, math, a highlighted span), character references, a fence.
PRINTED = ["` <img src=x onerror=alert(1)>", "</details><script>alert(1)</script>", "`",
           "*a* __b__ [x](javascript:alert(1)) ![i](https://x.org/i.png) <https://x.org>",
           "$x$ \\(y\\)",
           "#!python print(1)", "&lt; &amp; &#60; \\` ``` ~~~", "x  <!-- y -->"]


def test_what_a_run_printed_is_shown_as_text_in_the_built_notice(tmp_path):
    """Two pages, one whose newest-torch report holds PRINTED as the lines that vary, one whose
    report holds lines of letters of the same lengths, built with the site's Markdown extensions
    and hooks: both notices have the same elements, and each PRINTED line is a <code>'s text."""
    from bs4 import BeautifulSoup

    from lessonkit.engine import includes
    from tests.conftest import ROOT, build_site

    site = mkdocs_config(ROOT / "mkdocs.yml")
    (tmp_path / "docs").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "demo.py").write_text("print(1)\n")
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump({
        "site_name": "x", "theme": {"name": "material"},
        "hooks": [str(ROOT / "lessonkit" / "site" / "hooks.py")],
        "markdown_extensions": [{name: site["mdx_configs"].get(name, {})}
                                for name in site["markdown_extensions"]]}))
    text = ('# A page\n\n```{.python title="demo.py"}\n--8<-- "demo.py"\n```\n\n'
            '```bash\npython demo.py\n```\n\n```{.text title="Expected output"}\n1\n```\n')
    fingerprint = pages.read_page(
        text, lambda code: includes.expand(code, tmp_path / "mkdocs.yml")).fingerprint()
    plain = [chr(ord("a") + i) * len(line) for i, line in enumerate(PRINTED)]
    latest = {**LATEST, "pages": [
        {"page": f"docs/{name}.md", "fingerprint": fingerprint, "blocks": [
            {"line": 7, "status": "differs", "varying": [
                {"output_line": 1, "values": {line: ["the page"] for line in lines}}]}]}
        for name, lines in (("printed", PRINTED), ("plain", plain))]}
    # Both pages verified, so that the notice is a box listing the newest torch's row.
    names = ("printed", "plain")
    runs = sum(block.runs for block in pages.read_page(
        text, lambda code: includes.expand(code, tmp_path / "mkdocs.yml")).blocks)
    doctests = dataclasses.replace(DOCTESTS, pages=[dataclasses.replace(
        DOCTESTS.pages[0], page=f"docs/{name}.md", fingerprint=fingerprint, ran=runs)
        for name in names])
    kernels = {**KERNELS, "pages": [{**KERNELS["pages"][0], "page": f"docs/{name}.md",
                                     "fingerprint": fingerprint} for name in names]}
    write_reports(tmp_path, latest=latest, doctests=doctests, kernels=kernels)
    for name in names:
        (tmp_path / "docs" / f"{name}.md").write_text(text)
    build_site(tmp_path / "site", tmp_path)

    def notice(name):
        page = BeautifulSoup((tmp_path / "site" / name / "index.html").read_text(), "html.parser")
        found = page.select_one("article .admonition.success")  # the newest torch's row open
        assert found is not None and "Newest torch" in found.get_text()
        return found

    def elements(notice):
        return [(element.name, sorted(element.attrs)) for element in notice.find_all(True)]

    printed, control = notice("printed"), notice("plain")
    assert elements(printed) == elements(control)
    shown = [code.get_text() for code in printed.find_all("code")]
    assert [line for line in PRINTED if line not in shown] == []


# -- a local build: one quiet line; a failure still warns ----------------------------------------

LESSON = ('# A page\n\n```{.python title="demo.py"}\n--8<-- "demo.py"\n```\n\n'
          '```bash\npython demo.py\n```\n\n```{.text title="Expected output"}\n1\n```\n')


def test_a_local_build_shows_one_quiet_line_and_a_record_of_a_failure_still_warns(tmp_path):
    """A one-page site with the project's Markdown extensions, hooks and CSS, and a guide page:
    with no reports, the lesson shows one quiet line linking the guide, no box; with a doc-test
    record of a failure, the "Not verified" box."""
    from bs4 import BeautifulSoup

    from lessonkit.engine import includes
    from tests.conftest import ROOT, build_site

    site = mkdocs_config(ROOT / "mkdocs.yml")
    for folder in ("docs/assets", "snippets"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "snippets" / "demo.py").write_text("print(1)\n")
    (tmp_path / "docs" / "assets" / "lessons.css").write_bytes(
        (ROOT / "docs" / "assets" / "lessons.css").read_bytes())
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump({
        "site_name": "x", "theme": {"name": "material"}, "extra_css": ["assets/lessons.css"],
        "hooks": [str(ROOT / "lessonkit" / "site" / "hooks.py")],
        "markdown_extensions": [{name: site["mdx_configs"].get(name, {})}
                                for name in site["markdown_extensions"]]}))
    (tmp_path / "docs" / "lesson.md").write_text(LESSON)
    (tmp_path / "docs" / "verification.md").write_text("# How this site is verified\n")

    def article():
        build_site(tmp_path / "site", tmp_path)
        html = (tmp_path / "site" / "lesson" / "index.html").read_text()
        return BeautifulSoup(html, "html.parser").select_one("article")

    page = article()
    quiet = page.select("p.lessons-unchecked")
    assert len(quiet) == 1 and not page.select(".admonition, details"), page
    assert quiet[0].get_text(" ", strip=True) == (
        "This build has not run its checks: make test runs every command on this page and "
        "compares its output. How this site is verified")
    assert quiet[0].find("a")["href"] == "../verification/"
    fingerprint = pages.read_page(
        LESSON, lambda code: includes.expand(code, tmp_path / "mkdocs.yml")).fingerprint()
    failed = dataclasses.replace(DOCTESTS, pages=[dataclasses.replace(
        DOCTESTS.pages[0], page="docs/lesson.md", fingerprint=fingerprint, ran=1, failed=1)])
    write_reports(tmp_path, doctests=failed)
    page = article()
    warning = page.select_one(".admonition.warning")
    assert warning is not None and not page.select(".lessons-unchecked")
    assert warning.select_one(".admonition-title").get_text() == "Not verified"
    assert "1 of 1 blocks failed" in warning.get_text()


TOLERANT_PAGE = """# A page

```python
print("kl=0.66")
```

```{.text title="Expected output" tolerance="0.1"}
kl=0.66
```
Text right after the block.

??? success "Walkthrough"

    ```python
    print("drift=12.5")
    ```

    ```{.text title="Expected output" tolerance="30%"}
    drift=12.5
    ```

```python
print("exact=1")
```

```{.text title="Expected output"}
exact=1
```
"""


def test_each_tolerant_output_gets_a_line_saying_how_far_its_numbers_may_move():
    noted = tolerance_notes(TOLERANT_PAGE, pages.read_page(TOLERANT_PAGE), "../verification.md")
    lines = noted.split("\n")
    link = f"([what this means](../verification.md#{TOLERANCE_ANCHOR}))"
    first = lines.index("kl=0.66") + 3
    assert lines[first - 2:first + 3] == [
        "```", "", f"On another CPU, a decimal number of this output may print up to 0.1 away "
        f"from the one shown {link}.", "{: .lesson-tolerance }", ""]
    assert lines[first + 3] == "Text right after the block."
    second = lines.index("    drift=12.5") + 3
    assert lines[second - 2:second + 3] == [
        "    ```", "", "    On another CPU, a decimal number of this output may print up to "
        f"30% of its value away from the one shown {link}.", "    {: .lesson-tolerance }", ""]
    assert noted.count("lesson-tolerance") == 2  # not under the exact block
    # Without the guide page, the line stands without its link.
    assert "what this means" not in tolerance_notes(TOLERANT_PAGE,
                                                    pages.read_page(TOLERANT_PAGE), "")


def test_the_built_lessons_show_the_line_under_every_tolerant_output(built_site):
    for path in sorted((ROOT / "docs").glob("*.md")):
        tolerances = [block.attrs["tolerance"] for block in pages.read_page(
            path.read_text(encoding="utf-8")).blocks
            if block.kind == pages.Kind.EXPECTED and block.attrs.get("tolerance")]
        name = "" if path.stem == "index" else path.stem + "/"
        html = (built_site / name / "index.html").read_text(encoding="utf-8")
        shown = re.findall(r'</code></pre></div>\s*<p class="lesson-tolerance">On another CPU, '
                           r"a decimal number of this output may print up to ([\d.%]+)", html)
        assert shown == tolerances, path.name
