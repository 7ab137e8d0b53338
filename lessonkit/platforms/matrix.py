"""The kernel matrix: every compared block of the lessons, run under the CPU settings that other
readers' machines get, from this one machine.

Which digits a run prints can depend on which vectorized kernels torch picks
(`ATEN_CPU_CAPABILITY`), which code path MKL takes (`MKL_CBWR`; an AVX2-only CPU gets the AVX2
path) and how many threads split a reduction. All three are read when a process starts, so each
configuration gets one interpreter, which runs every block of every page (`lessonkit.engine.replay`).
The result says, per block, whether its Expected output held in every configuration, and for each
line that varies, the values seen.

    python -m lessonkit.platforms.matrix            # the quick set (what `make test` runs)
    python -m lessonkit.platforms.matrix --full     # all 18 configurations (`make test-kernels`)
"""

import argparse
import concurrent.futures
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lessonkit.engine import compare, includes, pages
from lessonkit.engine.replay import KNOBS

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
                   kernels: tuple[str, ...] | None = None) -> list[tuple[str, dict]]:
    """All 18 settings, or a quick set of three in which every value of every knob appears once:
    together with the doc tests' own run (the CPU's own kernels and threads) it catches a block
    that depends on any single knob. Only the kernels this CPU has (`supported_kernels`)."""
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
        chosen = [("default", "COMPATIBLE", 1), ("avx2", "AVX2", 2), ("avx512", "", 1)]
        # Without a kernel path, its setting runs on the best one the CPU has.
        chosen = [(a if a in kernels else kernels[-1], m, t) for a, m, t in chosen]
    return [(config_name(*c), config_env(*c)) for c in chosen]


def bundle(page_paths, config_file: Path = MKDOCS_YML, root: Path = ROOT) -> dict:
    """The pages' files and runnable blocks, includes expanded, as `lessonkit.engine.replay` reads them,
    with each block's Expected output for the comparison afterwards."""
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


def run_configuration(bundle_file: Path, env: dict, out_file: Path, python=sys.executable,
                      root: Path = ROOT) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in KNOBS}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), clean.get("PYTHONPATH")]))
    done = subprocess.run([python, "-m", "lessonkit.engine.replay", str(bundle_file), str(out_file)],
                          env={**clean, **env}, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the replay under {env} failed:\n{done.stderr}")
    return json.loads(out_file.read_text(encoding="utf-8"))


def run(bundle_data: dict, configs, jobs: int = 2) -> dict:
    """{config name: replay result}, one interpreter per configuration, `jobs` at a time."""
    with tempfile.TemporaryDirectory(prefix="matrix-") as tmp:
        bundle_file = Path(tmp) / "bundle.json"
        bundle_file.write_text(json.dumps(bundle_data), encoding="utf-8")
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            futures = {name: pool.submit(run_configuration, bundle_file, env,
                                         Path(tmp) / f"out{i}.json")
                       for i, (name, env) in enumerate(configs)}
            return {name: future.result() for name, future in futures.items()}


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
            verdict["problems"][name] = [record["error"]]
            continue
        commands = record.get("commands") or [f"command {n + 1}"
                                              for n in range(len(record["exit_codes"]))]
        judged = compare.judge(record["output"], record["exit_codes"], commands,
                               expected["text"] if expected else None, tolerance,
                               block["exit"])
        if not judged.passed:
            verdict["problems"][name] = judged.reasons
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
                lines += [f"    {name}: {reason}" for reason in reasons]
            for vary in block["varying"]:
                lines.append(f"    output line {vary['output_line']} varies:")
                lines += [f"      {text!r} under {len(names)}: {', '.join(names)}"
                          for text, names in vary["values"].items()]
    return "\n".join(lines)


def check(page_paths, full: bool = False, report_file: Path | None = None,
          jobs: int = 2) -> tuple[bool, str]:
    """Run the matrix; (all Expected outputs held everywhere, readable report)."""
    started = time.perf_counter()
    data = bundle(page_paths)
    configs = configurations(full)
    results = run(data, configs, jobs)
    report = verdicts(data, results)
    seconds = time.perf_counter() - started
    if report_file is not None:
        report_file.parent.mkdir(parents=True, exist_ok=True)
        report_file.write_text(json.dumps({
            "kind": "kernel matrix",
            "configurations": [{"name": name, "settings": env,
                                "environment": results[name]["environment"]}
                               for name, env in configs],
            "seconds": round(seconds, 1),
            "pages": report,
        }, indent=1) + "\n", encoding="utf-8")
    ok = all(block["status"] != "differs" for page in report for block in page["blocks"])
    blocks = sum(len(page["blocks"]) for page in report)
    summary = (f"kernel matrix: {len(configs)} configurations x {blocks} blocks in "
               f"{seconds:.1f} s: " + ("every Expected output held" if ok else "DIFFERS"))
    return ok, describe(report) + "\n" + summary


def lesson_pages(root: Path = ROOT) -> list[Path]:
    return sorted((root / "docs").rglob("*.md"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lessonkit.platforms.matrix", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", type=Path, help="lesson pages (default: docs/**/*.md)")
    parser.add_argument("--full", action="store_true", help="all 18 configurations")
    parser.add_argument("--report", type=Path, default=ROOT / REPORT,
                        help="where to write the JSON record (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="interpreters at a time")
    args = parser.parse_args(argv)
    ok, text = check(args.pages or lesson_pages(), args.full, args.report, args.jobs)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
