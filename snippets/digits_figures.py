"""The digits lesson's figures, drawn from the same runs as `python digits_vae.py` prints.

`python digits_figures.py OUTDIR [NAME ...]` draws each figure in both palettes and at both
widths (figure_variants.py).
"""

import functools
import sys

import matplotlib.pyplot as plt
import torch

import figure_variants
from digits_curves import curves
from digits_plots import decode_grid, plot_latent_space, show_images
from digits_vae import SEED, DigitsVAE, active_units, count_text, load_split, train

THEMES = {
    # Pixels: ink dark on white in the light palette, light on black in the dark one.
    "light": {"text": "#1f2328", "grid": "#d0d7de", "ink": "Greys", "digits": "tab10",
              "bars": ("#3f51b5", "#e8710a")},
    "dark": {"text": "#e6edf3", "grid": "#3d444d", "ink": "gray", "digits": "tab10",
             "bars": ("#8c9eff", "#ffab40")},
}
colors = THEMES["light"]  # the palette being drawn
narrow = False  # drawn for a phone's width
BETAS = (1.0, 2.0)  # the two 8-dimensional runs of the page's section on active units


def _variant(palette, phone):
    """Draw in `palette` and, if `phone`, at a phone's width: figure_variants.main asks."""
    global colors, narrow
    colors, narrow = THEMES[palette], phone
    return figure_variants.base_style(colors["text"], colors["grid"], narrow, "vae-digits")


@functools.cache
def trained(latent=2, beta=1.0):
    """The model `python digits_vae.py --latent L --beta B` trains, with its held-out set."""
    torch.manual_seed(SEED)
    x_train, _, x_test, y_test = load_split()
    model = DigitsVAE(latent=latent)
    train(model, x_train, beta=beta, report=False)
    return model.eval(), x_test, y_test


def _size(width, height, narrow_height=None):
    return figure_variants.size(width, height, narrow_height, narrow)


def _images(ax, pixels, rows, cols):
    """The page's mosaic (digits_plots.show_images), ink dark on the light palette, and a gap
    in the palette's grid colour between the cells."""
    show_images(ax, pixels, rows, cols, cmap=colors["ink"], gap=colors["grid"])


def latent_map():
    """The page's shown code, digits_plots.plot_latent_space, in this palette's colours."""
    model, x_test, y_test = trained()
    fig, ax = plt.subplots(figsize=_size(5.6, 4.6, 3.2))
    points = plot_latent_space(ax, model, x_test, y_test, cmap=colors["digits"],
                               rings=colors["grid"])
    bar = fig.colorbar(points, ax=ax, ticks=range(10))
    bar.set_label("digit")
    return fig


def manifold(size=15):
    """The page's shown code, digits_plots.decode_grid, drawn as a mosaic."""
    model, _, _ = trained()
    fig, ax = plt.subplots(figsize=_size(5.2, 5.2, 3.6))
    _images(ax, decode_grid(model, size), size, size)
    ax.set_xlabel(("\n" if narrow else " ").join(
        ["z₁ from the prior's 3rd", "to its 97th percentile"]))
    ax.set_ylabel("z₂ (top: high)")
    return fig


def samples(rows=6, cols=12):
    if narrow:  # the same samples, in half as many columns
        rows, cols = rows * 2, cols // 2
    model, _, _ = trained()
    torch.manual_seed(SEED)
    with torch.no_grad():
        pixels = torch.sigmoid(model.decoder(torch.randn(rows * cols, 2)))
    fig, ax = plt.subplots(figsize=_size(6.4, 3.3, 7.2))
    _images(ax, pixels, rows, cols)
    return fig


def reconstructions(count=12):
    model, x_test, _ = trained()
    with torch.no_grad():
        mu, _ = model.encode(x_test[:count])
        decoded = torch.sigmoid(model.decoder(mu))
    # On a phone, two pairs of rows of half as many digits each: held-out, decoded, held-out...
    parts = 2 if narrow else 1
    cols = count // parts
    rows = [part[start:start + cols] for start in range(0, count, cols)
            for part in (x_test[:count], decoded)]
    fig, ax = plt.subplots(figsize=_size(6.4, 1.4, 2.6))
    _images(ax, torch.cat(rows), len(rows), cols)
    # Row centres: 8 pixels a row and a 1-pixel gap between rows.
    ax.set_yticks([9 * row + 3.5 for row in range(len(rows))], ["held-out", "decoded"] * parts)
    return fig


def unit_kl():
    fig, ax = plt.subplots(figsize=_size(6.4, 2.8, 3.0))
    width = 0.4
    for offset, (beta, color) in enumerate(zip(BETAS, colors["bars"], strict=True)):
        model, x_test, _ = trained(latent=8, beta=beta)
        count, kl, _ = active_units(model, x_test)
        units = torch.arange(len(kl)) + (offset - 0.5) * width
        label = f"β = {beta:g}: {count_text(count, len(kl))} units active"
        ax.bar(units, kl, width, color=color, label=label)
    ax.set_xticks(range(8), [f"z{n + 1}" for n in range(8)])
    ax.set_ylabel("KL per unit (nats)")
    ax.grid(axis="y", linewidth=0.5)
    ax.legend()
    return fig


@functools.cache
def elbo_history():
    return curves(report=False)  # `python digits_curves.py`'s run


def elbo_curves():
    """Both bounds after every epoch, then their difference."""
    history = elbo_history()
    epochs = range(1, len(history) + 1)
    training, held_out = ([row[i] for row in history] for i in (0, 1))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=_size(6.4, 4.6, 5.2), sharex=True,
                                      height_ratios=(3, 2))
    top.plot(epochs, training, color=colors["bars"][0], label="training images (1,500)")
    top.plot(epochs, held_out, color=colors["bars"][1], label="held-out images (297)")
    top.set_ylim(min(training) - 0.3, held_out[9] + 0.5)  # from epoch 10 on; epoch 1 is far above
    top.set_ylabel("negative ELBO (nats)")
    top.grid(linewidth=0.5)
    top.legend()
    bottom.plot(epochs, [h - t for t, h in history], color=colors["text"], linewidth=1)
    bottom.axhline(0, color=colors["grid"], linewidth=1)
    bottom.set_ylabel("held-out − training")
    bottom.set_xlabel("epoch")
    bottom.grid(linewidth=0.5)
    return fig


FIGURES = {
    "digits-elbo-curves": elbo_curves,
    "digits-latent-map": latent_map,
    "digits-manifold": manifold,
    "digits-samples": samples,
    "digits-reconstructions": reconstructions,
    "digits-unit-kl": unit_kl,
}


if __name__ == "__main__":
    figure_variants.main(sys.argv[1:], "digits_figures.py", FIGURES, _variant)
