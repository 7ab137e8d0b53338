"""The lab's VAE under other settings, and the measurements the figures and walkthroughs rest on.

Every run starts like the lab (`torch.manual_seed(SEED)`, data, model), so `run()` with the
defaults trains exactly the lab's model.
"""

import functools

import torch
from torch import nn

from tiny_vae_2d import SEED, TinyVAE, make_data, train

NEAR = 0.25  # a generated point is "near the data" if a training point lies this close
PRIOR_SAMPLES = 500


@functools.cache
def run(beta=0.05, epochs=200, activation="relu"):
    """Train quietly; returns (data, model, history of (recon, kl, loss) per epoch)."""
    torch.manual_seed(SEED)
    x = make_data()
    model = TinyVAE()
    if activation == "tanh":
        model.decoder[1] = nn.Tanh()  # no weights: the initial weights stay the lab's
    history = train(model, x, beta=beta, epochs=epochs, report=False)
    return x, model, history


def prior_samples(model, n=PRIOR_SAMPLES, seed=0):
    """Decode n codes drawn from N(0, I) with a generator of their own (the lab's RNG stays put)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        return model.decoder(torch.randn(n, 2, generator=generator))


def share_near_data(points, x, radius=NEAR):
    """The share of `points` that have a training point within `radius`."""
    return (torch.cdist(points, x).min(dim=1).values <= radius).float().mean().item()


def latent_means(model, x):
    with torch.no_grad():
        return model.mu(model.encoder(x))


def decode_line(model, start, end, points=9):
    """Decode `points` evenly spaced codes from `start` to `end`; returns (codes, decoded)."""
    t = torch.linspace(0, 1, points).unsqueeze(1)
    z = (1 - t) * torch.tensor(start) + t * torch.tensor(end)
    with torch.no_grad():
        return z, model.decoder(z)


def largest_step(decoded):
    return (decoded[1:] - decoded[:-1]).norm(dim=1).max().item()
