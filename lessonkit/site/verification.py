"""What the tests proved about a page, as the notice under its title shows it.

Each row comes from one report under reports/, written by a real run: the doc tests
(`doctests.json`, lessonkit.engine.report), the kernel matrix (`kernels.json`,
lessonkit.platforms.matrix), Linux aarch64 under emulation (`arm64.json`), the newest torch
(`latest.json`) and Python 3.13 (`python.json`, lessonkit.platforms.others). A row holds for a
page only while the page's fingerprint (its code with the snippets it includes, outputs and
options) is the one the report recorded, and a report is matched to a page by the page's identity
(its path in the project), never by its file name alone. A line a run printed is shown as text
(`code`), never read as Markdown or HTML.

The notice is one line a reader can take in at a glance: when, with which torch and Python
versions, on which platforms every output printed as shown. The details (machines, kernel
settings, dates, the lines that vary) are folded below it. Anything that is not a pass (a
required row missing or stale, a report made with another torch than the pinned one, an
optional row stale or differing) is listed in the open, never folded away.

The required rows are the doc tests and the kernel matrix, which `make test` runs. Where they
have no record of this version of the page (no report, a report that did not run it, or one made
for an earlier version), as in a local build before `make test`, nothing is wrong and nothing is
proved: the page shows one quiet line saying so instead of a box. A record that shows a failure
(a block that failed or differs, a torch other than the pinned one) still says "Not verified".
The other rows come from slower runs; a row whose report is absent is not shown (the hosted site
has no emulated aarch64 run; a laptop has no CI runner). The folded details name what each run
stands for in a reader's words, and link to the page that explains the checks (`guide`).
Slow runs also keep dated copies of their reports in reports/history/ (CI carries that folder
from run to run): for each such row the notice uses the newest report made for this version of
the page, or else the newest older one, marked stale with its date.
"""

import json
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.engine import pages, report

KERNELS = "reports/kernels.json"
ARM64 = "reports/arm64.json"
DOCTESTS_ARM64 = "reports/doctests-arm64.json"  # CI: the arm64 page groups' doc tests, joined
LATEST = "reports/latest.json"
PYTHON = "reports/python.json"  # make test-python
HISTORY = "reports/history"  # dated copies of the slow runs' reports: KIND-DATE.json
KEEP = 8  # dated copies kept per kind
PLATFORMS = {"x86_64": "x86-64", "AMD64": "x86-64", "aarch64": "arm64", "arm64": "arm64"}
# For a reader whose run prints other numbers: the last paragraph of the folded details.
IF_YOURS_DIFFER = (
    "If your numbers differ: these runs are all Linux, on the CPU; macOS, Windows, conda's "
    "builds of torch and GPUs (CUDA or ROCm) are not among them. An output this page marks as "
    "one that may differ can change in its last digits; every other line should match exactly.")
# Its last sentence: with the page that explains the checks, or without one.
REPORT_WITH_GUIDE = ("[How this site is verified]({guide}) says what to check on your machine "
                     "and how to report a line that differs.")
REPORT_WITHOUT_GUIDE = (
    "Check that `python -c \"import sys, torch; print(sys.version, torch.__version__)\"` shows "
    "the Python and torch listed here, then report the line that differs, with that output, "
    "your system and CPU, to the project.")
# The one line of a page that no check has run on (a local build before `make test`).
NOT_RUN = ("This build has not run its checks: `make test` runs every command on this page and "
           "compares its output.")
SOME_RUN = ("This build has run some of its checks, not all: `make test` runs every command on "
            "this page and compares its output.")
CHANGED = ("This page changed after its checks last ran: `make test` runs every command on "
           "this page and compares its output.")
