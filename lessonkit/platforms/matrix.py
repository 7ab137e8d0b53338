"""The kernel matrix: every compared block of the lessons, run under the CPU settings that other
readers' machines get, from this one machine.

Which digits a run prints can depend on which vectorized kernels torch picks
(`ATEN_CPU_CAPABILITY`), which code path MKL takes (`MKL_CBWR`; an AVX2-only CPU gets the AVX2
path) and how many threads split a reduction. All three are read when a process starts: each
command of every page runs under each configuration as its own `python` process, through the doc
tests' runner (`lessonkit.engine.runner`), with the configuration's settings in its environment;
plain Python fences are pasted into a real REPL the same way. The result says, per block,
whether its Expected output held in every configuration, and for each line that varies, the
values seen.

    python -m lessonkit.platforms.matrix            # the quick set (what `make test` runs)
    python -m lessonkit.platforms.matrix --full     # all 18 configurations (`make test-kernels`)
"""

import argparse
import concurrent.futures
import contextlib
import itertools
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from lessonkit.engine import compare, includes, pages, runner
from lessonkit.engine.pages import Kind

# The settings that change which kernels run; recorded with every result.
KNOBS = ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

ROOT = Path(__file__).resolve().parents[2]
REPORT = "reports/kernels.json"
MKDOCS_YML = ROOT / "mkdocs.yml"

ATEN = ("default", "avx2", "avx512")
MKL = ("", "COMPATIBLE", "AVX2")  # "" leaves MKL_CBWR unset: MKL picks the CPU's own path
THREADS = (1, 2)


def config_name(aten: str, mkl: str, threads: int) -> str:
    return f"aten={aten} mkl={mkl or 'auto'} threads={threads}"


