"""The build's slow steps, each a process of its own (a figure script, a notebook's kernel),
run side by side: as many at a time as the machine has cores.

A step is a function of the environment variables its process adds; it returns its failure in
one line, or "" when it did its work.
"""

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

Step = Callable[[dict], str]
# Processes sharing cores wait for work passively (lessonkit.plugins.lessons.SIDE_BY_SIDE says
# why: spinning OpenMP threads slow each other down; what is computed is the same).
PASSIVE = {"OMP_WAIT_POLICY": "PASSIVE"}


def run(steps: list[Step]) -> list[str]:
    """Every step, one per core at a time; the failures, in the steps' order."""
    if not steps:
        return []
    env = PASSIVE if len(steps) > 1 else {}
    with ThreadPoolExecutor(max_workers=min(len(steps), os.cpu_count() or 1)) as pool:
        return [failure for failure in pool.map(lambda step: step(env), steps) if failure]


def labelled(label: str, steps: list[Step]) -> list[Step]:
    """`steps` whose failures start with `label` (what kind of step failed)."""
    def one(step: Step) -> Step:
        return lambda env: (f"{label}: {failure}" if (failure := step(env)) else "")
    return [one(step) for step in steps]
