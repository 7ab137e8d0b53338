"""Judge a block's run against its page: exit statuses, the Expected output, exactly or numbers
within a declared tolerance. `judge` is the one verdict of the doc tests, the kernel matrix, the
other platforms and the reader's environment. Standard library only."""

import difflib
import enum
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
        if _sign(expected) != _sign(printed) and not _negative_zero(expected, printed):
            return "printed with another sign, which must match exactly"
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


def _sign(token: str) -> str:
    return token[0] if token[0] in "+-" else ""


def _negative_zero(expected: str, printed: str) -> bool:
    """-0.0000 against 0.0000: one number, zero (a mean that rounds to zero prints a minus sign
    on some CPUs). A "+" is always a difference, and so is the sign of any other number."""
    return "+" not in expected + printed and float(expected) == float(printed) == 0


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


def parse_timeout(text: str) -> float:
    """The `timeout="..."` attribute of a code block: seconds each command may run, > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f'timeout="{text}": the time limit must be a number of seconds above 0')
    return value


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


class Failure(enum.Enum):
    """Why a run fails its page, as data: runners and reports filter on this, never on text."""

    EXIT_STATUS = "exit status"  # a command exited otherwise than the page says
    TIMED_OUT = "timed out"  # a command outlived its time limit
    UNCHECKED = "unchecked output"  # printed lines and no Expected output after them
    OUTPUT = "output differs"  # the Expected output does not match (update mode rewrites it)
    ERROR = "error"  # the runner could not run the block at all


class Reason(str):
    """One reason a run fails: its text, as messages show it, and its `kind` (a Failure)."""

    kind: Failure

    def __new__(cls, kind: Failure, text: str):
        reason = super().__new__(cls, text)
        reason.kind = kind
        return reason


@dataclass
class Verdict:
    """What a block's run proves against its page: passed when `reasons` is empty."""

    output: str  # what the block printed, its last line ended as a fenced block ends it
    reasons: list[Reason] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons

    @property
    def output_differs(self) -> bool:
        """Only the Expected output is wrong: the update mode may rewrite it."""
        return bool(self.reasons) and all(r.kind is Failure.OUTPUT for r in self.reasons)


def judge(printed: str, exit_codes: list[int], commands: list[str], expected: "str | None",
          tolerance: "Tolerance | None" = None, exit_status: int = 0,
          timed_out: "list[str] | None" = None) -> Verdict:
    """The verdict on one run of a block: no command (`commands`, as the page writes them)
    outlived its time limit (`timed_out`), every one exited with `exit_status`, and what they
    printed is the Expected output `expected`, or nothing when the page shows none (printed
    lines nobody checks fail)."""
    if printed and not printed.endswith("\n"):
        # A fenced block always ends its last line: it cannot show an output that does not.
        printed += "\n"
    verdict = Verdict(printed)
    for command in timed_out or []:
        verdict.reasons.append(Reason(
            Failure.TIMED_OUT, f"`{command}` was still running at its time limit (waiting for "
            "typed input the page does not give, or too slow: a block may raise the limit with "
            'timeout="SECONDS"); it was stopped with everything it started'))
    if verdict.reasons:
        return verdict
    for number, (command, code) in enumerate(zip(commands, exit_codes, strict=True), 1):
        if code != exit_status:
            which = f"command {number} of {len(commands)}" if len(commands) > 1 else "the block"
            verdict.reasons.append(Reason(
                Failure.EXIT_STATUS,
                f"{which} (`{command}`) exited with status {code}, the page expects "
                f"{exit_status}"))
    if verdict.reasons:
        return verdict
    if expected is None:
        if printed:
            verdict.reasons.append(Reason(
                Failure.UNCHECKED,
                f"the block printed {len(printed.splitlines())} line(s) but no Expected output "
                "block follows it, so nobody checks them"))
        return verdict
    verdict.reasons = [Reason(Failure.OUTPUT, text)
                       for text in mismatch(expected, printed, tolerance)]
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
