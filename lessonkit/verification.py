"""What the tests proved about a page, as the table under its title shows it.

Each row comes from one report under reports/, written by a real run: the doc tests
(`doctests.json`, lessonkit.report), the kernel matrix (`kernels.json`, lessonkit.matrix), Linux
aarch64 under emulation (`arm64.json`) and the newest torch (`latest.json`, lessonkit.platforms).
A row holds for a page only while the page's fingerprint (its code, outputs and options) is the
one the report recorded; a missing report says "not run", one made for another version "stale".

The notice is green when the required rows pass: the doc tests and the kernel matrix, which
`make test` runs. The aarch64 and newest-torch rows come from slow, optional runs
(`make test-arm64`, `make test-latest`): they state their result, and lines that differ are listed
in a folded block, but a missing or failing one does not turn the notice into "Not verified".
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit import pages, report

KERNELS = "reports/kernels.json"
ARM64 = "reports/arm64.json"
DOCTESTS_ARM64 = "reports/doctests-arm64.json"  # CI: `make test` on an arm64 runner
LATEST = "reports/latest.json"


@dataclass
class Row:
    where: str  # what ran: machine and CPU settings
    torch: str
    python: str
    result: str  # what it proved for this page, or "not run" / "stale: ..."
    passed: bool
    required: bool = True  # False: shown, but the notice's colour does not depend on it
    details: list[str] = field(default_factory=list)  # the lines that differ, folded


def load(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _page(report: dict, name: str) -> dict | None:
    return next((page for page in report.get("pages", []) if page["page"] == name), None)


def doctest_row(record: report.Report | None, name: str, page: pages.Page,
                where: str = "the doc tests, on the machine that built this site",
                required: bool = True) -> Row:
    """Passed when the doc tests' record shows this very version of the page (same fingerprint)
    with every runnable block run and nothing failed."""
    row = _doctest_row(record, name, page, where)
    row.required = required
    return row


def _doctest_row(record: report.Report | None, name: str, page: pages.Page, where: str) -> Row:
    if record is None:
        return Row(where, "", "", "not run", False)
    if record.cpu_capability:
        where = (f"the doc tests: {record.machine} with its own kernels "
                 f"({record.cpu_capability}, {record.threads} threads)")
    summary = record.page(name)
    if summary is None:
        return Row(where, record.torch, record.python, "not run", False)
    if summary.fingerprint != page.fingerprint():
        return Row(where, record.torch, record.python,
                   "stale: the page changed after this run", False)
    passed = (summary.ran == sum(block.runs for block in page.blocks)
              and summary.failed == summary.neither == 0)
    result = (f"all {summary.compared} Expected outputs match ({record.finished[:10]})" if passed
              else f"{summary.failed} of {summary.ran} blocks failed")
    return Row(where, record.torch, record.python, result, passed)


def matrix_row(report: dict | None, name: str, fingerprint: str) -> Row:
    where = "x86-64 kernel matrix"
    if report is None:
        return Row(where, "", "", "not run", False)
    configs = report["configurations"]
    values = {knob: sorted({c["settings"].get(key, "auto") for c in configs})
              for knob, key in (("ATen", "ATEN_CPU_CAPABILITY"), ("MKL", "MKL_CBWR"),
                                ("threads", "OMP_NUM_THREADS"))}
    where = (f"x86-64 kernel matrix, {len(configs)} settings: "
             + "; ".join(f"{knob} {', '.join(v)}" for knob, v in values.items()))
    environment = configs[0]["environment"]
    page = _page(report, name)
    if page is None:
        return Row(where, environment["torch"], environment["python"], "not run", False)
    if page["fingerprint"] != fingerprint:
        return Row(where, environment["torch"], environment["python"],
                   "stale: the page changed after this run", False)
    statuses = [block["status"] for block in page["blocks"]]
    differs = [str(block["line"]) for block in page["blocks"] if block["status"] == "differs"]
    if differs:
        result = f"differs at line {', '.join(differs)}"
    else:
        result = f"all {len(statuses)} blocks print their Expected output in every setting"
    return Row(where, environment["torch"], environment["python"], result, not differs)


def platform_row(report: dict | None, name: str, fingerprint: str, where: str) -> Row:
    """A row for the aarch64 or newest-torch report (optional runs): identical, within
    tolerance or differs, with the lines that did not print as on the page."""
    if report is None:
        return Row(where, "", "", "not run", False, required=False)
    configs = report["configurations"]
    environment = configs[0]["environment"]
    if report["kind"] == "arm64":
        where = "Linux aarch64 under qemu-user: " + ", ".join(
            f"{c['name'].split(' ')[0]} ({c['environment']['cpu_capability']})" for c in configs)
    else:
        where = f"{environment['machine']}, the newest torch pip offered"
    row = Row(where, environment["torch"], environment["python"], "", False, required=False)
    page = _page(report, name)
    if page is None:
        row.result = "not run"
    elif page["fingerprint"] != fingerprint:
        row.result = "stale: the page changed after this run"
    else:
        differs = [b for b in page["blocks"] if b["status"] == "differs"]
        within = [b for b in page["blocks"] if b["status"] == "within tolerance"]
        row.passed = not differs
        row.result = (f"differs at line {', '.join(str(b['line']) for b in differs)}" if differs
                      else f"holds: {len(page['blocks']) - len(within)} blocks identical, "
                      f"{len(within)} within their declared tolerance" if within else
                      f"identical: all {len(page['blocks'])} blocks")
        row.details = [f"line {block['line']}, output line {vary['output_line']}: "
                       + "; ".join(f"`{text}` ({', '.join(names)})"
                                   for text, names in vary["values"].items())
                       for block in differs + within for vary in block["varying"]]
    return row


def rows(root: Path, name: str, page: pages.Page) -> list[Row]:
    """Every row of the page's table, from the reports under `root`/reports."""
    return [doctest_row(report.read(root / report.PATH), name, page),
            matrix_row(load(root / KERNELS), name, page.fingerprint()),
            *optional_rows(root, name, page)]


