"""The light/dark palette without Material's palette code, which costs a phone most of its start-up.

Material's palette component restyles the whole page three times as its bundle starts: it marks
`<body>` with `data-md-color-switching` (whose `[data-md-color-switching] *` rule reaches every
element) and reads the header's computed style, writes `<meta name="color-scheme">` (a second
full restyle), then removes the mark (a third). Measured on the core lesson in Chromium at 390 px:
style recalculation at load took 116-153 ms with the component, 66-78 ms without it.

So the build keeps Material's toggle markup but unplugs its component (`data-md-component`), and:
- Material's inline palette script reads the stored choice through a guard (GUARDED below);
- a script placed right after Material's own inline palette script (in the header, after the
  toggle's inputs, before anything is drawn) picks the palette when the reader has stored none:
  the first input whose media query matches, which Material only did once its bundle ran, after a
  first paint in light; it also writes `<meta name="color-scheme">`;
- docs/assets/lessons.js runs the toggle: shows the right button, applies and stores the choice
  in Material's format (`__palette`), follows the system setting while nothing is stored.
Material stored `__palette` on every visit, not only on a click: a reader who visited before
keeps the palette their system had then until they switch. Material's automatic palette
(`media: "(prefers-color-scheme)"`) is not supported: a site using it fails the build.
"""

from mkdocs.exceptions import PluginError

_FORM = '<form class="md-header__option" data-md-component="palette">'
FORM = '<form class="md-header__option" data-lessons-palette>'

_STORED = '<script>var palette=__md_get("__palette");'  # Material's: applies a stored choice

# Material's __md_get is JSON.parse of localStorage, unguarded: a corrupt stored value (or a
# browser that refuses storage) threw in Material's script and in ours, and the page kept
# Material's first palette without its <meta name="color-scheme">. So every read of the stored
# choice, Material's script's included, goes through `__lessons_palette`: the choice, or null
# when nothing usable is stored (then the system's palette applies).
GUARDED = ('<script>function __lessons_palette(){try{var p=__md_get("__palette");'
           'return p&&p.color?p:null}catch(e){return null}}var palette=__lessons_palette();')

# Runs after that script and before the first paint, when restyling costs nothing (nothing has
# been styled yet): with no stored choice, the palette of the first toggle input whose media
# query matches; then the <meta name="color-scheme"> the browser's own controls follow.
# `__lessons_color_scheme` is the one place where Material's dark scheme (slate) becomes the
# browser's "dark"; docs/assets/lessons.js calls it when the reader switches.
CHOOSE = """<script id="lessons-palette">\
function __lessons_color_scheme(s){return s==="slate"?"dark":"light"}\
(function(){var b=document.body;if(!__lessons_palette()){\
var p=document.querySelectorAll("input[name=__palette]");for(var i=0;i<p.length;i++)\
if(matchMedia(p[i].getAttribute("data-md-color-media")).matches){\
["scheme","primary","accent"].forEach(function(k){\
b.setAttribute("data-md-color-"+k,p[i].getAttribute("data-md-color-"+k))});break}}\
var m=document.createElement("meta");m.name="color-scheme";\
m.content=__lessons_color_scheme(b.getAttribute("data-md-color-scheme"));\
document.head.appendChild(m)})()</script>"""
_AUTOMATIC = 'data-md-color-media="(prefers-color-scheme)"'

# Chromium can paint the part of <body> it has parsed before the parser reaches CHOOSE: under
# load, a first paint at 120 ms and the scheme set at 124 ms, so a reader whose system is dark saw
# the light palette first. This link in <head> holds rendering (HTML's `rel=expect` with
# `blocking=render`; a browser without it ignores it) until the parser has inserted CHOSEN, the
# empty element right after CHOOSE. It names the element after the script, not the script itself:
# Chromium lets rendering go on as soon as the expected element is inserted, which for a script
# is its start tag, before its text has come or run (a page delivered with a pause inside CHOOSE
# was first painted at 84 ms, its scheme set at 1509 ms).
CHOSEN = '<template id="lessons-palette-chosen"></template>'
EXPECT = '<link rel="expect" href="#lessons-palette-chosen" blocking="render">'
_CHARSET = '<meta charset="utf-8">'


def take_over(output: str, theme_palette, where: str) -> str:
    """The page `output` with Material's palette component unplugged and the palette chosen
    before the first paint. Material shows a toggle only for a list of palettes; a site with
    one palette is returned as it is."""
    if not isinstance(theme_palette, list):
        return output
    if _AUTOMATIC in output:
        raise PluginError(f"{where}: Material's automatic palette (media: "
                          '"(prefers-color-scheme)") is not supported by lessonkit/site/palette.py')
    if output.count(_FORM) != 1:
        raise PluginError(f"{where}: Material's palette toggle markup changed; "
                          "update lessonkit/site/palette.py")
    before, stored, rest = output.partition(_STORED)
    chosen, end, rest = rest.partition("</script>")
    if not stored or not end:
        raise PluginError(f"{where}: Material's inline palette script changed; "
                          "update lessonkit/site/palette.py")
    if before.find(_FORM) < 0:
        raise PluginError(f"{where}: Material's palette script no longer follows its toggle; "
                          "update lessonkit/site/palette.py")
    if before.count(_CHARSET) != 1:
        raise PluginError(f"{where}: Material's <head> no longer has one {_CHARSET}; "
                          "update lessonkit/site/palette.py")
    before = before.replace(_CHARSET, _CHARSET + EXPECT)
    return (before + GUARDED + chosen + end + CHOOSE + CHOSEN + rest).replace(_FORM, FORM)
