"""Draw what the lab's 2D model learned: where it puts the held-out images,
and a grid of codes decoded into digits.

`python digits_plots.py` trains the lab's model (as `python digits_vae.py`
does, without its log) and saves latent_map.png and decoded_grid.png. It
needs matplotlib beside the lab's packages.
"""

import matplotlib

matplotlib.use("Agg")  # draw into files, no window
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from digits_vae import SEED, DigitsVAE, load_split, train  # noqa: E402


@torch.no_grad()
def plot_latent_space(ax, model, x, labels, cmap="tab10", rings="grey"):
    """Each image's mean code, coloured by its digit, over the prior's
    circles of radius 1 and 2."""
    mu, _ = model.encode(x)
    points = ax.scatter(mu[:, 0], mu[:, 1], c=labels, cmap=cmap, s=14,
                        vmin=-0.5, vmax=9.5)  # one colour per digit 0..9
    for radius in (1, 2):
        ax.add_patch(plt.Circle((0, 0), radius, fill=False, color=rings,
                                linestyle="--", linewidth=1))
    ax.set_aspect("equal")
    ax.set_xlabel("z₁ (encoder mean)")
    ax.set_ylabel("z₂")
    return points


@torch.no_grad()
def decode_grid(model, size=15):
    """Pixel probabilities of a size x size grid of codes at the prior's
    quantiles, so each cell holds the same share of its mass. Rows run
    from the highest z2 down, columns from the lowest z1 up."""
    levels = torch.linspace(0.03, 0.97, size)
    quantiles = torch.distributions.Normal(0.0, 1.0).icdf(levels)
    z1, z2 = torch.meshgrid(quantiles, quantiles.flip(0), indexing="xy")
    codes = torch.stack([z1, z2], -1).reshape(-1, 2)
    return torch.sigmoid(model.decoder(codes))


def mosaic(pixels, rows, cols, gap=1):
    """rows x cols images of 8 x 8 pixels as one picture, a `gap` of NaN
    pixels between neighbours so that each digit stands apart."""
    cells = torch.full((rows, cols, 8 + gap, 8 + gap), float("nan"))
    cells[:, :, gap:, gap:] = pixels.reshape(rows, cols, 8, 8)
    picture = cells.permute(0, 2, 1, 3)  # rows, pixel row, cols, pixel col
    picture = picture.reshape(rows * (8 + gap), cols * (8 + gap))
    return picture[gap:, gap:]  # gaps between cells only, not at the edge


def show_images(ax, pixels, rows, cols, cmap="Greys", gap="silver"):
    """Draw a mosaic: 0 white and 1 black with "Greys"; NaN in `gap`."""
    colours = matplotlib.colormaps[cmap].with_extremes(bad=gap)
    ax.imshow(mosaic(pixels, rows, cols).numpy(), cmap=colours, vmin=0,
              vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def main():
    torch.manual_seed(SEED)  # the lab's seed: the lab's model
    x_train, _, x_test, y_test = load_split()
    model = DigitsVAE(latent=2)
    train(model, x_train, report=False)

    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    points = plot_latent_space(ax, model, x_test, y_test)
    fig.colorbar(points, ax=ax, ticks=range(10), label="digit")
    fig.savefig("latent_map.png", dpi=100)

    fig, ax = plt.subplots(figsize=(5.2, 5.2))
    show_images(ax, decode_grid(model), 15, 15)
    ax.set_xlabel("z₁, low to high")
    ax.set_ylabel("z₂, low to high")
    fig.savefig("decoded_grid.png", dpi=100)
    print("saved latent_map.png and decoded_grid.png")


if __name__ == "__main__":
    main()
