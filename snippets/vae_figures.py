"""The VAE Basics lesson's figures, drawn from the lab's own runs.

`python vae_figures.py OUTDIR [NAME ...]` draws each figure in both palettes and at both widths
(figure_variants.py); at a phone's width the panels are stacked.
"""

import functools
import sys

import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter

import figure_variants
from compare_models import generated
from tiny_vae_2d import REPORT_EPOCHS
from vae_experiments import (
    NEAR,
    PRIOR_SAMPLES,
    decode_line,
    largest_step,
    latent_means,
    prior_samples,
    run,
    run_autoencoder,
    run_warmup,
    share_near_data,
)
from what_beta_means import lab_run, thresholds

# Each figure is drawn four times (two palettes, two widths) from the same runs: train once.
generated = functools.cache(generated)
lab_run = functools.cache(lab_run)

THEMES = {
    "light": {"text": "#1f2328", "grid": "#d0d7de", "data": "#8c959f", "accent": "#3f51b5",
              "second": "#e8710a", "third": "#1a7f37"},
    "dark": {"text": "#e6edf3", "grid": "#3d444d", "data": "#8b949e", "accent": "#8c9eff",
             "second": "#ffab40", "third": "#56d364"},
}
colors = THEMES["light"]  # the palette being drawn
narrow = False  # drawn for a phone's width


def _variant(palette, phone):
    """Draw in `palette` and, if `phone`, at a phone's width: figure_variants.main asks."""
    global colors, narrow
    colors, narrow = THEMES[palette], phone
    # savefig.dpi (150) is the rasterized point clouds' resolution.
    return {**figure_variants.base_style(colors["text"], colors["grid"], narrow, "vae-basics"),
            "axes.grid": True, "grid.linewidth": 0.5}


def _cloud(ax, points, **style):
    # Thousands of markers weigh less as one embedded image than as SVG shapes; text stays vector.
    return ax.scatter(points[:, 0], points[:, 1], rasterized=True, **style)


def _data(ax, x):
    _cloud(ax, x, s=6, color=colors["data"], label="training points")


def _prior_circles(ax):
    for radius in (1, 2):
        ax.add_patch(plt.Circle((0, 0), radius, fill=False, linestyle="--",
                                color=colors["grid"], linewidth=1))


def _size(width, height, narrow_height=None):
    return figure_variants.size(width, height, narrow_height, narrow)


def _lines(*parts):
    """The parts of a text on one line, or on a phone one line each."""
    return ("\n" if narrow else " ").join(parts)


def training_curves():
    _, _, history = run()
    fig, ax = plt.subplots(figsize=_size(7, 3.6))
    epochs = range(1, len(history) + 1)
    for index, (label, color) in enumerate(
        [("reconstruction", colors["accent"]), ("KL", colors["second"]),
         ("total loss", colors["third"])]
    ):
        values = [row[index] for row in history]
        ax.plot(epochs, values, color=color, label=label)
        ax.scatter(REPORT_EPOCHS, [values[e - 1] for e in REPORT_EPOCHS], color=color, s=18,
                   zorder=3)
    ax.set_yscale("log")
    ax.set_xticks(REPORT_EPOCHS)
    ax.set_xlabel("epoch (dots: the epochs the lab prints)")
    ax.set_ylabel("value (log scale)")
    ax.legend(loc="upper right", ncols=1 if narrow else 3)
    return fig


def data_and_samples():
    x, model, _ = run()
    samples = prior_samples(model)
    fig, ax = plt.subplots(figsize=_size(7, 3.6))
    _data(ax, x)
    _cloud(ax, samples, s=8, marker="x", color=colors["accent"],
               label=f"{PRIOR_SAMPLES} points decoded from z ~ N(0, I)")
    ax.set_aspect("equal")
    ax.set_title(_lines(f"{share_near_data(samples, x):.0%} of the decoded points lie",
                        f"within {NEAR} of a training point"), fontsize=10)
    ax.legend(loc="upper center", ncols=1 if narrow else 2, bbox_to_anchor=(0.5, -0.12))
    return fig


def latent_space():
    x, model, _ = run()
    mu = latent_means(model, x)
    fig, ax = plt.subplots(figsize=_size(4.6, 4.6, 3.6))
    _prior_circles(ax)
    _cloud(ax, mu[:128], s=8, color=colors["accent"],
               label="cluster at (+1, 0)")
    _cloud(ax, mu[128:], s=8, color=colors["second"],
               label="cluster at (-1, 0)")
    ax.set(xlim=(-2.5, 2.5), ylim=(-2.5, 2.5), xlabel="z₁", ylabel="z₂", aspect="equal")
    ax.set_title(_lines("encoder means;", "dashed: 1 and 2 std of the prior"), fontsize=10)
    ax.legend(loc="upper right")
    return fig


