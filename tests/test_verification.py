"""The kernel matrix's verdicts and the verification table under a page's title."""

import dataclasses
import json

from lessonkit import matrix, pages, report, verification

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
    assert verdict["problems"] == {"a": ["RuntimeError: boom"], "b": [
        "the block (`command 1`) exited with status 1, the page expects 0"]}


def test_changed_text_has_no_deviation():
    assert matrix.largest_deviation("kl=0.5\n", ["kl=0.5 extra\n"]) is None


def test_quick_set_covers_every_value_of_every_knob():
    quick = [env for _, env in matrix.configurations(False, "x86_64", matrix.ATEN)]
    assert {env["ATEN_CPU_CAPABILITY"] for env in quick} == set(matrix.ATEN)
    assert {env.get("MKL_CBWR", "") for env in quick} == set(matrix.MKL)
    assert {int(env["OMP_NUM_THREADS"]) for env in quick} == set(matrix.THREADS)
    assert len(matrix.configurations(full=True, machine="x86_64", kernels=matrix.ATEN)) == 18


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


def test_a_missing_report_is_not_run_and_the_notice_says_not_verified():
    rows = [verification.doctest_row(DOCTESTS, "docs/a.md", PAGE),
            verification.matrix_row(None, "docs/a.md", "f1")]
    assert rows[1].result == "not run"
    assert verification.notice(rows).startswith('!!! warning "Not verified"')
    rows[1] = verification.matrix_row(KERNELS, "docs/a.md", FP)
    assert verification.notice(rows).startswith('!!! success "Verified"')


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
    assert arm.details == ["line 7, output line 2: `kl=0.6656` (the page); `kl=0.6657` (max (x))"]
    text = verification.notice([verification.doctest_row(DOCTESTS, "docs/a.md", PAGE), arm])
    assert text.startswith('!!! success "Verified"')  # optional rows state, they do not gate
    assert ('    ??? note "Lines printed otherwise than on the page: Linux aarch64 under qemu-user"'
            in text)
    assert "optional runs" in text
    assert "        - line 7, output line 2:" in text


def test_deleting_a_report_turns_its_rows_into_not_run(tmp_path):
    write_reports(tmp_path, doctests=DOCTESTS, kernels=KERNELS, arm64=ARM64, latest=LATEST,
                  **{"doctests-arm64": dataclasses.replace(DOCTESTS, machine="aarch64")})
    before = verification.rows(tmp_path, "docs/a.md", PAGE)
    assert [row.result for row in before][3:] == ["differs at line 7", "identical: all 1 blocks"]
    assert before[2].where.startswith("the doc tests: aarch64") and not before[2].required
    for name in ("arm64", "latest", "kernels", "doctests-arm64"):
        (tmp_path / "reports" / f"{name}.json").unlink()
    after = verification.rows(tmp_path, "docs/a.md", PAGE)
    assert [row.result for row in after][1:] == ["not run"] * 4
    assert after[0].passed and not after[1].passed
    assert verification.notice(after).startswith('!!! warning "Not verified"')  # kernels required
    write_reports(tmp_path, kernels=KERNELS)
    assert verification.notice(verification.rows(tmp_path, "docs/a.md", PAGE)).startswith(
        '!!! success "Verified"')  # the arm64 and latest rows are optional


def test_changing_a_page_turns_its_rows_into_stale(tmp_path):
    write_reports(tmp_path, doctests=DOCTESTS, kernels=KERNELS, arm64=ARM64, latest=LATEST,
                  **{"doctests-arm64": DOCTESTS})
    table = verification.rows(tmp_path, "docs/a.md", CHANGED)
    assert all(row.result.startswith("stale") and not row.passed for row in table)
    assert not any(row.details for row in table)
