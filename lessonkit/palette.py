"""The light/dark palette without Material's palette code, which costs a phone most of its start-up.

Material's palette component restyles the whole page three times as its bundle starts: it marks
`<body>` with `data-md-color-switching` (whose `[data-md-color-switching] *` rule reaches every
element) and reads the header's computed style, writes `<meta name="color-scheme">` (a second
full restyle), then removes the mark (a third). Measured on the core lesson in Chromium at 390 px:
style recalculation at load took 116-153 ms with the component, 66-78 ms without it.

So the build keeps Material's toggle markup but unplugs its component (`data-md-component`), and:
- a script at the top of `<body>` (here) picks the palette before anything is drawn: the reader's
  stored choice (Material's own inline script applies that one) or else the first palette whose
  media query matches, which Material only did once its bundle ran, after a first paint in light;
- docs/assets/lessons.js runs the toggle: shows the right button, applies and stores the choice
  in Material's format (`__palette`), follows the system setting while the reader has not chosen.
"""

import json

from mkdocs.exceptions import PluginError

_FORM = '<form class="md-header__option" data-md-component="palette">'
FORM = '<form class="md-header__option" data-lessons-palette>'

_STORED = '<script>var palette=__md_get("__palette");'  # Material's: applies a stored choice

# Runs after that script and before the first paint, when restyling costs nothing (nothing has
# been styled yet): no stored choice, the first palette whose media query matches; then the
# <meta name="color-scheme"> the browser's own scrollbars and controls follow.
_CHOOSE = """<script>(function(){var b=document.body;if(!__md_get("__palette")){var p=%s;\
for(var i=0;i<p.length;i++)if(matchMedia(p[i].media).matches){for(var k in p[i])\
if(k!=="media")b.setAttribute("data-md-color-"+k,p[i][k]);break}}\
var m=document.createElement("meta");m.name="color-scheme";\
m.content=b.getAttribute("data-md-color-scheme")==="slate"?"dark":"light";\
document.head.appendChild(m)})()</script>"""


def palettes(theme_palette) -> list[dict]:
    """The palettes of mkdocs.yml's `theme.palette`, as the attributes Material gives `<body>`."""
    return [{"media": entry.get("media", "all"), "scheme": entry.get("scheme", "default"),
             "primary": entry.get("primary", "indigo"), "accent": entry.get("accent", "indigo")}
            for entry in theme_palette]


def take_over(output: str, theme_palette, where: str) -> str:
    """The page `output` with Material's palette component unplugged and the palette chosen
    before the first paint. Material shows a toggle only for a list of palettes; a site with
    one palette is returned as it is."""
    if not isinstance(theme_palette, list):
        return output
    if output.count(_FORM) != 1:
        raise PluginError(f"{where}: Material's palette toggle markup changed; "
                          "update lessonkit/palette.py")
    before, stored, rest = output.partition(_STORED)
    chosen, end, rest = rest.partition("</script>")
    if not stored or not end:
        raise PluginError(f"{where}: Material's inline palette script changed; "
                          "update lessonkit/palette.py")
    script = _CHOOSE % json.dumps(palettes(theme_palette), separators=(",", ":"))
    return (before + stored + chosen + end + script + rest).replace(_FORM, FORM)
