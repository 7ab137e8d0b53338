"""Lighter code HTML keeps every character and every colour."""

import re

from lessonkit.site.codehtml import GROUP, lighten, lighten_page

# Pygments' HTML for `x = f(1)  # note`, as pymdownx.highlight writes it.
TOKENS = ('<span class="n">x</span><span class="w"> </span><span class="o">=</span>'
          '<span class="w"> </span><span class="n">f</span><span class="p">(</span>'
          '<span class="mi">1</span><span class="p">)</span>  <span class="c1"># note</span>')


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _colours(html: str) -> list:
    """(colour group, character) for every character: what a reader sees."""
    seen = []
    for match in re.finditer(r'<span class="([\w-]+)">([^<]*)</span>|([^<]+)', html):
        cls, text, plain = match.groups()
        group = GROUP.get(cls) if plain is None else None
        seen += [(group if ch.strip() else None, ch) for ch in (text if plain is None else plain)]
    return seen


def test_lighten_keeps_text_and_colours_with_fewer_spans():
    light = lighten(TOKENS)
    assert _text(light) == _text(TOKENS)
    assert _colours(light) == _colours(TOKENS)
    assert light.count("<span") < TOKENS.count("<span")
    assert '<span class="n">' not in light  # names are drawn in the plain code colour


def test_markup_it_does_not_know_is_left_alone():
    annotated = TOKENS + '<span class="md-annotation"><b>1</b></span>'
    assert lighten(annotated) == annotated


def test_a_page_loses_the_empty_span_before_code_and_keeps_its_text():
    page = ('<div class="language-python highlight"><span class="filename">a.py</span><pre>'
            f'<span></span><code>{TOKENS}\n</code></pre></div>')
    light = lighten_page(page)
    assert "<pre><code>" in light and _text(light) == _text(page)
