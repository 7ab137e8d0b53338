"""Run the blocks of lesson pages, bundled as JSON, in this interpreter and record what they print.

This is the doc tests' runner without pytest, Markdown or MkDocs: it needs only the standard
library, `lessonkit.execute` and whatever the lessons import (torch). So it runs wherever a reader
could run the lessons: under other CPU settings (`lessonkit.matrix` starts one interpreter per
configuration), on another platform, or with another torch. The host side builds the bundle
(`lessonkit.matrix.bundle`) and compares the outputs with the pages.

    python -m lessonkit.replay BUNDLE.json OUT.json
"""

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from lessonkit.execute import run_source

# The settings that change which kernels run; recorded with every result.
KNOBS = ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def environment() -> dict:
    import torch

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": torch.get_num_threads(),
        "knobs": {name: os.environ[name] for name in KNOBS if name in os.environ},
    }


def run_block(block: dict, folder: Path, files: dict, namespace: dict | None):
    """(output, exit codes, namespace) of one block, as the doc tests run it."""
    if block["kind"] == "python":
        source = "\n" * block["line"] + block["code"]  # tracebacks give the page's lines
        result = run_source(source, f"block_{block['line']}.py", folder,
                            namespace=namespace if block.get("continuation") else None)
        return result.output, [result.exit_code], result.namespace
    output, codes = "", []
    files = block.get("files", files)  # the versions in effect at this block, as a reader has them
    for name, code in files.items():  # saved, so that what a command imports is that version too
        (folder / name).write_text(code, encoding="utf-8")
    for name, *args in block["commands"]:
        result = run_source(files[name], name, folder, args)
        output += result.output
        codes.append(result.exit_code)
    return output, codes, namespace


def replay(bundle: dict) -> dict:
    import torch  # noqa: F401  (imported once, before any block, as the doc tests do)

    pages = []
    for page in bundle["pages"]:
        folder = Path(tempfile.mkdtemp(prefix="replay-"))
        for name, code in page["files"].items():
            (folder / name).write_text(code, encoding="utf-8")
        records, namespace = [], None
        for block in page["blocks"]:
            started = time.perf_counter()
            record = {"line": block["line"]}
            try:
                record["output"], record["exit_codes"], namespace = run_block(
                    block, folder, page["files"], namespace)
            except BaseException as error:  # noqa: BLE001  (recorded, the host reports it)
                record["error"] = f"{type(error).__name__}: {error}"
            record["seconds"] = round(time.perf_counter() - started, 3)
            records.append(record)
        shutil.rmtree(folder, ignore_errors=True)
        pages.append({"page": page["page"], "fingerprint": page["fingerprint"],
                      "blocks": records})
    return {"environment": environment(), "pages": pages}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m lessonkit.replay BUNDLE.json OUT.json", file=sys.stderr)
        return 2
    bundle = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    result = replay(bundle)
    Path(argv[1]).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
