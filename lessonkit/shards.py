"""The lesson pages in groups for CI's page jobs, and the groups' reports joined again.

`make test` runs every page in one job. CI splits the pages into groups of about equal work
(one job each: doc tests, kernel quick set and browser checks of its pages), then joins the
groups' reports into the ones a single run writes, which the site's "Verified" notice reads.

    python -m lessonkit.shards pages 2/4           # the pages of group 2 of 4, on one line
    python -m lessonkit.shards join OUT DIR [DIR ...]
                                                   # the groups' reports, from each DIR, into OUT
"""

import argparse
import json
import re
import sys
from pathlib import Path

from lessonkit.engine import report
from lessonkit.platforms import matrix

# How many lessons one group's job takes: about 51 s each on 2 cores after about 2 minutes of
# install, so 13 fit in about 13 minutes (CONTRIBUTING.md, "CI as the course grows").
LESSONS_PER_GROUP = 13

AXE = "axe.jsonl"  # the browser's accessibility record: one line per page and palette


class ShardError(Exception):
    """Bad input: said in one line, exit status 2."""


def groups(page_paths, count: int, project: Path = matrix.ROOT) -> list[list[Path]]:
    """The pages of `project` in `count` groups of about equal work, each in page order: the
    most costly page first to the group with the least work so far (`matrix.cost`: the
    processes a page starts, what its doc tests and kernel runs take). Pages with nothing to run
    go where there are fewest pages; every group has a page that runs. The same pages always
    give the same groups."""
    if count < 1:
        raise ShardError(f"the number of groups must be 1 or more, not {count}")
    paths = sorted(Path(path) for path in page_paths)
    bundled = matrix.bundle(paths, project / "mkdocs.yml", project.resolve())["pages"]
    costs = {path: matrix.cost(page) for path, page in zip(paths, bundled, strict=True)}
    running = sum(cost > 0 for cost in costs.values())
    if count > running:
        raise ShardError(f"{count} groups of {running} pages with commands: "
                         "a group would have nothing to run")
    chosen: list[list[Path]] = [[] for _ in range(count)]
    work = [0] * count
    for path in sorted(paths, key=lambda p: (-costs[p], p)):
        # The least work; for a page with nothing to run, the fewest pages.
        least = min(range(count), key=lambda group: (work[group], len(chosen[group]))
                    if costs[path] else (len(chosen[group]), group))
        chosen[least].append(path)
        work[least] += costs[path]
    return [sorted(group) for group in chosen]


def parse_group(text: str) -> tuple[int, int]:
    """"2/4" -> (2, 4): group 2 of 4, counted from 1."""
    found = re.fullmatch(r"([0-9]+)/([0-9]+)", text)
    if not found:
        raise ShardError(f"a group is written K/N (group K of N, e.g. 2/4), not {text!r}")
    number, count = int(found.group(1)), int(found.group(2))
    if not 1 <= number <= count:
        raise ShardError(f"group {number} of {count}: K/N needs 1 <= K <= N")
    return number, count


