"""The kernel matrix's verdicts and the verification table under a page's title."""

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
    assert verdict["problems"] == {"a": ["RuntimeError: boom"], "b": ["exit status [1]"]}


def test_changed_text_has_no_deviation():
    assert matrix.largest_deviation("kl=0.5\n", ["kl=0.5 extra\n"]) is None


def test_quick_set_covers_every_value_of_every_knob():
    quick = [env for _, env in matrix.configurations(full=False)]
    assert {env["ATEN_CPU_CAPABILITY"] for env in quick} == set(matrix.ATEN)
    assert {env.get("MKL_CBWR", "") for env in quick} == set(matrix.MKL)
    assert {int(env["OMP_NUM_THREADS"]) for env in quick} == set(matrix.THREADS)
    assert len(matrix.configurations(full=True)) == 18


PAGE = pages.read_page("```{.python title=\"x.py\"}\npass\n```\n\n```bash\npython x.py\n```\n")
DOCTESTS = report.Report("3.11.7", "2.13.0", "2026-01-02T03:04:05Z",
                         [report.PageSummary("docs/a.md", 2, 2, 0, 0, 0, 1, 0, PAGE.fingerprint())],
                         [], "x86_64", "AVX512", 2)
KERNELS = {"configurations": [{"name": "x", "settings": {"ATEN_CPU_CAPABILITY": "avx2"},
                               "environment": {"torch": "2.13.0", "python": "3.11.7"}}],
           "pages": [{"page": "docs/a.md", "fingerprint": "f1",
                      "blocks": [{"line": 3, "status": "identical"}]}]}


def test_rows_pass_only_for_the_page_version_they_ran_on():
    assert verification.doctest_row(DOCTESTS, "docs/a.md", PAGE).passed
    assert verification.matrix_row(KERNELS, "docs/a.md", "f1").passed
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
    rows[1] = verification.matrix_row(KERNELS, "docs/a.md", "f1")
    assert verification.notice(rows).startswith('!!! success "Verified"')


def test_a_block_that_differs_fails_the_row():
    report = {**KERNELS, "pages": [{"page": "docs/a.md", "fingerprint": "f1",
                                    "blocks": [{"line": 3, "status": "differs"}]}]}
    row = verification.matrix_row(report, "docs/a.md", "f1")
    assert not row.passed and row.result == "differs at line 3"
