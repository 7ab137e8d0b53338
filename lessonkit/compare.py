"""Compare printed output with an Expected output block: exactly, or numbers within a tolerance."""

import difflib
import math
import re

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def parse_tolerance(text: str) -> float:
    """The `tolerance="..."` attribute of an Expected output block: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"tolerance must be a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"tolerance must be a finite number >= 0, got {text!r}")
    return value


def mismatch(expected: str, printed: str, tolerance: float | None = None) -> list[str]:
    """Why `printed` does not match `expected`: an empty list when it does.

    Without a tolerance every character counts. With one, the text between numbers must match
    exactly and each number must be within `tolerance` of the expected one.
    """
    if expected == printed:
        return []
    if tolerance is None:
        return ["the output differs"]
    expected_text, printed_text = NUMBER.split(expected), NUMBER.split(printed)
    if expected_text != printed_text:
        return ["the text around the numbers differs (the tolerance applies to numbers only)"]
    reasons = []
    for expected_number, printed_number in zip(NUMBER.findall(expected),
                                               NUMBER.findall(printed), strict=True):
        gap = abs(float(expected_number) - float(printed_number))
        if not gap <= tolerance:
            reasons.append(f"printed {printed_number} where the page says {expected_number}: "
                           f"off by {gap:.3g}, more than the tolerance {tolerance:g}")
    return reasons


def unified_diff(expected: str, printed: str, expected_label: str, printed_label: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True), printed.splitlines(keepends=True),
        fromfile=expected_label, tofile=printed_label,
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ no newline at end\n"
                   for line in lines)
