"""A VAE on scikit-learn's handwritten digits: a Bernoulli decoder, the ELBO
in nats.

`python digits_vae.py [--latent D] [--beta B] [--epochs N]`. It needs torch
and scikit-learn (whose wheel ships the 1,797 images: no download), and one
seed decides every random draw.
"""

import argparse
import math

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.nn import functional as F

# --8<-- [start:data]
SEED = 0
HELD_OUT = 297  # images kept out of training; 1,500 remain to train on


def load_split():
    """The 8 x 8 digits as rows of 64 grey levels in [0, 1], split with a
    fixed seed."""
    digits = load_digits()  # pixel values 0..16, labels 0..9
    x = torch.tensor(digits.data, dtype=torch.float32) / 16
    y = torch.tensor(digits.target)
    generator = torch.Generator().manual_seed(SEED)
    order = torch.randperm(len(x), generator=generator)
    train, test = order[HELD_OUT:], order[:HELD_OUT]
    return x[train], y[train], x[test], y[test]
# --8<-- [end:data]


# --8<-- [start:model]
class DigitsVAE(nn.Module):
    def __init__(self, latent=2, hidden=128, pixels=64):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        # The decoder outputs one logit per pixel: the log-odds that the
        # pixel is "ink".
        self.decoder = nn.Sequential(
            nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, pixels)
        )

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar
# --8<-- [end:model]


# --8<-- [start:loss]
def kl_per_dim(mu, logvar):
    """KL(q(z|x) || N(0, I)) of each image and latent dimension, in nats."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())


def vae_loss(logits, x, mu, logvar, beta):
    """Summed over pixels and latent dimensions, averaged over images: nats
    per image."""
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    recon = bce.sum(1).mean()
    kl = kl_per_dim(mu, logvar).sum(1).mean()
    return recon, kl, recon + beta * kl  # beta = 1: the negative ELBO
# --8<-- [end:loss]


# --8<-- [start:train]
REPORT_EPOCHS = (1, 10, 50, 100)


def train(model, x, beta=1.0, epochs=100, batch=100, lr=2e-3,
          loss_fn=vae_loss, report=True):
    """Adam on shuffled minibatches; prints the epoch's mean recon, KL and
    loss."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        totals = torch.zeros(3)
        for index in torch.randperm(len(x)).split(batch):
            logits, mu, logvar = model(x[index])
            terms = loss_fn(logits, x[index], mu, logvar, beta)
            opt.zero_grad()
            terms[2].backward()
            opt.step()
            totals += torch.stack(terms).detach() * len(index)
        recon, kl, loss = (totals / len(x)).tolist()
        if report and (epoch in REPORT_EPOCHS or epoch == epochs):
            print(f"epoch={epoch:03d} recon={recon:.1f} kl={kl:.1f} "
                  f"loss={loss:.1f}")
# --8<-- [end:train]


# --8<-- [start:evaluate]
@torch.no_grad()
def log_weights(model, x, samples):
    """log p(x, z) - log q(z|x) for `samples` codes z ~ q(z|x) per image:
    shape (samples, images)."""
    mu, logvar = model.encode(x)
    std = torch.exp(0.5 * logvar)
    z = mu + torch.randn(samples, *mu.shape) * std
    log_px_z = -F.binary_cross_entropy_with_logits(
        model.decoder(z), x.expand(samples, -1, -1),
        reduction="none").sum(-1)
    log_pz = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    log_qz_x = torch.distributions.Normal(mu, std).log_prob(z).sum(-1)
    return log_px_z + log_pz - log_qz_x


def held_out_bounds(model, x, samples=1000):
    """Negative ELBO and negative IWAE bound (Burda et al., 2016), nats per
    image."""
    w = log_weights(model, x, samples)
    elbo = w.mean(0)  # the average of the log-weights
    # the log of the weights' average
    iwae = torch.logsumexp(w, 0) - math.log(samples)
    return -elbo.mean().item(), -iwae.mean().item()