def interpolation():
    x, model, _ = run()
    fig, ax = plt.subplots(figsize=_size(7, 3.6))
    _data(ax, x)
    for start, end, color in (([-2.0, 0.0], [2.0, 0.0], colors["accent"]),
                              ([0.0, -2.0], [0.0, 2.0], colors["second"])):
        _, decoded = decode_line(model, start, end)
        ax.plot(decoded[:, 0], decoded[:, 1], "-o", color=color, markersize=4,
                label=_lines(f"z from {tuple(start)} to {tuple(end)}:",
                             f"largest step {largest_step(decoded):.3f}"))
    ax.set_aspect("equal")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12))
    return fig


def kl_weight():
    betas = (0.0, 0.05, 0.5)
    if narrow:  # one row per β: its samples, then its encoder means
        fig, axes = plt.subplots(3, 2, figsize=_size(9, 6, 6.6), width_ratios=(4, 3))
        axes = axes.T
    else:
        fig, axes = plt.subplots(2, 3, figsize=(9, 6))
    for column, beta in enumerate(betas):
        x, model, history = run(beta=beta)
        samples = prior_samples(model)
        top, bottom = axes[0, column], axes[1, column]
        _data(top, x)
        _cloud(top, samples, s=5, marker="x", color=colors["accent"])
        recon, kl, _ = history[-1]
        top.set_title(f"β = {beta:g}\nrecon {recon:.4f}, KL {kl:.4f}\n"
                      f"{share_near_data(samples, x):.0%} of samples near data", fontsize=9,
                      loc="left" if narrow else "center")
        top.set(xlim=(-2, 2), ylim=(-1.5, 1.5), aspect="equal")
        mu = latent_means(model, x)
        _prior_circles(bottom)
        _cloud(bottom, mu[:128], s=5, color=colors["accent"])
        _cloud(bottom, mu[128:], s=5, color=colors["second"])
        limit = max(2.5, mu.abs().max().item() * 1.1)
        bottom.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal")
        if narrow:  # three tick labels, which do not overlap in a narrow panel
            step = max(1, int(limit) // 2 * 2)
            bottom.set_xticks([-step, 0, step])
    if narrow:
        axes[0, -1].set_xlabel("data (grey), samples (×)")
        axes[1, -1].set_xlabel("encoder means in z")
    else:
        axes[0, 0].set_ylabel("data (grey), samples (×)")
        axes[1, 0].set_ylabel("encoder means in z")
    fig.tight_layout()
    return fig


def activations():
    fig, ax = plt.subplots(figsize=_size(7, 3.4))
    for activation, color in (("relu", colors["accent"]), ("tanh", colors["second"])):
        _, _, history = run(activation=activation)
        ax.plot(range(1, len(history) + 1), [row[0] for row in history], color=color,
                label=f"{activation} decoder: final recon {history[-1][0]:.4f}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("reconstruction loss (log scale)")
    if narrow:  # below the plot: inside, it would cover the curves' start
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22))
        ax.yaxis.set_minor_formatter(NullFormatter())  # labels at powers of ten only
    else:
        ax.legend(loc="upper right")
    return fig


