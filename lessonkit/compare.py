"""Compare printed output with an Expected output block: exactly, or numbers within a tolerance."""

import difflib
import math
import re
from dataclasses import dataclass

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Tolerance:
    """How far a printed decimal may be from the page's: `value` itself, or `value` times the
    page's number when `relative`. Integers (counts, epochs, exit codes) always match exactly."""

    value: float
    relative: bool = False

    def allows(self, expected: str, printed: str) -> bool:
        if _is_integer(expected) or _is_integer(printed):
            return expected.lstrip("+") == printed.lstrip("+")
        bound = self.value * abs(float(expected)) if self.relative else self.value
        return abs(float(expected) - float(printed)) <= bound * (1 + 1e-9)  # 0.246-0.236 > 0.01

    def __str__(self):
        return f"{self.value * 100:g}%" if self.relative else f"{self.value:g}"


def _is_integer(token: str) -> bool:
    return not any(mark in token for mark in ".eE")


def parse_tolerance(text: str) -> Tolerance:
    """The `tolerance="..."` attribute of an Expected output block: a finite number >= 0, or a
    percentage of the page's number (`"25%"`)."""
    relative = text.strip().endswith("%")
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise ValueError(f"tolerance must be a number or a percentage, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"tolerance must be a finite number >= 0, got {text!r}")
    return Tolerance(value / 100 if relative else value, relative)


def mismatch(expected: str, printed: str, tolerance: "Tolerance | float | None" = None
             ) -> list[str]:
    """Why `printed` does not match `expected`: an empty list when it does.

    Without a tolerance every character counts. With one, the text between numbers must match
    exactly, integers too, and each decimal must be within the tolerance of the page's.
    """
    if expected == printed:
        return []
    if tolerance is None:
        return ["the output differs"]
    if not isinstance(tolerance, Tolerance):
        tolerance = Tolerance(float(tolerance))
    expected_text, printed_text = NUMBER.split(expected), NUMBER.split(printed)
    if expected_text != printed_text:
        return ["the text around the numbers differs (the tolerance applies to numbers only)"]
    reasons = []
    for expected_number, printed_number in zip(NUMBER.findall(expected),
                                               NUMBER.findall(printed), strict=True):
        if not tolerance.allows(expected_number, printed_number):
            gap = abs(float(expected_number) - float(printed_number))
            kind = "an integer, which must match" if _is_integer(expected_number) else (
                f"more than the tolerance {tolerance}")
            reasons.append(f"printed {printed_number} where the page says {expected_number}: "
                           f"off by {gap:.3g}, {kind}")
    return reasons


def unified_diff(expected: str, printed: str, expected_label: str, printed_label: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True), printed.splitlines(keepends=True),
        fromfile=expected_label, tofile=printed_label,
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ no newline at end\n"
                   for line in lines)
