"""lessonkit.site.palette: Material's palette component unplugged, the palette chosen before paint.

The browser test `test_the_palette_toggle_switches_and_remembers` checks what a reader sees;
these check the build's edit of the page, and that it fails loudly when Material's markup moves.
"""

import pytest
from mkdocs.exceptions import PluginError

from lessonkit.engine.includes import mkdocs_config
from lessonkit.site import palette
from tests.conftest import ROOT

PALETTES = mkdocs_config(ROOT / "mkdocs.yml")["theme"]["palette"]
MATERIAL_SCRIPT = ('<script>var palette=__md_get("__palette");if(palette&&palette.color)'
                   '{}</script>')
# As Material writes a page: the toggle's form, then (still in the header) its palette script.
PAGE = ('<html><head><meta charset="utf-8"></head>'
        '<body dir="ltr" data-md-color-scheme="default"><header>'
        '<form class="md-header__option" data-md-component="palette"><input></form>'
        f'{MATERIAL_SCRIPT}<div>search</div></header></body></html>')


def test_the_component_is_unplugged_and_the_choice_runs_after_materials_script():
    page = palette.take_over(PAGE, PALETTES, "page.md")
    assert 'data-md-component="palette"' not in page and palette.FORM in page
    guarded = MATERIAL_SCRIPT.replace('<script>var palette=__md_get("__palette");', palette.GUARDED)
    assert guarded + palette.CHOOSE + palette.CHOSEN + "<div>search</div>" in page
    # Rendering waits until the chooser has run: the <head>'s link expects the element after it.
    assert page.startswith('<html><head><meta charset="utf-8">' + palette.EXPECT + "</head>")
    assert palette.CHOOSE.startswith('<script id="lessons-palette">')
    assert palette.CHOSEN.startswith('<template id="lessons-palette-chosen">')
    assert 'href="#lessons-palette-chosen" blocking="render"' in palette.EXPECT


def test_every_read_of_the_stored_palette_is_guarded():
    """Material's __md_get is JSON.parse of localStorage: a corrupt value throws. Only the
    guard's try block calls it; Material's script, the chooser and lessons.js call the guard.
    (The browser test `test_a_corrupt_stored_palette_falls_back_to_the_systems` runs them.)"""
    page = palette.take_over(PAGE, PALETTES, "page.md")
    toggle = (ROOT / "docs" / "assets" / "lessons.js").read_text(encoding="utf-8")
    assert page.count("__md_get(") == 1 and 'try{var p=__md_get("__palette")' in page
    assert "__md_get(" not in toggle and "__lessons_palette()" in toggle
    assert page.index(palette.GUARDED) < page.index(palette.CHOOSE)  # defined before its use


def test_a_site_with_one_palette_is_left_alone():
    assert palette.take_over(PAGE, {"scheme": "slate"}, "page.md") == PAGE
    assert palette.take_over(PAGE, None, "page.md") == PAGE


@pytest.mark.parametrize("changed, problem", [
    (PAGE.replace('data-md-component="palette"', 'data-md-component="palette" class="x"'),
     "toggle markup changed"),
    (PAGE.replace(MATERIAL_SCRIPT, "<script>applyPalette()</script>"), "script changed"),
    (PAGE.replace(MATERIAL_SCRIPT, "").replace("<header>", "<header>" + MATERIAL_SCRIPT),
     "no longer follows its toggle"),
    (PAGE.replace("<input>", '<input data-md-color-media="(prefers-color-scheme)">'),
     "automatic palette"),
    (PAGE.replace('<meta charset="utf-8">', ""), "no longer has one"),
])
def test_what_lessonkit_cannot_handle_fails_the_build_naming_the_page(changed, problem):
    with pytest.raises(PluginError, match=rf"page\.md: .*{problem}"):
        palette.take_over(changed, PALETTES, "page.md")


def test_every_built_page_has_the_toggle_without_materials_component(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) >= 10
    assert built_site / "404.html" in pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.count(palette.FORM) == 1 and 'data-md-component="palette"' not in text, page
        # the chooser runs right after Material's own palette script, after the toggle's inputs
        assert text.count(palette.CHOOSE + palette.CHOSEN) == 1, page
        assert text.count(palette.EXPECT) == 1, page
        assert text.count('id="lessons-palette-chosen"') == 1, page
        assert text.index(palette.EXPECT) < text.index("</head>"), page
        assert text.index(palette.FORM) < text.index("</script>" + palette.CHOOSE), page