def config_env(aten: str, mkl: str, threads: int) -> dict:
    env = {"ATEN_CPU_CAPABILITY": aten, "OMP_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads)}
    if mkl:
        env["MKL_CBWR"] = mkl
    return env


def supported_kernels(cpuinfo: Path = Path("/proc/cpuinfo")) -> tuple[str, ...]:
    """The ATen kernel paths this CPU can run. torch trusts ATEN_CPU_CAPABILITY: asked for
    kernels the CPU lacks (avx512 on an AVX2-only runner) it would stop on an illegal
    instruction, so those are left out."""
    try:
        found = re.search(r"^flags\s*:(.*)$", cpuinfo.read_text(encoding="utf-8"), re.MULTILINE)
    except OSError:
        found = None
    flags = set(found.group(1).split()) if found else set()
    needs = {"default": set(), "avx2": {"avx2", "fma"},
             "avx512": {"avx512f", "avx512bw", "avx512dq", "avx512vl"}}
    return tuple(kernels for kernels in ATEN if needs[kernels] <= flags)


def configurations(full: bool, machine: str = platform.machine(),
                   kernels: tuple[str, ...] | None = None,
                   cores: int | None = None) -> list[tuple[str, dict]]:
    """All 18 settings, or a quick set of two which, with the doc tests' own run as the third
    (the CPU's own kernels, MKL's own code path, a thread per core), has every value of every
    knob: together they catch a block that depends on any single knob. Only the kernels this
    CPU has (`supported_kernels`).

    Threads: the doc tests run a thread per core (`cores`, this machine's count by default).
    On two cores that is the quick set's second thread count already, and both its settings
    run one thread, side by side, one per core: a two-thread setting took both cores for less
    than twice the speed (`digits_curves.py`: 9.5 s on two threads, 11-12 s on one). With any
    other number of cores the second setting runs two threads."""
    if machine not in ("x86_64", "AMD64"):
        # The avx2/avx512 kernels and MKL exist only on x86-64; elsewhere torch ignores the value
        # with a UserWarning in the first block's output. Vary the threads under the default
        # kernels (the doc tests' own run has the CPU's own, e.g. SVE on aarch64).
        return [(f"aten=default threads={n}",
                 {"ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": str(n)}) for n in THREADS]
    kernels = supported_kernels() if kernels is None else kernels
    if full:
        chosen = itertools.product(kernels, MKL, THREADS)
    else:
        # The CPU's own kernels (avx512 where it has them) and MKL's own path ("") are the doc
        # tests': a third setting with them would repeat that run with one thread, which the
        # first setting has already.
        second = 1 if (cores or os.cpu_count() or 1) == 2 else 2
        chosen = [("default", "COMPATIBLE", 1), ("avx2", "AVX2", second)]
        # Without a kernel path, its setting runs on the best one the CPU has.
        chosen = [(a if a in kernels else kernels[-1], m, t) for a, m, t in chosen]
    return [(config_name(*c), config_env(*c)) for c in chosen]


def bundle(page_paths, config_file: Path = MKDOCS_YML, root: Path = ROOT) -> dict:
    """The pages' files and runnable blocks, includes expanded, as `run_page` runs them, with
    each block's Expected output for the comparison afterwards."""
    out = []
    for path in page_paths:
        path = Path(path).resolve()
        page = pages.read_page(path.read_text(encoding="utf-8"),
                               lambda code: includes.expand(code, config_file=config_file))
        blocks = []
        for block in page.blocks:
            if not block.runs:
                continue
            entry = {**pages.runnable(block), "exit": block.exit_status}
            if block.expected is not None:
                entry["expected"] = {"line": block.expected.line, "text": block.expected.code,
                                     "tolerance": block.expected.attrs.get("tolerance")}
            blocks.append(entry)
        out.append({"page": str(path.relative_to(root)), "fingerprint": page.fingerprint(),
                    "blocks": blocks})
    return {"pages": out}


def environment(interpreter: runner.Interpreter) -> dict:
    """What a command gets under `interpreter`: Python, machine, torch and its kernels, asked of
    a `python` started the way the commands are."""
    done = runner.run(["-c", _ENVIRONMENT], Path(tempfile.gettempdir()), interpreter, timeout=300)
    found = re.search(r"\{.*\}", done.output)
    if done.status != 0 or not found:
        raise RuntimeError(f"python under {interpreter.env} could not start: {done.output}")
    seen = json.loads(found.group(0))
    seen["knobs"] = {name: interpreter.env[name] for name in KNOBS if name in interpreter.env}
    return seen


_ENVIRONMENT = (
    "import json, platform, torch; print(json.dumps({'python': platform.python_version(), "
    "'machine': platform.machine(), 'torch': torch.__version__, "
    "'cpu_capability': torch.backends.cpu.get_cpu_capability(), "
    "'threads': torch.get_num_threads()}))")


def run_page(page: dict, interpreter: runner.Interpreter) -> list[dict]:
    """Every runnable block of one page of the bundle, in page order, in one new folder that
    receives each file where the page shows it: one record per block."""
    folder = Path(tempfile.mkdtemp(prefix="matrix-page-"))
    saved, chain, records = {}, "", []
    try:
        for block in page["blocks"]:
            before = chain if block.get("continuation") else ""
            done = runner.run_block(block, folder, saved, interpreter, chain=before)
            if block["kind"] == Kind.PYTHON:
                chain = before + block["code"].rstrip("\n") + "\n\n"
            records.append({"line": block["line"], "output": done.output,
                            "exit_codes": done.exit_codes, "commands": done.commands,
                            "timed_out": done.timed_out, "seconds": round(done.seconds, 3)})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return records


def weight(interpreter: runner.Interpreter) -> int:
    """The cores a command under `interpreter` keeps busy: its thread count (all cores when
    the reader's default is left)."""
    threads = interpreter.env.get("OMP_NUM_THREADS")
    cores = os.cpu_count() or 1
    return min(cores, int(threads)) if threads and threads.isdigit() else cores


class _Cores:
    """At most `os.cpu_count()` threads of torch busy at a time (running more threads than
    cores slows OpenMP many times over), handed out in turn: the task of turn N starts only
    after every turn before it has (a two-thread task waits for both cores)."""

    def __init__(self, turns: int, cores: int | None = None):
        self.free = cores or os.cpu_count() or 1
        self.waiting = list(range(turns))  # every turn, from the start: none can jump the queue
        self.changed = threading.Condition()

    @contextlib.contextmanager
    def take(self, count: int, turn: int):
        with self.changed:
            self.changed.wait_for(lambda: self.free >= count and turn == self.waiting[0])
            self.waiting.pop(0)
            self.free -= count
            self.changed.notify_all()  # the next in turn may fit in what is left
        try:
            yield
        finally:
            with self.changed:
                self.free += count
                self.changed.notify_all()


def cost(page: dict) -> int:
    """How long a page takes to run, roughly: one new process per command and per fence."""
    return sum(len(block.get("commands") or [None]) for block in page["blocks"])


def run(bundle_data: dict, configs: list) -> dict:
    """{configuration name: {"environment", "pages": [{"blocks": records}]}}: every page under
    every (name, Interpreter) of `configs`, pages and configurations side by side as far as the
    cores allow, the longest pages first (so that the last to start end soon)."""
    tasks = [(name, interpreter, index) for name, interpreter in configs
             for index in range(len(bundle_data["pages"]))]
    cores = _Cores(len(tasks))
    order = sorted(range(len(tasks)), key=lambda t: -cost(bundle_data["pages"][tasks[t][2]]))
    turns = {task: turn for turn, task in enumerate(order)}

    def one(numbered):
        number, (name, interpreter, index) = numbered
        with cores.take(weight(interpreter), turns[number]):
            return run_page(bundle_data["pages"][index], interpreter)

    with concurrent.futures.ThreadPoolExecutor(max(1, len(tasks))) as pool:
        environments = dict(zip([name for name, _ in configs],
                                pool.map(lambda config: environment(config[1]), configs),
                                strict=True))
        done = list(pool.map(one, enumerate(tasks)))
    results = {name: {"environment": environments[name], "pages": []} for name, _ in configs}
    for (name, _, _), records in zip(tasks, done, strict=True):
        results[name]["pages"].append({"blocks": records})
    return results


def block_verdict(block: dict, seen: dict) -> dict:
    """Whether one block printed its Expected output under every configuration, judged as the
    doc tests judge it (`compare.judge`).

    `seen` maps a configuration name to its record of this block (output, exit codes or error)."""
    verdict = {"line": block["line"], "kind": block.get("kind", ""), "status": "identical",
               "problems": {}, "varying": []}
    expected = block.get("expected")
    # Read by the page reader already (an invalid tolerance never reaches a bundle).
    tolerance = (compare.parse_tolerance(expected["tolerance"])
                 if expected and expected["tolerance"] is not None else None)
    for name, record in seen.items():
        if "error" in record:
            verdict["problems"][name] = [{"kind": compare.Failure.ERROR.value,
                                          "text": record["error"]}]
            continue
        commands = record.get("commands") or [f"command {n + 1}"
                                              for n in range(len(record["exit_codes"]))]
        judged = compare.judge(record["output"], record["exit_codes"], commands,
                               expected["text"] if expected else None, tolerance,
                               block["exit"], record.get("timed_out"))
        if not judged.passed:
            verdict["problems"][name] = [{"kind": reason.kind.value, "text": str(reason)}
                                         for reason in judged.reasons]
    outputs = {name: record.get("output", "") for name, record in seen.items()}
    split = {name: text.splitlines() for name, text in outputs.items()}
    longest = max((len(lines) for lines in split.values()), default=0)
    for number in range(longest):
        values = {}
        for name, lines in split.items():
            values.setdefault(lines[number] if number < len(lines) else "<missing>",
                              []).append(name)
        if len(values) > 1:
            verdict["varying"].append({"output_line": number + 1, "values": values})
    if expected is not None:
        verdict["largest_deviation"] = largest_deviation(expected["text"], outputs.values())
    if verdict["problems"]:
        verdict["status"] = "differs"
    elif verdict["varying"]:
        verdict["status"] = "within tolerance"
    if expected is not None:
        verdict["expected_line"] = expected["line"]
    return verdict


def largest_deviation(expected: str, outputs) -> float | None:
    """The largest gap between a number on the page and the same number printed in any
    configuration (None if the text around the numbers changed): what a tolerance must cover."""
    numbers = compare.NUMBER.findall(expected)
    largest = 0.0
    for output in outputs:
        if compare.NUMBER.split(output) != compare.NUMBER.split(expected):
            return None
        for a, b in zip(numbers, compare.NUMBER.findall(output), strict=True):
            largest = max(largest, abs(float(a) - float(b)))
    return largest


def verdicts(bundle_data: dict, results: dict) -> list[dict]:
    report = []
    for index, page in enumerate(bundle_data["pages"]):
        blocks = []
        for number, block in enumerate(page["blocks"]):
            seen = {name: result["pages"][index]["blocks"][number]
                    for name, result in results.items()}
            blocks.append(block_verdict(block, seen))
        report.append({"page": page["page"], "fingerprint": page["fingerprint"],
                       "blocks": blocks})
    return report


def describe(report: list[dict]) -> str:
    lines = []
    for page in report:
        for block in page["blocks"]:
            deviation = block.get("largest_deviation")
            status = block["status"]
            if block.get("kind") == "python":  # no output to compare: it passed or it did not
                status = "Python fence, " + ("passed" if status == "identical" else "FAILED")
            lines.append(f"{page['page']}:{block['line']}: {status}"
                         + (f" (largest deviation {deviation:.4g})" if deviation else ""))
            for name, reasons in block["problems"].items():
                lines += [f"    {name}: {reason['text']}" for reason in reasons]
            for vary in block["varying"]:
                lines.append(f"    output line {vary['output_line']} varies:")
                lines += [f"      {text!r} under {len(names)}: {', '.join(names)}"
                          for text, names in vary["values"].items()]
    return "\n".join(lines)


def kernel_configs(full: bool) -> list[tuple[str, runner.Interpreter]]:
    """The configurations as interpreters: this venv's python with each setting's knobs."""
    return [(name, runner.Interpreter((sys.executable,), env))
            for name, env in configurations(full)]


def check(page_paths, full: bool = False, report_file: Path | None = None) -> tuple[bool, str]:
    """Run the matrix; (all Expected outputs held everywhere, readable report)."""
    started = time.perf_counter()
    data = bundle(page_paths)
    configs = kernel_configs(full)
    results = run(data, configs)
    report = verdicts(data, results)
    seconds = time.perf_counter() - started
    if report_file is not None:
        kept = _kept_pages(report_file, configs, {page["page"] for page in report})
        report_file.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: a build reading the report meanwhile (`make test` builds
        # beside the quick set) sees the old one or the new one, never half of one.
        partial = report_file.with_suffix(".partial")
        partial.write_text(json.dumps({
            "kind": "kernel matrix",
            "configurations": [{"name": name, "settings": interpreter.env,
                                "environment": results[name]["environment"]}
                               for name, interpreter in configs],
            "seconds": round(seconds, 1),
            "pages": report + kept,
        }, indent=1) + "\n", encoding="utf-8")
        partial.replace(report_file)
    ok = all(block["status"] != "differs" for page in report for block in page["blocks"])
    blocks = sum(len(page["blocks"]) for page in report)
    summary = (f"kernel matrix: {len(configs)} configurations x {blocks} blocks in "
               f"{seconds:.1f} s: " + ("every Expected output held" if ok else "DIFFERS"))
    return ok, describe(report) + "\n" + summary


def _kept_pages(report_file: Path, configs, ran: set) -> list[dict]:
    """The pages an earlier report at `report_file` has and this run did not run, when it ran
    the same settings: a run of some pages (`make test-pages PAGES=docs/x.md`) keeps the
    others' records, as the doc tests' report does (each with its fingerprint: a page changed
    since shows stale)."""
    try:
        earlier = json.loads(report_file.read_text(encoding="utf-8"))
        settings = [(config["name"], config["settings"]) for config in earlier["configurations"]]
        pages = earlier["pages"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    if settings != [(name, interpreter.env) for name, interpreter in configs]:
        return []
    return [page for page in pages if page.get("page") not in ran]


def lesson_pages(root: Path = ROOT) -> list[Path]:
    return sorted((root / "docs").rglob("*.md"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lessonkit.platforms.matrix",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", type=Path,
                        help="lesson pages, or folders of them (default: docs)")
    parser.add_argument("--full", action="store_true", help="all 18 configurations")
    parser.add_argument("--report", type=Path, default=ROOT / REPORT,
                        help="where to write the JSON record (default: %(default)s)")
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.pages if not path.exists()]
    chosen = [page for path in args.pages if path.exists()
              for page in (sorted(path.rglob("*.md")) if path.is_dir() else [path])]
    problem = (f"no such page or folder: {', '.join(missing)}" if missing else
               f"no page (*.md) in {', '.join(map(str, args.pages))}"
               if args.pages and not chosen else "")
    if problem:
        print(f"{parser.prog}: {problem}", file=sys.stderr)
        return 2
    ok, text = check(chosen or lesson_pages(), args.full, args.report)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
