"""An autoencoder, the lab's VAE and a GAN on the same 2D points, over
five seeds.

For each model and seed, 500 points are generated from fixed random codes
and measured: the share that lands within 0.25 of a training point, how
many of the two clusters they cover, and how far the same codes' outputs
still move over the last 50 epochs of training (drift: small is steady).
"""

import argparse
import statistics

import torch

from tiny_gan_2d import EPOCHS as GAN_EPOCHS
from tiny_gan_2d import train_gan
from tiny_vae_2d import Parser  # one-line errors, exit status 2
from vae_experiments import (
    NEAR,
    clusters_covered,
    prior_codes,
    prior_samples,
    run,
    run_autoencoder,
    share_near_data,
)

SEEDS = range(5)
LAST = 50  # the epochs over which drift is measured


def generated(model_name, seed, epochs):
    """(data, 500 points generated from the same fixed codes) after
    `epochs` of training."""
    if model_name == "GAN":
        x, generator, _ = train_gan(seed=seed, epochs=epochs)
        with torch.no_grad():
            return x, generator(prior_codes())
    train = run_autoencoder if model_name == "autoencoder" else run
    x, model, _ = train(epochs=epochs, seed=seed)
    return x, prior_samples(model)


def measure(model_name, seed):
    """(share near data, clusters covered, drift over the last LAST
    epochs) for one seed."""
    epochs = GAN_EPOCHS if model_name == "GAN" else 200
    x, points = generated(model_name, seed, epochs)
    _, earlier = generated(model_name, seed, epochs - LAST)
    drift = (points - earlier).norm(dim=1).mean().item()
    return share_near_data(points, x), clusters_covered(points), drift


MODELS = ("autoencoder", "VAE", "GAN")


def model(name):
    """An argument type: one of MODELS."""
    if name not in MODELS:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(MODELS)}, got {name!r}")
    return name


def main(argv=None):
    parser = Parser(description="Compare the three models.")
    parser.add_argument("models", nargs="*", type=model, metavar="MODEL",
                        help=f"any of {', '.join(MODELS)} (default: all)")
    names = parser.parse_args(argv).models or MODELS
    print(f"near: within {NEAR} of a training point; "
          f"seeds {SEEDS.start} to {SEEDS.stop - 1}")
    print(f"{'model':<12} {'near data, mean (min-max)':<26} "
          f"{'clusters covered':<17} drift over the last {LAST} epochs")
    for name in names:
        rows = [measure(name, seed) for seed in SEEDS]
        near = [row[0] for row in rows]
        covered = "/".join(str(row[1]) for row in rows)
        drift = statistics.mean(row[2] for row in rows)
        print(f"{name:<12} {statistics.mean(near):>5.1%} "
              f"({min(near):.1%}-{max(near):.1%}){'':<6} "
              f"{covered:<17} {drift:.3f}")
        if name == "GAN":
            against_vae(rows)


def against_vae(gan_rows):
    """The GAN's claims, as verdicts on medians over the seeds: a GAN's
    digits vary from CPU to CPU, these comparisons do not."""
    vae_rows = [measure("VAE", seed) for seed in SEEDS]
    for what, column in (("near the data", 0), ("drift", 2)):
        gan = statistics.median(row[column] for row in gan_rows)
        vae = statistics.median(row[column] for row in vae_rows)
        print(f"median {what} over the seeds: GAN "
              f"{'above' if gan > vae else 'not above'} the VAE")


if __name__ == "__main__":
    main()
