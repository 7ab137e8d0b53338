"""The digits lesson's figures, drawn from the same runs as `python digits_vae.py` prints.

`python digits_figures.py OUTDIR [NAME ...]` writes NAME.svg (light palette) and NAME-dark.svg
(dark palette) into OUTDIR for each figure named, or for all of them, and prints each name it drew.
"""

import functools
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from digits_curves import curves  # noqa: E402
from digits_vae import SEED, DigitsVAE, active_units, count_text, load_split, train  # noqa: E402

THEMES = {
    # Pixels: ink dark on white in the light palette, light on black in the dark one.
    "light": {"text": "#1f2328", "grid": "#d0d7de", "ink": "Greys", "digits": "tab10",
              "bars": ("#3f51b5", "#e8710a")},
    "dark": {"text": "#e6edf3", "grid": "#3d444d", "ink": "gray", "digits": "tab10",
             "bars": ("#8c9eff", "#ffab40")},
}
colors = THEMES["light"]
BETAS = (1.0, 2.0)  # the two 8-dimensional runs of the page's section on active units


def _style(theme):
    c = THEMES[theme]
    return {
        "text.color": c["text"], "axes.labelcolor": c["text"], "axes.edgecolor": c["grid"],
        "xtick.color": c["text"], "ytick.color": c["text"], "grid.color": c["grid"],
        "legend.frameon": False, "font.size": 10, "svg.fonttype": "none",
        "svg.hashsalt": "vae-digits", "figure.dpi": 100, "savefig.dpi": 150,
    }


@functools.cache
def trained(latent=2, beta=1.0):
    """The model `python digits_vae.py --latent L --beta B` trains, with its held-out set."""
    torch.manual_seed(SEED)
    x_train, _, x_test, y_test = load_split()
    model = DigitsVAE(latent=latent)
    train(model, x_train, beta=beta, report=False)
    return model.eval(), x_test, y_test


def _images(ax, pixels, rows, cols):
    """Draw `rows * cols` images of 8 x 8 pixels as one mosaic, ink dark on the light palette."""
    grid = pixels.reshape(rows, cols, 8, 8).permute(0, 2, 1, 3).reshape(rows * 8, cols * 8)
    ax.imshow(grid.numpy(), cmap=colors["ink"], vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def latent_map():
    model, x_test, y_test = trained()
    with torch.no_grad():
        mu, _ = model.encode(x_test)
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    points = ax.scatter(mu[:, 0], mu[:, 1], c=y_test, cmap=colors["digits"], s=14,
                        vmin=-0.5, vmax=9.5)
    for radius in (1, 2):
        ax.add_patch(plt.Circle((0, 0), radius, fill=False, linestyle="--",
                                color=colors["grid"], linewidth=1))
    ax.set_aspect("equal")
    ax.set_xlabel("z₁ (encoder mean)")
    ax.set_ylabel("z₂")
    bar = fig.colorbar(points, ax=ax, ticks=range(10))
    bar.set_label("digit")
    return fig


def manifold(size=15):
    """Decode a grid of codes placed at the prior's quantiles, so each cell holds equal mass."""
    model, _, _ = trained()
    quantiles = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(0.03, 0.97, size))
    z = torch.stack(torch.meshgrid(quantiles, quantiles.flip(0), indexing="xy"), -1)
    with torch.no_grad():
        pixels = torch.sigmoid(model.decoder(z.reshape(-1, 2)))
    fig, ax = plt.subplots(figsize=(5.2, 5.2))
    _images(ax, pixels, size, size)
    ax.set_xlabel("z₁ from the prior's 3rd to its 97th percentile")
    ax.set_ylabel("z₂ (top: high)")
    return fig


def samples(rows=6, cols=12):
    model, _, _ = trained()
    torch.manual_seed(SEED)
    with torch.no_grad():
        pixels = torch.sigmoid(model.decoder(torch.randn(rows * cols, 2)))
    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    _images(ax, pixels, rows, cols)
    return fig


def reconstructions(count=12):
    model, x_test, _ = trained()
    with torch.no_grad():
        mu, _ = model.encode(x_test[:count])
        decoded = torch.sigmoid(model.decoder(mu))
    fig, ax = plt.subplots(figsize=(6.4, 1.4))
    _images(ax, torch.cat([x_test[:count], decoded]), 2, count)
    ax.set_yticks([4, 12], ["held-out", "decoded"])
    return fig


def unit_kl():
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    width = 0.4
    for offset, (beta, color) in enumerate(zip(BETAS, colors["bars"], strict=True)):
        model, x_test, _ = trained(latent=8, beta=beta)
        count, kl = active_units(model, x_test)
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
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 4.6), sharex=True,
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


def main(argv):
    if not argv:
        sys.exit("usage: digits_figures.py OUTDIR [NAME ...]")
    outdir, names = Path(argv[0]), argv[1:] or list(FIGURES)
    unknown = [name for name in names if name not in FIGURES]
    if unknown:
        sys.exit(f"digits_figures.py: error: no figure named {unknown[0]!r}; "
                 f"the figures are {', '.join(FIGURES)}")
    outdir.mkdir(parents=True, exist_ok=True)
    global colors
    for name in names:
        for theme, suffix in (("light", ""), ("dark", "-dark")):
            colors = THEMES[theme]
            with plt.rc_context(_style(theme)):
                figure = FIGURES[name]()
                figure.savefig(outdir / f"{name}{suffix}.svg", transparent=True,
                               bbox_inches="tight", metadata={"Date": None})
                plt.close(figure)
        print(name)


if __name__ == "__main__":
    main(sys.argv[1:])
