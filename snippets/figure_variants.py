"""What the `*_figures.py` scripts share: their command line, and drawing each figure four times,
in the site's two palettes and at two widths (the page's, and a phone's).

`python NAME_figures.py OUTDIR [FIGURE ...]` writes FIGURE.svg (light palette), FIGURE-dark.svg
(dark palette), FIGURE-narrow.svg and FIGURE-dark-narrow.svg into OUTDIR, for each figure named
or for all of them, and prints each name it drew.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window (it switches even after pyplot is imported)
import matplotlib.pyplot as plt  # noqa: E402

LAYOUTS = {"": False, "-narrow": True}  # file name suffix: drawn for a phone's width
PALETTES = {"light": "", "dark": "-dark"}  # palette: file name suffix
NARROW_WIDTH = 3.6  # inches: about 350 CSS px, a phone's content column


def size(width, height, narrow_height, narrow):
    """The figure's size in inches: as given, or NARROW_WIDTH wide on a phone."""
    if narrow:
        return NARROW_WIDTH, narrow_height or height
    return width, height


def base_style(text, grid, narrow, salt):
    """The matplotlib settings both palettes start from: text and grid colours, an 11-point
    font on a phone (its smallest text draws at 9 CSS px or more) and 10 on the page, text kept
    as text in the SVG, and ids that do not change between runs (`salt`)."""
    return {
        "text.color": text, "axes.labelcolor": text, "axes.edgecolor": grid,
        "xtick.color": text, "ytick.color": text, "grid.color": grid,
        "legend.frameon": False, "font.size": 11 if narrow else 10, "svg.fonttype": "none",
        "svg.hashsalt": salt, "figure.dpi": 100, "savefig.dpi": 150,
    }


def main(argv, script, figures, variant):
    """Draw `figures` (name: function returning a figure) as `python SCRIPT OUTDIR [NAME ...]`
    asks. `variant(palette, narrow)` makes the script draw in that palette and width, and
    returns its matplotlib style."""
    if not argv:
        sys.exit(f"usage: {script} OUTDIR [NAME ...]")
    outdir, names = Path(argv[0]), argv[1:] or list(figures)
    unknown = [name for name in names if name not in figures]
    if unknown:
        sys.exit(f"{script}: error: no figure named {unknown[0]!r}; "
                 f"the figures are {', '.join(figures)}")
    outdir.mkdir(parents=True, exist_ok=True)
    for name in names:
        for layout, narrow in LAYOUTS.items():
            for palette, suffix in PALETTES.items():
                with plt.rc_context(variant(palette, narrow)):
                    figure = figures[name]()
                    figure.savefig(outdir / f"{name}{suffix}{layout}.svg", transparent=True,
                                   bbox_inches="tight", metadata={"Date": None})
                    plt.close(figure)
        print(name)