QUIET_CLASS = "lessons-unchecked"  # lessons.css: a quiet line, not a box
WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass
class Row:
    where: str  # what ran: machine and CPU settings
    torch: str
    python: str
    result: str  # what it proved for this page, or "not run" / "stale: ..."
    passed: bool
    required: bool = True  # False: shown, but "Verified" does not depend on it
    details: list[str] = field(default_factory=list)  # the lines that vary, folded
    label: str = ""  # a plain name for the row: "Doc tests", "Newest torch", ...
    date: str = ""  # YYYY-MM-DD of the run, when the report says
    machine: str = ""  # platform.machine() of the run
    # No record of this version of the page (no report, the page not in it, or stale): nothing
    # ran, as opposed to a run that failed.
    missing: bool = False


def load(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def same_page(recorded: str, name: str) -> bool:
    """A report's page is this page when its path in the project is the same (two pages may
    share a file name in different folders)."""
    return Path(recorded).as_posix() == Path(name).as_posix()


def _page(report: dict, name: str) -> dict | None:
    return next((page for page in report.get("pages", []) if same_page(page["page"], name)),
                None)


def release(version: str) -> str:
    """`2.13.0+cpu` -> `2.13.0`: the build tag does not change which release ran."""
    return version.split("+")[0]


def pinned_torch(root: Path) -> str:
    """The torch version the project pins in pyproject.toml (`torch==X`), or "" if none."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return ""
    dependencies = tomllib.loads(path.read_text(encoding="utf-8"))["project"]["dependencies"]
    return next((spec.split("==")[1].strip() for spec in dependencies
                 if re.match(r"torch\s*==", spec)), "")


def _wrong_torch(torch: str, pinned: str) -> str:
    if pinned and torch and release(torch) != pinned:
        return f"made with torch {release(torch)}, but the project pins {pinned}"
    return ""


def doctest_row(record: report.Report | None, name: str, page: pages.Page,
                where: str = "each command in a new `python`, in a folder holding the page's "
                "files, on the machine that built this site",
                required: bool = True, pinned: str = "", label: str = "Every command run") -> Row:
    """Passed when the doc tests' record shows this very version of the page (same fingerprint)
    with every runnable block run and nothing failed, made with the pinned torch."""
    row = _doctest_row(record, name, page, where, pinned)
    row.required, row.label = required, label
    return row


def _doctest_row(record: report.Report | None, name: str, page: pages.Page, where: str,
                 pinned: str) -> Row:
    if record is None:
        return Row(where, "", "", "not run", False, missing=True)
    summary = next((s for s in record.pages if same_page(s.page, name)), None)
    # A page's own run: a report can join the runs of several machines (CI's page groups).
    made = record.header() if summary is None else record.made_for(summary)
    if made["cpu_capability"]:
        where = (f"each command in a new `python` on {machine_name(made['machine'])}, with "
                 f"torch's {made['cpu_capability']} maths kernels and {made['threads']} threads")
    row = Row(where, made["torch"], made["python"], "not run", False,
              date=made["finished"][:10], machine=made["machine"], missing=True)
    if summary is None:
        return row
    if summary.fingerprint != page.fingerprint():
        row.result = f"stale: made {row.date} for an earlier version of this page"
        return row
    runs = sum(block.runs for block in page.blocks)
    if summary.failed == summary.neither == 0 and summary.ran < runs:
        # A partial run (`-k`, `-x`): nothing failed, not everything ran.
        row.result = f"only {summary.ran} of {runs} blocks ran"
        return row
    row.missing = False
    passed = summary.ran == runs and summary.failed == summary.neither == 0
    row.result = (f"all {summary.compared} Expected outputs match" if passed
                  else f"{summary.failed} of {summary.ran} blocks failed")
    wrong = _wrong_torch(made["torch"], pinned)
    row.result, row.passed = (wrong, False) if wrong and passed else (row.result, passed)
    return row


MATRIX = "Other x86-64 CPUs' maths libraries"  # the kernel matrix, as a reader would say it


def matrix_row(report: dict | None, name: str, fingerprint: str, pinned: str = "") -> Row:
    where = "every command under the settings of other x86-64 CPUs"
    if report is None:
        return Row(where, "", "", "not run", False, label=MATRIX, missing=True)
    configs = report["configurations"]
    values = {knob: sorted({c["settings"].get(key, "auto") for c in configs})
              for knob, key in (("torch's kernels", "ATEN_CPU_CAPABILITY"),
                                ("MKL's code path", "MKL_CBWR"),
                                ("threads", "OMP_NUM_THREADS"))}
    where = (f"every command under {len(configs)} settings of one machine that stand in for "
             "other x86-64 CPUs: " + "; ".join(f"{knob} {', '.join(v)}"
                                               for knob, v in values.items()))
    environment = configs[0]["environment"]
    date = report.get("finished", "")[:10]
    page = _page(report, name)
    if page is None:
        return Row(where, environment["torch"], environment["python"], "not run", False,
                   label=MATRIX, date=date, missing=True)
    if page["fingerprint"] != fingerprint:
        return Row(where, environment["torch"], environment["python"],
                   "stale: the page changed after this run", False, label=MATRIX, missing=True)
    statuses = [block["status"] for block in page["blocks"]]
    differs = [str(block["line"]) for block in page["blocks"] if block["status"] == "differs"]
    if differs:
        result = f"differs at line {', '.join(differs)}"
    else:
        result = f"all {len(statuses)} blocks print their Expected output in every setting"
    wrong = _wrong_torch(environment["torch"], pinned)
    return Row(where, environment["torch"], environment["python"], wrong or result,
               not differs and not wrong, label=MATRIX, date=date,
               machine=environment.get("machine", "x86_64"))


ARM64_LABEL = "ARM64, as on recent Macs and cloud servers"  # aarch64, as a reader would say it


def machine_name(machine: str) -> str:
    """`x86_64` -> `an x86-64 machine`, `aarch64` -> `an ARM64 machine`: platform.machine()
    in a reader's words."""
    named = {"x86-64": "x86-64", "arm64": "ARM64"}.get(PLATFORMS.get(machine, ""), "")
    return f"an {named} machine" if named else (machine or "a machine")


def _platform_label(report: dict) -> str:
    environment = report["configurations"][0]["environment"]
    return {"arm64": f"{ARM64_LABEL} (emulated)",
            "latest": f"Newest torch ({release(environment['torch'])})",
            "python": f"Python {'.'.join(environment['python'].split('.')[:2])}",
            }.get(report["kind"], report["kind"])


def platform_row(report: dict | None, name: str, fingerprint: str, where: str) -> Row:
    """A row for a slow, optional run (aarch64, newest torch, Python 3.13): identical, within
    tolerance or differs, with the lines that did not print as on the page."""
    if report is None:
        return Row(where, "", "", "not run", False, required=False, label=where, missing=True)
    configs = report["configurations"]
    environment = configs[0]["environment"]
    if report["kind"] == "arm64":
        where = "every command on Linux, on emulated ARM64 CPUs (qemu-user): " + ", ".join(
            f"{c['name'].split(' ')[0]} ({c['environment']['cpu_capability']})" for c in configs)
    else:
        where = (f"every command on {machine_name(environment['machine'])}, with torch's "
                 f"{environment['cpu_capability']} maths kernels, "
                 + {"latest": "in a venv holding the newest torch pip offered",
                    "python": "in a venv holding only the page's install lines"}.get(
                        report["kind"], report["kind"]))
    date = report.get("finished", "")[:10]
    row = Row(where, environment["torch"], environment["python"], "", False, required=False,
              label=_platform_label(report), date=date,
              machine=environment.get("machine", ""))
    page = _page(report, name)
    if page is None:
        row.result, row.missing = "not run for this page", True
    elif page["fingerprint"] != fingerprint:
        row.result = f"stale: made {date or 'earlier'} for an earlier version of this page"
        row.missing = True
    else:
        differs = [b for b in page["blocks"] if b["status"] == "differs"]
        within = [b for b in page["blocks"] if b["status"] == "within tolerance"]
        row.passed = not differs
        row.result = (f"differs at line {', '.join(str(b['line']) for b in differs)}" if differs
                      else f"holds: {len(page['blocks']) - len(within)} blocks identical, "
                      f"{len(within)} within their declared tolerance" if within else
                      f"identical: all {len(page['blocks'])} blocks")
        row.details = [f"line {block['line']}, output line {vary['output_line']}: "
                       + "; ".join(f"{code(text)} ({', '.join(names)})"
                                   for text, names in vary["values"].items())
                       for block in differs + within for vary in block["varying"]]
    return row


def code(text: str) -> str:
    """A line a run printed, as inline code in the notice that shows exactly `text`. Not a
    Markdown code span, which a backtick in the text would close: <code> with every character
    but letters, digits and spaces written as a character reference, so that neither HTML nor
    Markdown (emphasis, links, math between the tags) reads anything in it."""
    return "<code>" + "".join(character if character.isalnum() or character == " "
                              else f"&#{ord(character)};" for character in text) + "</code>"


# -- the slow runs' history -------------------------------------------------------------------


def candidates(root: Path, path: str) -> list[dict]:
    """The report at `path` (this run's) and the dated copies of earlier runs of the same kind."""
    current = root / path
    kind = current.stem
    found = [current] + sorted((root / HISTORY).glob(f"{kind}-*.json"))
    return [data for data in map(load, found) if data is not None]


def newest_for(reports: list[dict], name: str, fingerprint: str) -> dict | None:
    """The newest report made for this version of the page; if there is none, the newest that
    ran the page at all (its row then says stale, with its date); None if none ran it."""
    ran = [data for data in reports if _page(data, name) is not None]
    fresh = [data for data in ran if _page(data, name)["fingerprint"] == fingerprint]
    chosen = fresh or ran or reports
    return max(chosen, key=lambda data: data.get("finished", ""), default=None)


def keep(root: Path, paths=(ARM64, LATEST, PYTHON)) -> list[Path]:
    """Copy this run's slow reports into reports/history as KIND-DATE.json, keeping the newest
    KEEP of each kind. Returns the copies made."""
    history = root / HISTORY
    history.mkdir(parents=True, exist_ok=True)
    made = []
    for path in paths:
        data = load(root / path)
        if data is None or not data.get("finished"):
            continue
        kind = Path(path).stem
        stamp = re.sub(r"[^0-9TZ]", "", data["finished"])
        copy = history / f"{kind}-{stamp}.json"
        shutil.copyfile(root / path, copy)
        made.append(copy)
        for old in sorted(history.glob(f"{kind}-*.json"))[:-KEEP]:
            old.unlink()
    return made


# -- the notice ---------------------------------------------------------------------------------


def rows(root: Path, name: str, page: pages.Page) -> list[Row]:
    """Every row of the page's notice, from the reports under `root`/reports."""
    pinned = pinned_torch(root)
    return [doctest_row(report.read(root / report.PATH), name, page, pinned=pinned),
            matrix_row(load(root / KERNELS), name, page.fingerprint(), pinned),
            *optional_rows(root, name, page)]


def optional_rows(root: Path, name: str, page: pages.Page) -> list[Row]:
    """The rows of the slow runs that `make test` does not do (CI's arm64 runner, emulated
    aarch64, the newest torch, Python 3.13); a run with no report at all has no row."""
    fingerprint = page.fingerprint()
    out = []
    arm_runner = report.read(root / DOCTESTS_ARM64)
    if arm_runner is not None:
        out.append(doctest_row(arm_runner, name, page, "every command on a real ARM64 Linux "
                               "machine (CI)", required=False, label=ARM64_LABEL))
    for path, where in ((ARM64, "Linux aarch64 (make test-arm64)"),
                        (LATEST, "the newest torch (make test-latest)"),
                        (PYTHON, "Python 3.13 (make test-python)")):
        chosen = newest_for(candidates(root, path), name, fingerprint)
        if chosen is not None:
            out.append(platform_row(chosen, name, fingerprint, where))
    return out


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(number: int) -> str:
    return WORDS[number] if number < len(WORDS) else str(number)


def summary(table: list[Row], tolerant: int = 0) -> str:
    """The one line under the title: when, with what, on which platforms the page's outputs
    printed as shown (the rows that passed)."""
    passed = [row for row in table if row.passed]
    torches = sorted({release(row.torch) for row in passed if row.torch},
                     key=lambda v: [int(x) for x in re.findall(r"\d+", v)])
    pythons = sorted({".".join(row.python.split(".")[:2]) for row in passed if row.python},
                     key=lambda v: [int(x) for x in v.split(".")])
    platforms = sorted({PLATFORMS.get(row.machine, row.machine) for row in passed
                        if row.machine}, key=lambda p: (p != "x86-64", p))
    date = max((row.date for row in passed if row.required and row.date), default="")
    line = "Verified" + (f" {date}" if date else "")
    if torches:
        line += f" with torch {_words(torches)}"
    if pythons:
        line += f", Python {_words(pythons)}"
    if platforms:
        line += f", on {_words(platforms)} Linux"
    line += ": every output prints as shown"
    if tolerant:
        line += (f" ({_count(tolerant)} may differ in the last digits, as marked)" if tolerant > 1
                 else " (one may differ in the last digits, as marked)")
    return line


def _item(row: Row) -> str:
    versions = ", ".join(part for part in (f"torch {row.torch}" if row.torch else "",
                                           f"Python {row.python}" if row.python else "",
                                           row.date) if part)
    return f"**{row.label}**: {row.result}" + (f" ({row.where}; {versions})" if versions
                                               else f" ({row.where})")


def quiet_line(table: list[Row], guide: str = "") -> str:
    """The one line of a page that no required check has a record of: not a box, nothing is
    wrong. With `guide` (the page that explains the checks, as a link from this page), a link."""
    required = [row for row in table if row.required]
    line = (CHANGED if any(row.result.startswith("stale") for row in required)
            else SOME_RUN if any(row.passed for row in required) else NOT_RUN)
    if guide:
        line += f" [How this site is verified]({guide})"
    return f"{line}\n{{: .{QUIET_CLASS} }}\n"


def notice(table: list[Row], tolerant: int = 0, guide: str = "") -> str:
    """The notice under a page's title. Verified: one folded line (open it for the rows). A
    row that is not a pass is named in the open, with its result (the details, folded, describe
    every row); a required one that failed makes it "Not verified". Required rows with no
    record of this version of the page, and none failed: one quiet line (`quiet_line`).
    `guide`: a link to the page that explains the checks."""
    required = [row for row in table if row.required]
    if any(row.missing for row in required) and all(row.passed or row.missing
                                                    for row in required):
        return quiet_line(table, guide)
    ok = all(row.passed for row in required)
    open_rows = [row for row in table if not row.passed]
    if ok:
        title = summary(table, tolerant).replace('"', "'")
        head = f'!!! success "{title}"' if open_rows else f'??? success "{title}"'
    else:
        head = '!!! warning "Not verified"'
    lines = [head, ""]
    if not ok:
        lines += ["    Not every check has passed on this version of the page; `make test` runs "
                  "them:", ""]
    # In the open, what did not pass, in a few words; folded, every run with where and what.
    lines += [f"    - **{row.label}**: {row.result}" for row in open_rows]
    details = [f"- {_item(row)}" for row in table]
    for row in table:
        if row.details:
            details += ["", f"Lines printed otherwise than on the page ({row.label}):", ""]
            details += [f"- {line}" for line in row.details]
    details += ["", IF_YOURS_DIFFER + " " + (REPORT_WITH_GUIDE.format(guide=guide) if guide
                                             else REPORT_WITHOUT_GUIDE)]
    if open_rows:
        lines += ["", '    ??? note "How it was verified"', ""]
        lines += [f"        {line}" if line else "" for line in details]
    else:
        lines += [f"    {line}" if line else "" for line in details]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """`python -m lessonkit.site.verification keep`: copy this run's slow reports into the
    history."""
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["keep"]:
        print("usage: python -m lessonkit.site.verification keep", file=sys.stderr)
        return 2
    root = Path.cwd()
    for copy in keep(root):
        print(f"kept {copy.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
