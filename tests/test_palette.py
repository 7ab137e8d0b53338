"""lessonkit.palette: Material's palette component unplugged, the palette chosen before paint.

The browser test `test_the_palette_toggle_switches_and_remembers` checks what a reader sees;
these check the build's edit of the page, and that it fails loudly when Material's markup moves.
"""

import pytest
from mkdocs.exceptions import PluginError

from lessonkit import palette
from lessonkit.includes import mkdocs_config
from tests.conftest import ROOT

PALETTES = mkdocs_config(ROOT / "mkdocs.yml")["theme"]["palette"]
MATERIAL_SCRIPT = ('<script>var palette=__md_get("__palette");if(palette&&palette.color)'
                   '{}</script>')
PAGE = (f'<html><head></head><body dir="ltr" data-md-color-scheme="default">{MATERIAL_SCRIPT}'
        '<header><form class="md-header__option" data-md-component="palette"><input></form>'
        '</header></body></html>')


def test_the_component_is_unplugged_and_the_choice_runs_after_materials_script():
    page = palette.take_over(PAGE, PALETTES, "page.md")
    assert 'data-md-component="palette"' not in page and palette.FORM in page
    ours = page.index('if(!__md_get("__palette"))')
    assert page.index(MATERIAL_SCRIPT) + len(MATERIAL_SCRIPT) <= ours < page.index("<header")
    for entry in palette.palettes(PALETTES):  # every palette of mkdocs.yml, media query first
        assert f'"media":"{entry["media"]}","scheme":"{entry["scheme"]}"' in page


def test_the_palettes_are_those_of_mkdocs_yml_with_materials_defaults():
    assert palette.palettes([{"media": "(prefers-color-scheme: dark)", "scheme": "slate"},
                             {}]) == [
        {"media": "(prefers-color-scheme: dark)", "scheme": "slate", "primary": "indigo",
         "accent": "indigo"},
        {"media": "all", "scheme": "default", "primary": "indigo", "accent": "indigo"}]


def test_a_site_with_one_palette_is_left_alone():
    assert palette.take_over(PAGE, {"scheme": "slate"}, "page.md") == PAGE
    assert palette.take_over(PAGE, None, "page.md") == PAGE


@pytest.mark.parametrize("changed", [
    PAGE.replace('data-md-component="palette"', 'data-md-component="palette" class="x"'),
    PAGE.replace(MATERIAL_SCRIPT, "<script>applyPalette()</script>"),
])
def test_changed_material_markup_fails_the_build_naming_the_page(changed):
    with pytest.raises(PluginError, match=r"page\.md: Material's .* changed"):
        palette.take_over(changed, PALETTES, "page.md")


def test_every_built_page_has_the_toggle_without_materials_component(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.count(palette.FORM) == 1 and 'data-md-component="palette"' not in text, page
