"""Run the blocks of lesson pages, bundled as JSON, in this interpreter and record what they print.

This is the doc tests' runner (`lessonkit.engine.execute.run_block`) without pytest, Markdown or MkDocs:
it needs only the standard library, `lessonkit.engine.execute` and whatever the lessons import (torch).
So it runs wherever a reader could run the lessons: under other CPU settings (`lessonkit.platforms.matrix`
starts one interpreter per configuration), on another platform, or with another torch. The host
side builds the bundle (`lessonkit.platforms.matrix.bundle`) and judges the outputs as the doc tests do
(`lessonkit.engine.compare.judge`).

    python -m lessonkit.engine.replay BUNDLE.json OUT.json
"""

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from lessonkit.engine.execute import run_block

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


def replay(bundle: dict) -> dict:
    import torch  # noqa: F401  (imported once, before any block, as the doc tests do)

    pages = []
    for page in bundle["pages"]:
        # The page's folder receives each file where the page shows it, as in the doc tests.
        folder, saved = Path(tempfile.mkdtemp(prefix="replay-")), {}
        records, python = [], None
        for block in page["blocks"]:
            started = time.perf_counter()
            record = {"line": block["line"]}
            try:
                done = run_block(block, folder, saved, previous=python)
                if block["kind"] == "python":
                    python = done
                record.update(output=done.output, exit_codes=done.exit_codes,
                              commands=done.commands)
            except Exception as error:  # recorded, the host reports it
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
        print("usage: python -m lessonkit.engine.replay BUNDLE.json OUT.json", file=sys.stderr)
        return 2
    bundle = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    result = replay(bundle)
    Path(argv[1]).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
