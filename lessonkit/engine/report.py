"""The doc tests' record of a run (reports/doctests.json): written by the pytest plugin, read by
the "Verified" notice of the site build. One typed record, so the two cannot disagree on a field.
"""

import json
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

PATH = "reports/doctests.json"  # relative to the project (the folder of mkdocs.yml)


@dataclass
class PageSummary:
    page: str  # relative to the project
    blocks: int
    executed: int  # Python blocks, commands and files
    compared: int  # Expected output blocks
    not_executable: int  # marked notest="why"
    neither: int  # invalid blocks
    ran: int
    failed: int
    fingerprint: str  # lessonkit.engine.pages.Page.fingerprint() of the page as saved after the run
    # Where and when this page ran, where that differs from the report's own header: a report
    # that kept an earlier run's pages, or joined the runs of several machines (CI's page groups).
    made: dict = field(default_factory=dict)


@dataclass
class BlockRecord:
    page: str
    line: int
    kind: str
    outcome: str  # "passed", "failed", "updated" or "not run: WHY"
    seconds: float


@dataclass
class Report:
    python: str
    torch: str
    finished: str  # UTC, ISO 8601
    pages: list[PageSummary] = field(default_factory=list)
    blocks: list[BlockRecord] = field(default_factory=list)
    # Which kernels produced the outputs: other CPUs may pick others (the kernel matrix checks).
    machine: str = ""
    cpu_capability: str = ""
    threads: int = 0

    @classmethod
    def now(cls, torch_version: str, pages, blocks, cpu_capability: str = "",
            threads: int = 0) -> "Report":
        return cls(platform.python_version(), torch_version,
                   time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), list(pages), list(blocks),
                   platform.machine(), cpu_capability, threads)

    def page(self, name: str) -> PageSummary | None:
        return next((summary for summary in self.pages if summary.page == name), None)

    def header(self) -> dict:
        return {name: getattr(self, name) for name in HEADER}

    def made_for(self, summary: PageSummary) -> dict:
        """The header's fields as they were for this page's run."""
        return {**self.header(), **summary.made}

    def merge(self, earlier: "Report") -> None:
        """Keep what `earlier` recorded for the pages this report does not cover, each with
        where and when it ran there."""
        mine = {summary.page for summary in self.pages}
        here = self.header()
        for summary in earlier.pages:
            if summary.page not in mine:
                self.pages.append(replace(summary, made={
                    name: value for name, value in earlier.made_for(summary).items()
                    if value != here[name]}))
        self.blocks += [block for block in earlier.blocks if block.page not in mine]

    def write(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")


# The fields of a report that describe its run, not its pages.
HEADER = ("python", "torch", "finished", "machine", "cpu_capability", "threads")


def read(path: Path) -> Report | None:
    """The report at `path`, or None when there is none (the tests have not run here)."""
    path = Path(path)
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Report(data["python"], data["torch"], data["finished"],
                  [PageSummary(**summary) for summary in data["pages"]],
                  [BlockRecord(**record) for record in data["blocks"]],
                  data.get("machine", ""), data.get("cpu_capability", ""),
                  data.get("threads", 0))
