"""The lab's VAE under other settings, and the measurements behind the
figures and the checks.

Every run starts like the lab (`torch.manual_seed(SEED)`, its data, its
model) and trains with the lab's own `train`, so `run()` with the defaults
trains exactly the lab's model.
"""

import functools

import torch
from torch import nn

from evidence import NEAR
from tiny_vae_2d import SEED, TinyVAE, make_data, train, vae_loss

PRIOR_SAMPLES = 500


def start(seed=None, model_class=TinyVAE):
    """The lab's data and a fresh model, drawn as the lab draws them.

    `seed=None` draws the initial weights where the lab does; another seed
    gives other initial weights for the same data."""
    torch.manual_seed(SEED)
    x = make_data()
    if seed is not None:
        torch.manual_seed(seed)
    return x, model_class()


@functools.cache
def run(beta=0.05, epochs=200, activation="relu", seed=None):
    """Train quietly; returns (data, model, history), the history holding
    (recon, kl, loss) of every epoch."""
    x, model = start(seed)
    if activation == "tanh":
        model.decoder[1] = nn.Tanh()  # no weights: the lab's weights stay
    history = train(model, x, beta=beta, epochs=epochs, report=False)
    return x, model, history


def prior_codes(n=PRIOR_SAMPLES, seed=0):
    """n codes from N(0, I), drawn with their own generator (the lab's
    random numbers stay as they are)."""
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))


def prior_samples(model, n=PRIOR_SAMPLES, seed=0):
    """Decode `prior_codes(n, seed)`."""
    with torch.no_grad():
        return model.decoder(prior_codes(n, seed))


def share_near_data(points, x, radius=NEAR):
    """The share of `points` that have a training point within `radius`."""
    nearest = torch.cdist(points, x).min(dim=1).values
    return (nearest <= radius).float().mean().item()


def latent_means(model, x):
    with torch.no_grad():
        return model.mu(model.encoder(x))


def decode_line(model, start, end, points=9):
    """Decode `points` evenly spaced codes from `start` to `end`;
    returns (codes, decoded)."""
    t = torch.linspace(0, 1, points).unsqueeze(1)
    z = (1 - t) * torch.tensor(start) + t * torch.tensor(end)
    with torch.no_grad():
        return z, model.decoder(z)


def largest_step(decoded):
    return (decoded[1:] - decoded[:-1]).norm(dim=1).max().item()


class Autoencoder(TinyVAE):
    """The lab's networks as a plain autoencoder: the code is `mu` itself,
    with no sampling; trained with beta 0, so the KL term plays no part."""

    def reparameterize(self, mu, logvar):
        return mu


@functools.cache
def run_autoencoder(epochs=200, seed=None):
    x, model = start(seed, Autoencoder)
    history = train(model, x, beta=0.0, epochs=epochs, report=False)
    return x, model, history


@functools.cache
def run_warmup(target_beta=0.05, warmup_epochs=50, epochs=200):
    """KL warm-up: beta grows linearly from 0 to `target_beta` over the
    first `warmup_epochs`. The lab's `train` keeps beta constant, so this
    loop is the lab's with one line added: the beta of the epoch."""
    x, model = start()
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    history = []
    for epoch in range(1, epochs + 1):
        beta = target_beta * min(1.0, (epoch - 1) / warmup_epochs)
        recon, mu, logvar = model(x)
        recon_loss, kl, loss = vae_loss(recon, x, mu, logvar, beta)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append((recon_loss.item(), kl.item(), loss.item()))
    return x, model, history


def spread(points):
    """How far apart points are: the length of their per-coordinate
    standard deviation."""
    return points.std(dim=0).norm().item()


def clusters_covered(points, min_share=0.05, radius=0.5):
    """How many of the two clusters get at least `min_share` of the
    points within `radius`."""
    covered = 0
    for centre in ([1.0, 0.0], [-1.0, 0.0]):
        near = (points - torch.tensor(centre)).norm(dim=1) <= radius
        covered += int(near.float().mean().item() >= min_share)
    return covered


def kl_per_dimension(model, x):
    """The KL term of each latent dimension, averaged over the points, from
    the model's weights as they are now (after the last update)."""
    with torch.no_grad():
        h = model.encoder(x)
        mu, logvar = model.mu(h), model.logvar(h)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())
    return kl.mean(dim=0).tolist()
