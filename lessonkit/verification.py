"""What the tests proved about a page, as the table under its title shows it.

Each row comes from one report under reports/, written by a real run: the doc tests
(`doctests.json`, lessonkit.report) and the kernel matrix (`kernels.json`, lessonkit.matrix). A
row holds for a page only while the page's fingerprint (its code, outputs and options) is the one
the report recorded; a missing report says "not run", one made for another version "stale".
"""

import json
from dataclasses import dataclass
from pathlib import Path

from lessonkit import pages, report

KERNELS = "reports/kernels.json"


@dataclass
class Row:
    where: str  # what ran: machine and CPU settings
    torch: str
    python: str
    result: str  # what it proved for this page, or "not run" / "stale: ..."
    passed: bool


def load(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _page(report: dict, name: str) -> dict | None:
    return next((page for page in report.get("pages", []) if page["page"] == name), None)


def doctest_row(record: report.Report | None, name: str, page: pages.Page) -> Row:
    """Passed when the doc tests' record shows this very version of the page (same fingerprint)
    with every runnable block run and nothing failed."""
    where = "the doc tests, on the machine that built this site"
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


def notice(table: list[Row]) -> str:
    """The admonition under a page's title: green only when every row passed for this page."""
    ok = all(row.passed for row in table)
    head = '!!! success "Verified"' if ok else '!!! warning "Not verified"'
    intro = ("Every code block on this page ran and printed its Expected output:" if ok else
             "Not every check has passed on this version of the page; `make test` runs them:")
    lines = [head, "", f"    {intro}", "",
             "    | Where | torch | Python | Result |", "    | --- | --- | --- | --- |"]
    lines += [f"    | {row.where} | {row.torch or '-'} | {row.python or '-'} | {row.result} |"
              for row in table]
    return "\n".join(lines) + "\n"
