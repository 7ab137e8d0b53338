"""Judge a block's run against its page: exit statuses, the Expected output, exactly or numbers
within a declared tolerance. `judge` is the one verdict of the doc tests, the kernel matrix, the
other platforms and the reader's environment. Standard library only (it runs in every replay)."""

import difflib
import math
import re
from dataclasses import dataclass, field

# A number as printed: a dotted version (2.13.0), a decimal (0.5, 1., .5, 1e-3) or an integer. A
# version is one token, so that a tolerance can never read its parts as numbers.
NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d+){2,}|\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)")


@dataclass(frozen=True)
class Tolerance:
    """How far a printed decimal may be from the page's: `value` itself, or `value` times the
    page's number when `relative`. Integers (counts, epochs, exit codes), versions and numbers
    printed with another precision always differ."""

    value: float
    relative: bool = False

    def why_not(self, expected: str, printed: str) -> str:
        """Why `printed` is not within the tolerance of the page's `expected`; "" when it is."""
        if expected == printed:
            return ""
        if not (_is_decimal(expected) and _is_decimal(printed)):
            kind = "a version" if _is_version(expected) else "an integer"
            return f"{kind}, which must match exactly"
        if _shape(expected) != _shape(printed):
            return "printed with another precision, which must match exactly"
        page, run = float(expected), float(printed)
        if not (math.isfinite(page) and math.isfinite(run)):
            return "too large for a float, so it must match exactly"
        bound = self.value * abs(page) if self.relative else self.value
        gap = abs(page - run)
        if gap <= bound * (1 + 1e-9):  # 0.246 - 0.236 > 0.01 in floating point
            return ""
        return f"off by {gap:.3g}, more than the tolerance {self}"

    def __str__(self):
        return f"{self.value * 100:g}%" if self.relative else f"{self.value:g}"


def _is_version(token: str) -> bool:
    return token.count(".") > 1


def _is_decimal(token: str) -> bool:
    return not _is_version(token) and any(mark in token for mark in ".eE")


def _shape(token: str) -> tuple:
    """Digits after the point and the exponent's presence: what a change of precision changes."""
    mantissa, _, exponent = token.lower().partition("e")
    return len(mantissa.partition(".")[2]), bool(exponent)


def parse_tolerance(text: str) -> Tolerance:
    """The `tolerance="..."` attribute of an Expected output block: a finite number >= 0, or a
    percentage of the page's number (`"25%"`)."""
    relative = text.strip().endswith("%")
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise ValueError(f"tolerance must be a number or a percentage, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"tolerance must be a finite number >= 0, got {text!r}")
    return Tolerance(value / 100 if relative else value, relative)


def parse_exit(text: str) -> int:
    """The `exit="..."` attribute of a code block: the status every command must exit with."""
    if not text.strip().isdigit() or int(text) > 255:
        raise ValueError(f'exit="{text}": the exit status must be a whole number from 0 to 255')
    return int(text)


def mismatch(expected: str, printed: str, tolerance: "Tolerance | float | None" = None
             ) -> list[str]:
    """Why `printed` does not match `expected`: an empty list when it does.

    Without a tolerance every character counts. With one, the text between numbers must match
    exactly, integers and versions too, and each decimal must be within the tolerance of the
    page's, printed with the same number of digits."""
    if expected == printed:
        return []
    if tolerance is None:
        return ["the output differs"]
    if not isinstance(tolerance, Tolerance):
        tolerance = Tolerance(float(tolerance))
    if NUMBER.split(expected) != NUMBER.split(printed):
        return ["the text around the numbers differs (the tolerance applies to numbers only)"]
    reasons = []
    for page_number, printed_number in zip(NUMBER.findall(expected), NUMBER.findall(printed),
                                           strict=True):
        why = tolerance.why_not(page_number, printed_number)
        if why:
            reasons.append(f"printed {printed_number} where the page says {page_number}: {why}")
    return reasons


@dataclass
class Verdict:
    """What a block's run proves against its page: passed when `reasons` is empty."""

    output: str  # what the block printed, its last line ended as a fenced block ends it
    reasons: list[str] = field(default_factory=list)
    output_differs: bool = False  # the failure is the Expected output (update mode rewrites it)

    @property
    def passed(self) -> bool:
        return not self.reasons


def judge(printed: str, exit_codes: list[int], commands: list[str], expected: "str | None",
          tolerance: "Tolerance | None" = None, exit_status: int = 0) -> Verdict:
    """The verdict on one run of a block: every command (`commands`, as the page writes them)
    exited with `exit_status`; what it printed is the Expected output `expected`, or nothing when
    the page shows none (printed lines nobody checks fail)."""
    if printed and not printed.endswith("\n"):
        # A fenced block always ends its last line: it cannot show an output that does not.
        printed += "\n"
    verdict = Verdict(printed)
    for number, (command, code) in enumerate(zip(commands, exit_codes, strict=True), 1):
        if code != exit_status:
            which = f"command {number} of {len(commands)}" if len(commands) > 1 else "the block"
            verdict.reasons.append(f"{which} (`{command}`) exited with status {code}, the page "
                                   f"expects {exit_status}")
    if verdict.reasons:
        return verdict
    if expected is None:
        if printed:
            verdict.reasons.append(
                f"the block printed {len(printed.splitlines())} line(s) but no Expected output "
                "block follows it, so nobody checks them")
        return verdict
    verdict.reasons = mismatch(expected, printed, tolerance)
    verdict.output_differs = bool(verdict.reasons)
    return verdict


def _visible(line: str) -> str:
    """A diff line with what a terminal does not show made visible: a carriage return, trailing
    spaces and tabs."""
    body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
    stripped = body.rstrip(" \t\r")
    trailing = body[len(stripped):].replace(" ", "\u00b7").replace("\t", "\u2192")
    return (stripped + trailing).replace("\r", "\u240d") + end


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line: "\r" is part of the line, as the page and the comparison see it.
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def unified_diff(expected: str, printed: str, expected_label: str, printed_label: str) -> str:
    lines = list(difflib.unified_diff(_lines(expected), _lines(printed),
                                      fromfile=expected_label, tofile=printed_label))
    text = "".join(_visible(line) if line.endswith("\n") else _visible(line)
                   + "\n\\ no newline at end\n" for line in lines)
    if any(mark in text for mark in "\u00b7\u2192\u240d"):
        text += "(\u00b7 a trailing space, \u2192 a trailing tab, \u240d a carriage return)\n"
    return text
