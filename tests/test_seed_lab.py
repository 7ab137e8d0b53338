"""The lab prints the source lesson's output byte for byte: the contract the project started from
(`../shared/seed/README.md`, "Expected output"), kept verbatim in tests/seed_lab_output.txt. No
other block's needs may change it (the evidence record prints its points its own way)."""

import re

import pytest

from lessonkit.engine import runner
from tests.conftest import ROOT, side_by_side_python

SEED_OUTPUT = ROOT / "tests" / "seed_lab_output.txt"
SEED_README = ROOT.parent / "shared" / "seed" / "README.md"  # beside the project, where it exists


def test_the_lab_prints_the_source_lessons_output_byte_for_byte(tmp_path):
    (tmp_path / "tiny_vae_2d.py").write_text((ROOT / "snippets" / "tiny_vae_2d.py").read_text())
    done = runner.run(["tiny_vae_2d.py"], tmp_path, side_by_side_python())
    assert done.status == 0
    assert done.output == SEED_OUTPUT.read_text(encoding="utf-8")


@pytest.mark.skipif(not SEED_README.is_file(), reason="the source lesson is not beside this clone")
def test_the_kept_copy_is_the_source_lessons_own_text():
    block = re.search(r"^```text\n(.*?)^```", SEED_README.read_text(encoding="utf-8"),
                      re.MULTILINE | re.DOTALL)
    assert block and block.group(1) == SEED_OUTPUT.read_text(encoding="utf-8")


def test_the_lab_page_shows_the_source_lessons_output():
    page = (ROOT / "docs" / "vae-basics.md").read_text(encoding="utf-8")
    assert SEED_OUTPUT.read_text(encoding="utf-8") in page
