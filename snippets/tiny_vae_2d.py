"""A tiny variational autoencoder trained on two clusters of 2D points.

`python tiny_vae_2d.py [--beta B] [--epochs N]`. It needs torch alone, and
one seed decides every random draw, so each run prints the same numbers.
"""

import argparse
import math

import torch
from torch import nn

# --8<-- [start:data]
SEED = 4


def make_data():
    """256 points: two round clusters of 128, around (1, 0) and (-1, 0)."""
    right = torch.randn(128, 2) * 0.15 + torch.tensor([1.0, 0.0])
    left = torch.randn(128, 2) * 0.15 + torch.tensor([-1.0, 0.0])
    return torch.cat([right, left], dim=0)
# --8<-- [end:data]


# --8<-- [start:model]
class TinyVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(2, 16), nn.ReLU())
        self.mu = nn.Linear(16, 2)  # centre of q(z|x)
        self.logvar = nn.Linear(16, 2)  # log of its variance: any real
        self.decoder = nn.Sequential(
            nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2)
        )

    # --8<-- [start:reparameterize]
    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)  # the randomness; needs no gradient
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
    # KL(N(mu, sigma^2) || N(0, 1)) in closed form, averaged over
    # points and latent dimensions
    kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())
    return recon_loss, kl, recon_loss + beta * kl
# --8<-- [end:loss]


# --8<-- [start:train]
REPORT_EPOCHS = (1, 50, 100, 200)


def train(model, x, beta=0.05, epochs=200, lr=0.02, report=True):
    """Full-batch Adam; returns (recon, kl, loss) of every epoch."""
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
            print(f"epoch={epoch:03d} recon={recon_loss.item():.4f} "
                  f"kl={kl.item():.4f} loss={loss.item():.4f}")
    return history
# --8<-- [end:train]


# --8<-- [start:sample]
def sample(model, n=5):
    """Decode n codes drawn from the prior N(0, I): new points."""
    with torch.no_grad():
        return model.decoder(torch.randn(n, 2))
# --8<-- [end:sample]


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
    """Train as the flags say; return (args, data, history, 5 new points)."""
    parser = Parser(description="Train a tiny VAE on 2D points.")
    parser.add_argument("--beta", default=0.05,
                        type=between(0, 1000, float, "a finite number"),
                        help="KL weight, 0 to 1000 (default 0.05)")
    parser.add_argument("--epochs", default=200,
                        type=between(1, 100_000, int, "a whole number"),
                        help="epochs, 1 to 100000 (default 200)")
    args = parser.parse_args(argv)
    torch.manual_seed(SEED)  # data, weights, every eps, the samples
    x = make_data()
    model = TinyVAE()
    history = train(model, x, beta=args.beta, epochs=args.epochs)
    return args, x, history, sample(model)


if __name__ == "__main__":
    points = main()[-1]
    print("generated_points")
    print([[round(v, 3) for v in row] for row in points.tolist()])
# --8<-- [end:main]
