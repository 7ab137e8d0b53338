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
    return parser.parse_args(argv)
# --8<-- [end:arguments]


# --8<-- [start:main]
def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(SEED)  # one seed decides data, weights, every eps and the samples
    x = make_data()
    model = TinyVAE()
    train(model, x, beta=args.beta, epochs=args.epochs)
    points = sample(model)
    print("generated_points")
    print([[round(v, 3) for v in row.tolist()] for row in points])


if __name__ == "__main__":
    sys.exit(main())
# --8<-- [end:main]