def join(out: Path, folders) -> list[str]:
    """The doc tests' reports, the kernel matrix's and the accessibility records of `folders`
    (one per group) written into `out` as one run's. Each page must come from one group only,
    and every group's kernel matrix must have run the same settings on the same kind of
    machine (the report's rows name one). What was written, as lines to print."""
    folders = [Path(folder) for folder in folders]
    for folder in folders:
        if not folder.is_dir():
            raise ShardError(f"no folder {folder}: each group's reports go in a folder of its own")
    out.mkdir(parents=True, exist_ok=True)
    said = []
    doctests = [(folder, _read(folder / Path(report.PATH).name, report.read))
                for folder in folders]
    found = [(folder, record) for folder, record in doctests if record is not None]
    if found:
        joined = found[0][1]
        owner = {summary.page: found[0][0] for summary in joined.pages}
        for folder, record in found[1:]:
            _one_owner(owner, [summary.page for summary in record.pages], folder, "doc tests")
            joined.merge(record)
        joined.write(out / Path(report.PATH).name)
        said.append(f"doc tests: {len(joined.pages)} pages from {len(found)} groups")
    kernels = [(folder, _read(folder / Path(matrix.REPORT).name, _load)) for folder in folders]
    kernels = [(folder, data) for folder, data in kernels if data is not None]
    if kernels:
        first_folder, joined_kernels = kernels[0]
        owner = {page["page"]: first_folder for page in joined_kernels["pages"]}
        for folder, data in kernels[1:]:
            if _settings(data) != _settings(joined_kernels):
                raise ShardError(f"{folder}'s kernel matrix ran other settings, or on another "
                                 f"machine, than {first_folder}'s: {_settings(data)} against "
                                 f"{_settings(joined_kernels)}")
            _one_owner(owner, [page["page"] for page in data["pages"]], folder, "kernel matrix")
            joined_kernels["pages"] += data["pages"]
            # The groups ran side by side: the join took as long as its longest group.
            joined_kernels["seconds"] = max(joined_kernels["seconds"], data["seconds"])
        (out / Path(matrix.REPORT).name).write_text(json.dumps(joined_kernels, indent=1) + "\n",
                                                    encoding="utf-8")
        said.append(f"kernel matrix: {len(joined_kernels['pages'])} pages from "
                    f"{len(kernels)} groups")
    records = [folder / AXE for folder in folders if (folder / AXE).is_file()]
    if records:
        lines = [line for record in records
                 for line in record.read_text(encoding="utf-8").splitlines() if line]
        (out / AXE).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        said.append(f"accessibility: {len(lines)} records from {len(records)} groups")
    if not said:
        raise ShardError("no report in " + ", ".join(str(folder) for folder in folders))
    return said


def _load(path: Path) -> dict | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    # Every field the join reads, read now: a broken file is named in one line.
    _settings(data)
    for page in data["pages"]:
        page["page"]  # noqa: B018
    float(data["seconds"])
    return data


def _read(path: Path, read):
    """`read(path)`, or a one-line error saying which file is not a report."""
    try:
        return read(path)
    except (ValueError, KeyError, TypeError) as error:
        raise ShardError(f"{path} is not a report: {type(error).__name__}: {error}") from None


def _settings(data: dict) -> list:
    """What a group's quick set ran: each setting, and what a command got under it (Python,
    machine, torch, kernels, threads). Joined groups must agree, or a page's row would name
    another group's run."""
    return [(config["name"], config["settings"], config["environment"])
            for config in data["configurations"]]


def _one_owner(owner: dict, pages: list, folder: Path, what: str) -> None:
    for page in pages:
        if page in owner:
            raise ShardError(f"{page} is in the {what} of both {owner[page]} and {folder}: "
                             "each page belongs to one group")
        owner[page] = folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lessonkit.shards", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    pages = commands.add_parser("pages", help="the pages of one group")
    pages.add_argument("group", help="K/N: group K of N")
    pages.add_argument("--docs", type=Path, default=Path("docs"),
                       help="the folder of the pages, beside mkdocs.yml (default: docs)")
    joining = commands.add_parser("join", help="the groups' reports, joined")
    joining.add_argument("out", type=Path, help="where the joined reports go (e.g. reports)")
    joining.add_argument("folders", type=Path, nargs="+", help="one folder per group")
    args = parser.parse_args(argv)
    try:
        if args.command == "pages":
            number, count = parse_group(args.group)
            if not args.docs.is_dir():
                raise ShardError(f"no folder {args.docs}")
            chosen = groups(args.docs.rglob("*.md"), count, args.docs.parent)[number - 1]
            spaced = [str(path) for path in chosen if " " in str(path)]
            if spaced:  # the list is one line of words, for make and the shell
                raise ShardError(f"a page's path has a space: {spaced[0]!r}")
            print(" ".join(str(path) for path in chosen))
        else:
            print("\n".join(join(args.out, args.folders)))
    except ShardError as error:
        print(f"lessonkit.shards: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
