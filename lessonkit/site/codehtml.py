"""Lighter HTML for highlighted code: the same colours with far fewer elements.

Pygments wraps every token in a span, and a browser pays for each one (a 130-line script is
about 800 elements). Material's theme gives many token classes the same colour, and gives names
(`n`) and whitespace (`w`) the plain code colour. So, without changing what a reader sees:

- tokens of a class that Material draws in the plain code colour lose their span;
- neighbouring tokens drawn in the same colour share one span (whitespace between them joins in);
- the empty span Pygments puts before `<code>` goes.

The text, and so what the copy button copies and what search indexes, stays the same byte for
byte. Classes this module does not know keep their own span.
"""

import re

# Material 9's highlight colours (its main stylesheet), one group per colour variable. Classes
# not listed here are drawn in the plain code colour, like names; the lessons' stylesheet draws
# punctuation (`p`) so too, as GitHub does, which takes a third of a page's code spans away.
_GROUPS = {
    "operator": "o ow",
    "string": "cpf l s s1 s2 sb sc si ss",
    "special": "cp se sh sr sx",
    "number": "il m mb mf mh mi mo",
    "keyword": "k kd kn kp kr kt nd ni nl nt",
    "constant": "bp nb no",
    "function": "nc ne nf nn",
    "comment": "c c1 ch cm cs sd",
    "variable": "na nv vc vg vi",
    "generic": "ge gh go gp gr gs gt gu",
}
GROUP = {cls: group for group, classes in _GROUPS.items() for cls in classes.split()}
KEEP = {"gd", "gi", "hll", "filename"}  # backgrounds or layout: never merged, never unwrapped

_BLOCK = re.compile(r'(<div class="language-[\w-]+ highlight">.*?<pre>)<span></span>'
                    r"(<code>)(.*?)(</code>)", re.DOTALL)
_TOKEN = re.compile(r'<span class="([\w-]+)">([^<]*)</span>|([^<]+)')


def _segments(code: str):
    """(group or None, class, text) for each token; None if the code is not plain Pygments."""
    segments, position = [], 0
    for match in _TOKEN.finditer(code):
        if match.start() != position:
            return None  # markup this module does not know (annotations, line spans)
        position = match.end()
        cls, text, plain = match.groups()
        if plain is not None:
            segments.append((None, "", plain))
        elif cls in KEEP:
            segments.append((f"keep:{id(match)}", cls, text))
        else:
            segments.append((GROUP.get(cls), cls, text))
    return segments if position == len(code) else None


def lighten(code: str) -> str:
    """The inner HTML of one highlighted `<code>`, with fewer spans and the same look."""
    segments = _segments(code)
    if segments is None:
        return code
    # Whitespace between two tokens of one colour joins them: it has no colour of its own.
    for index in range(1, len(segments) - 1):
        group, _, text = segments[index]
        before, after = segments[index - 1][0], segments[index + 1][0]
        if group is None and not text.strip() and before is not None and before == after:
            segments[index] = (before, segments[index - 1][1], text)
    out, run_group, run_class, run_text = [], None, "", []

    def flush():
        if run_text:
            text = "".join(run_text)
            out.append(f'<span class="{run_class}">{text}</span>' if run_group else text)

    for group, cls, text in segments:
        if group != run_group or (group or "").startswith("keep:"):
            flush()
            run_group, run_class, run_text = group, cls, []
        run_text.append(text)
    flush()
    return "".join(out)


def lighten_page(html: str) -> str:
    """Every highlighted code block of a page's content, lightened."""
    return _BLOCK.sub(lambda m: m[1] + m[2] + lighten(m[3]) + m[4], html)