@torch.no_grad()
def active_units(model, x, threshold=0.01):
    """Burda et al.'s activity: a unit is active when the variance of its
    mean code over the data is above `threshold`.
    Returns the count as a range (fewest, most), each unit's KL in nats
    per image, and each unit's variance. A unit within a factor of two of
    the threshold counts only in the upper end: which side of it such a
    unit lands on can change with the last bits a CPU rounds."""
    mu, logvar = model.encode(x)
    variance = mu.var(0)
    fewest = int((variance > 2 * threshold).sum())
    most = int((variance > threshold / 2).sum())
    return (fewest, most), kl_per_dim(mu, logvar).mean(0), variance


def count_text(count, units):
    """'6 of 8', or '3 to 5 of 8' when some units sit at the threshold."""
    fewest, most = count
    if fewest == most:
        return f"{fewest} of {units}"
    return f"{fewest} to {most} of {units} ({most - fewest} near the threshold)"


def nats_and_bits(nats, pixels):
    """'25.0 nats = 0.56 bits/dim': bits per dimension divide the nats by
    ln 2 and by the pixels per image, so images of any size compare."""
    return f"{nats:.1f} nats = {nats / math.log(2) / pixels:.2f} bits/dim"


def report(model, x):
    """What the held-out images say about a trained model."""
    neg_elbo, neg_iwae = held_out_bounds(model, x)
    floor = F.binary_cross_entropy(x, x, reduction="none").sum(1).mean()
    floor = floor.item()
    count, kl, variance = active_units(model, x)
    pixels = x.shape[1]
    print(f"held-out images: {len(x)}")
    print(f"  negative ELBO:    {nats_and_bits(neg_elbo, pixels)}")
    print(f"  -log p(x), IWAE:  {nats_and_bits(neg_iwae, pixels)}  "
          "(1000 samples per image)")
    print(f"  grey-level floor: {nats_and_bits(floor, pixels)}  "
          "(BCE of each image with itself)")
    print(f"active units: {count_text(count, len(kl))}")
    print("  variance of each unit's mean code (active above 0.01):")
    # One decimal from 0.1 up, where all that matters is "far above 0.01"
    # (a second one can round either way); three below, around the threshold.
    values = [f"{value:.1f}" if value >= 0.1 else f"{value:.3f}"
              for value in variance.tolist()]
    for start in range(0, len(values), 8):  # 8 units a line
        print("   ", " ".join(values[start:start + 8]))
    units = " ".join(f"{value:.1f}" for value in kl.tolist())
    print("  KL per unit:", units, "nats")
# --8<-- [end:evaluate]


# --8<-- [start:main]
def between(low, high, kind, what):
    """An argument type: a number of `kind` from `low` to `high`."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = math.nan  # not a number: fails every comparison
        if not low <= value <= high:
            bound = f"<= {high}" if value > high else f">= {low}"
            raise argparse.ArgumentTypeError(
                f"expected {what} {bound}, got {text!r}")
        return value
    return parse


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and status 2, no usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv=None):
    parser = Parser(description="Train a VAE on 8 x 8 handwritten digits.")
    parser.add_argument("--latent", default=2,
                        type=between(1, 64, int, "a whole number"),
                        help="latent dimensions, 1 to 64 (default 2)")
    parser.add_argument("--beta", default=1.0,
                        type=between(0, 1000, float, "a finite number"),
                        help="KL weight, 0 to 1000 (default 1: the ELBO)")
    parser.add_argument("--epochs", default=100,
                        type=between(1, 10_000, int, "a whole number"),
                        help="epochs, 1 to 10000 (default 100)")
    args = parser.parse_args(argv)
    # weights, batches, every eps, the evaluation's samples
    torch.manual_seed(SEED)
    x_train, _, x_test, _ = load_split()
    model = DigitsVAE(latent=args.latent)
    train(model, x_train, beta=args.beta, epochs=args.epochs)
    report(model, x_test)
    return model, x_test


if __name__ == "__main__":
    main()
# --8<-- [end:main]
