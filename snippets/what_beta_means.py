"""What beta means: the loss of ignoring the input against the loss of
using a code for the cluster, and the largest beta at which a code pays.

With the lab's mean reductions beta = 2 sigma^2 d / D: sigma is the noise
the decoder assumes, d = 2 latent dimensions, D = 2 data coordinates.
Needs tiny_vae_2d.py beside it.
"""

import math

import torch

from tiny_vae_2d import SEED, TinyVAE, make_data, train

D = d = 2  # data coordinates, latent dimensions


def recon_bounds(x):
    """(recon of ignoring the input, most a code of the cluster can save):
    mean squared errors over points and coordinates, as the lab's recon."""
    data = x.double()
    halves = data[:128], data[128:]  # the clusters at (1, 0) and (-1, 0)
    # Ignore the input: the best single output is the mean of all the data.
    ignore = (data - data.mean(0)).pow(2).mean().item()
    # Know the cluster for sure: the best output is that cluster's mean.
    within = torch.cat([h - h.mean(0) for h in halves]).pow(2).mean().item()
    return ignore, ignore - within


def threshold(x):
    """The beta below which even a faint code of the cluster lowers the
    loss (see the page): 2 d / D times the variance it can explain."""
    _, saving = recon_bounds(x)
    return 2 * d * saving


if __name__ == "__main__":
    torch.manual_seed(SEED)  # the lab's data and training run, quietly
    x = make_data()
    lab_recon, lab_kl, _ = train(TinyVAE(), x, report=False)[-1]
    ignore, saving = recon_bounds(x)
    one_bit = math.log(2) / d  # ln 2 nats, averaged over the d dimensions
    print(f"beta=0.05 means decoder sigma={math.sqrt(0.05 * D / (2 * d)):.3f}"
          " (each cluster's spread: 0.15)")
    print(f"ignore the input:  recon={ignore:.3f} kl=0 loss={ignore:.3f}")
    print(f"the lab's code:    recon={lab_recon:.3f} kl={lab_kl:.3f} "
          f"loss={lab_recon + 0.05 * lab_kl:.3f}")
    print(f"the whole cluster: saves at most {saving:.3f}, kl at least "
          f"{one_bit:.3f}: pays while beta < {saving / one_bit:.2f}")
    print(f"a faint code, m small: saves {saving:.3f} * m^2, kl m^2 / {2 * d}"
          f": pays while beta < {threshold(x):.2f}")