def _curves(ax, series, ylabel):
    for label, values, color in series:
        ax.plot(range(1, len(values) + 1), values, color=color, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best")


def diagnostics_reconstruction():
    fig, ax = plt.subplots(figsize=_size(7, 3.2))
    _curves(ax, [("healthy: β = 0.05", [h[0] for h in run(beta=0.05)[2]], colors["accent"]),
                 ("warning: β = 4", [h[0] for h in run(beta=4.0)[2]], colors["second"])],
            "reconstruction loss (log)")
    return fig


def diagnostics_kl():
    fig, ax = plt.subplots(figsize=_size(7, 3.2))
    _curves(ax, [("healthy: β = 0.05", [h[1] for h in run(beta=0.05)[2]], colors["accent"]),
                 ("too strong: β = 1", [h[1] for h in run(beta=1.0)[2]], colors["third"]),
                 ("switched off: β = 4", [h[1] for h in run(beta=4.0)[2]], colors["second"])],
            "KL term (log)")
    return fig


def _stacked(count, width, height):
    """`count` panels side by side, or on a phone one above the other."""
    if narrow:
        return plt.subplots(count, 1, figsize=_size(width, height * count))
    return plt.subplots(1, count, figsize=(width, height), sharey=True)


def _sample_panels(panels):
    fig, axes = _stacked(len(panels), 3.4 * len(panels), 3.2)
    for ax, (title, x, points) in zip(axes, panels, strict=True):
        _data(ax, x)
        _cloud(ax, points, s=5, marker="x", color=colors["accent"])
        ax.set(xlim=(-2, 2), ylim=(-1.5, 1.5), aspect="equal")
        ax.set_title(f"{title}\n{share_near_data(points, x):.0%} near the data", fontsize=9)
    fig.tight_layout()
    return fig


def diagnostics_samples():
    healthy, off = run(beta=0.05), run(beta=4.0)
    return _sample_panels([("healthy: β = 0.05", healthy[0], prior_samples(healthy[1])),
                           ("code switched off: β = 4", off[0], prior_samples(off[1]))])


def diagnostics_interpolation():
    fig, axes = _stacked(2, 7, 3.2)
    for ax, (title, (x, model, _)) in zip(axes, (("healthy: VAE", run(beta=0.05)),
                                                 ("warning: autoencoder", run_autoencoder())),
                                          strict=True):
        mu = latent_means(model, x)
        _, line = decode_line(model, mu[:128].mean(0).tolist(), mu[128:].mean(0).tolist(), 33)
        _data(ax, x)
        ax.plot(line[:, 0], line[:, 1], "-o", color=colors["accent"], markersize=3)
        ax.set(xlim=(-2, 2), ylim=(-1.5, 1.5), aspect="equal")
        ax.set_title(f"{title}\n{share_near_data(line, x):.0%} of the line near the data",
                     fontsize=9)
    fig.tight_layout()
    return fig


def models():
    panels = []
    for name in ("autoencoder", "VAE", "GAN"):
        epochs = 300 if name == "GAN" else 200
        x, points = generated(name, 0, epochs)
        panels.append((f"{name} (seed 0)", x, points))
    return _sample_panels(panels)


def warmup():
    constant, ramped = run(beta=0.05)[2], run_warmup(0.05, warmup_epochs=50)[2]
    fig, (left, right) = (plt.subplots(2, 1, figsize=_size(8, 6.4)) if narrow
                          else plt.subplots(1, 2, figsize=(8, 3.2)))
    for ax, index, label in ((left, 0, "reconstruction loss (log)"), (right, 1, "KL term (log)")):
        _curves(ax, [("constant β = 0.05", [h[index] for h in constant], colors["accent"]),
                     ("warm-up 0 → 0.05 over 50 epochs", [h[index] for h in ramped],
                      colors["second"])], label)
        ax.axvline(50, color=colors["grid"], linestyle="--", linewidth=1)
        if narrow:  # labels at the powers of ten only: the others widen it past a phone's
            ax.yaxis.set_minor_formatter(NullFormatter())
    if narrow:  # one legend under both panels: inside one, it squeezed the plots
        handles, labels = left.get_legend_handles_labels()
        left.get_legend().remove()
        right.get_legend().remove()
        fig.tight_layout()
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0))
        return fig
    fig.tight_layout()
    return fig


SWEEP = (0.05, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2, 2.3, 2.5, 2.75,
         3.0, 3.5, 4.0)


def beta_sweep():
    """Final KL and recon of the lab over beta, with the two predicted break-evens."""
    x, _, _ = run()
    sure, faint = thresholds(x)
    finals = [lab_run(beta) for beta in SWEEP]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=_size(7, 5), sharex=True)
    top.plot(SWEEP, [kl for _, kl in finals], "-o", color=colors["second"], markersize=4)
    top.set(yscale="log", ylabel="final KL (log)")
    bottom.plot(SWEEP, [recon for recon, _ in finals], "-o", color=colors["accent"],
                markersize=4)
    bottom.set(ylabel="final recon", xlabel="β (KL weight)")
    for ax in (top, bottom):
        ax.axvline(sure, color=colors["text"], linestyle=":", linewidth=1)
        ax.axvline(faint, color=colors["text"], linestyle="--", linewidth=1)
    top.text(faint, top.get_ylim()[1], _lines(" a faint code", f" pays below {faint:.2f}"),
             va="top", fontsize=9)
    bottom.text(sure, bottom.get_ylim()[1],
                _lines("the cluster for sure ", f"pays below {sure:.2f} "),
                ha="right", va="top", fontsize=9)
    fig.tight_layout()
    return fig


FIGURES = {
    "training-curves": training_curves,
    "data-and-samples": data_and_samples,
    "latent-space": latent_space,
    "interpolation": interpolation,
    "kl-weight": kl_weight,
    "activations": activations,
    "diagnostics-reconstruction": diagnostics_reconstruction,
    "diagnostics-kl": diagnostics_kl,
    "diagnostics-samples": diagnostics_samples,
    "diagnostics-interpolation": diagnostics_interpolation,
    "models": models,
    "warmup": warmup,
    "beta-sweep": beta_sweep,
}


if __name__ == "__main__":
    figure_variants.main(sys.argv[1:], "vae_figures.py", FIGURES, _variant)
