"""The pymdownx.snippets settings the includes rely on: a mkdocs.yml without them is refused,
naming the setting, before any page is read."""

import pytest
import yaml

from lessonkit.engine import includes

# What the includes need: a missing snippet fails, no file outside the base paths, no download.
NEEDED = {"check_paths": True, "restrict_base_path": True, "url_download": False}


def project(folder, **settings):
    """A project whose mkdocs.yml configures pymdownx.snippets with `settings`."""
    (folder / "docs").mkdir()  # MkDocs' load_config wants its docs_dir to exist
    options = {"base_path": ["snips"], **settings}
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(
        {"site_name": "x", "markdown_extensions": [{"pymdownx.snippets": options}]}))
    return folder / "mkdocs.yml"


def test_the_needed_settings_are_accepted(tmp_path):
    assert includes.snippets_config(project(tmp_path, **NEEDED))["base_path"] == [
        str(tmp_path / "snips")]


def test_settings_left_to_pymdownx_defaults_are_accepted(tmp_path):
    # restrict_base_path and url_download default to what the includes need; check_paths not.
    assert includes.snippets_config(project(tmp_path, check_paths=True))


@pytest.mark.parametrize("setting", NEEDED)
def test_a_setting_flipped_is_refused_naming_it(tmp_path, setting):
    flipped = {**NEEDED, setting: not NEEDED[setting]}
    with pytest.raises(RuntimeError) as error:
        includes.snippets_config(project(tmp_path, **flipped))
    message = str(error.value)
    assert f"pymdownx.snippets must set {setting}: {str(NEEDED[setting]).lower()} (" in message
    assert str(tmp_path / "mkdocs.yml") in message and "\n" not in message
