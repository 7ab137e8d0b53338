"""A tiny variational autoencoder trained on two clusters of 2D points.

Run it with `python tiny_vae_2d.py`; `--beta` sets the KL weight, `--epochs` the training length.
It needs torch alone and prints the same numbers on every run: every random draw comes from one
seed.
"""

import argparse
import math
import sys

import torch
from torch import nn

# --8<-- [start:data]
SEED = 4


def make_data():
    """256 points: two round clusters of 128, centred on (1, 0) and (-1, 0)."""
    cluster_a = torch.randn(128, 2) * 0.15 + torch.tensor([1.0, 0.0])
    cluster_b = torch.randn(128, 2) * 0.15 + torch.tensor([-1.0, 0.0])
    return torch.cat([cluster_a, cluster_b], dim=0)
# --8<-- [end:data]


# --8<-- [start:model]
class TinyVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(2, 16), nn.ReLU())
        self.mu = nn.Linear(16, 2)  # centre of q(z|x)
        self.logvar = nn.Linear(16, 2)  # log of its variance: any real number is valid
        self.decoder = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))

    # --8<-- [start:reparameterize]
    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)  # the only random part, and it needs no gradient
        return mu + eps * std  # differentiable in mu and std
    # --8<-- [end:reparameterize]

    def forward(self, x):
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = self.reparameterize(mu, logvar)
        return self.decoder(z), mu, logvar
# --8<-- [end:model]


# --8<-- [start:loss]
def vae_loss(recon, x, mu, logvar, beta):
    recon_loss = ((recon - x) ** 2).mean()
    # KL(N(mu, sigma^2) || N(0, 1)) in closed form, averaged over points and latent dimensions
    kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())
    return recon_loss, kl, recon_loss + beta * kl
# --8<-- [end:loss]


# --8<-- [start:train]
REPORT_EPOCHS = (1, 50, 100, 200)


def train(model, x, beta=0.05, epochs=200, lr=0.02, report=True):
    """Full-batch Adam; returns (recon, kl, loss) of every epoch, for plots and checks."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for epoch in range(1, epochs + 1):
        recon, mu, logvar = model(x)  # the whole data set is one batch
        recon_loss, kl, loss = vae_loss(recon, x, mu, logvar, beta)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append((recon_loss.item(), kl.item(), loss.item()))
        if report and (epoch in REPORT_EPOCHS or epoch == epochs):
            print(
                f"epoch={epoch:03d} "
                f"recon={recon_loss.item():.4f} "
                f"kl={kl.item():.4f} "
                f"loss={loss.item():.4f}"
            )
    return history
# --8<-- [end:train]


# --8<-- [start:sample]
def sample(model, n=5):
    """Decode n latent codes drawn from the prior N(0, I): new points, not copies of the data."""
    with torch.no_grad():
        z = torch.randn(n, 2)
        return model.decoder(z)
# --8<-- [end:sample]


# --8<-- [start:evidence]
KL_UNCHECKED = 2.0  # nats per dimension: codes far outside the prior, which sampling never reaches
NEAR = 0.25  # a sample is data-like if a training point lies this close


def evidence(history, points, data, beta):
    """The run's evidence record: each item's numbers, and the diagnostics table's verdict."""
    (recon_first, kl_first, _), (recon_last, kl_last, _) = history[0], history[-1]
    last_recons = [recon for recon, _, _ in history[-20:]]
    wobble = max(last_recons) - min(last_recons)
    if recon_last >= 0.5 * recon_first:
        recon_verdict = "warning: stays high"
    elif wobble > 0.5 * recon_last:
        recon_verdict = "warning: still moving"
    else:
        recon_verdict = "healthy: decreases and stabilizes"
    if kl_last < 0.01:
        kl_verdict = "warning: collapses to zero"
    elif kl_last > KL_UNCHECKED:
        kl_verdict = "warning: grows unchecked"
    elif recon_last >= 0.5 * recon_first:
        kl_verdict = "warning: dominates the loss"
    else:
        kl_verdict = "healthy: nonzero but controlled"
    spread, data_spread = points.std(dim=0).norm().item(), data.std(dim=0).norm().item()
    near = (torch.cdist(points, data).min(dim=1).values <= NEAR).sum().item()
    if spread < 0.25 * data_spread:
        sample_verdict = "warning: all similar"
    elif near < len(points) / 2:
        sample_verdict = "warning: meaningless (off the data)"
    else:
        sample_verdict = "healthy: plausible and diverse"
    probe = ("lower --beta" if "collapses" in kl_verdict or "dominates" in kl_verdict
             else "raise --beta" if "unchecked" in kl_verdict
             else "rerun with --beta 0 and --beta 0.5 and compare the samples")
    print("evidence record")
    print(f"  recon trend: {recon_first:.4f} -> {recon_last:.4f}, last 20 epochs within "
          f"{wobble:.4f}: {recon_verdict}")
    print(f"  kl trend: {kl_first:.4f} -> {kl_last:.4f}: {kl_verdict}")
    print(f"  sample check: {len(points)} points from random z, spread {spread:.3f} (data "
          f"{data_spread:.3f}), {near} within {NEAR} of the data: {sample_verdict}")
    print(f"  trade-off: beta={beta:g} gives recon={recon_last:.4f} and kl={kl_last:.4f}")
    print(f"  next probe: {probe}")
# --8<-- [end:evidence]


# --8<-- [start:arguments]
def finite_number(text, minimum):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < minimum:
        raise argparse.ArgumentTypeError(f"expected a finite number >= {minimum:g}, got {text!r}")
    return value


def whole_number(text, minimum):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
    return value


class OneLineErrors(argparse.ArgumentParser):
    def error(self, message):
        # One line on stderr and exit status 2, as argparse does, but without the usage block.
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv=None):
    parser = OneLineErrors(description="Train a tiny VAE on 2D points and sample from it.")
    parser.add_argument(
        "--beta", type=lambda s: finite_number(s, 0), default=0.05, help="KL weight (default 0.05)"
    )
    parser.add_argument(
        "--epochs", type=lambda s: whole_number(s, 1), default=200, help="epochs (default 200)"
    )
    parser.add_argument(
        "--evidence", action="store_true", help="also print the run's evidence record"
    )
    return parser.parse_args(argv)
# --8<-- [end:arguments]


# --8<-- [start:main]
def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(SEED)  # one seed decides data, weights, every eps and the samples
    x = make_data()
    model = TinyVAE()
    history = train(model, x, beta=args.beta, epochs=args.epochs)
    points = sample(model)
    print("generated_points")
    print([[round(v, 3) for v in row.tolist()] for row in points])
    if args.evidence:
        evidence(history, points, x, args.beta)


if __name__ == "__main__":
    sys.exit(main())
# --8<-- [end:main]