def optional_rows(root: Path, name: str, page: pages.Page) -> list[Row]:
    """The rows of the slow runs that `make test` does not do (CI's arm64 runner, emulated
    aarch64, the newest torch)."""
    fingerprint = page.fingerprint()
    return [doctest_row(report.read(root / DOCTESTS_ARM64), name, page,
                        "the doc tests on an arm64 machine (CI)", required=False),
            platform_row(load(root / ARM64), name, fingerprint, "Linux aarch64 (make test-arm64)"),
            platform_row(load(root / LATEST), name, fingerprint,
                         "the newest torch (make test-latest)")]


def notice(table: list[Row]) -> str:
    """The admonition under a page's title: green when every required row passed for this page
    (optional rows only state their result); lines that differ in folded blocks inside it."""
    ok = all(row.passed for row in table if row.required)
    head = '!!! success "Verified"' if ok else '!!! warning "Not verified"'
    intro = ("Every code block on this page ran and printed its Expected output:" if ok else
             "Not every check has passed on this version of the page; `make test` runs them:")
    if ok and not all(row.passed for row in table):
        intro = ("Every code block on this page printed its Expected output in `make test`; the "
                 "other rows are slower, optional runs:")
    lines = [head, "", f"    {intro}", "",
             "    | Where | torch | Python | Result |", "    | --- | --- | --- | --- |"]
    lines += [f"    | {row.where} | {row.torch or '-'} | {row.python or '-'} | {row.result} |"
              for row in table]
    for row in table:
        if row.details:
            title = row.where.split(":")[0]
            lines += ["", f'    ??? note "Lines printed otherwise than on the page: {title}"',
                      ""] + [f"        - {line}" for line in row.details]
    return "\n".join(lines) + "\n"
