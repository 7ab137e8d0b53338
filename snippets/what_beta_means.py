"""What beta means: when a code of the cluster pays, predicted, and the
lab trained at nine values of beta to see where its code switches off.

Needs tiny_vae_2d.py beside it.
"""

import math

import torch

from tiny_vae_2d import SEED, TinyVAE, make_data, train

D = d = 2  # data coordinates, latent dimensions
BETAS = (0.05, 0.5, 1.0, 1.5, 1.75, 2.25, 2.5, 3.0, 4.0)
ON = 0.01  # a final KL below this: the code says (almost) nothing


def recon_bounds(x):
    """(recon of ignoring the input, the most a code of the cluster can
    save), as the lab measures recon: a mean over points and coordinates."""
    data = x.double()
    # Ignore the input: the best single output is the mean of all the data.
    ignore = (data - data.mean(0)).pow(2).mean().item()
    # Know the cluster for sure: the best output is that cluster's mean.
    within = torch.cat([c - c.mean(0) for c in (data[:128], data[128:])])
    return ignore, ignore - within.pow(2).mean().item()


def widest_variance(x):
    """The data's variance along its widest direction (the largest
    eigenvalue of its covariance): all a faint code can explain."""
    covariance = torch.cov(x.double().T, correction=0)
    return torch.linalg.eigvalsh(covariance).max().item()


def thresholds(x):
    """(beta below which knowing the cluster for sure pays, beta below
    which a faint code pays): see the page for both."""
    _, saving = recon_bounds(x)
    one_bit = math.log(2) / d  # ln 2 nats, averaged over d dimensions
    return saving / one_bit, 2 * d / D * widest_variance(x)


def lab_run(beta):
    """(recon, kl) of the lab's last epoch at this beta."""
    torch.manual_seed(SEED)  # the lab's data, weights and every eps, in order
    x = make_data()
    recon, kl, _ = train(TinyVAE(), x, beta=beta, report=False)[-1]
    return recon, kl


if __name__ == "__main__":
    torch.manual_seed(SEED)
    x = make_data()
    ignore, saving = recon_bounds(x)
    sure, faint = thresholds(x)
    print(f"ignore the input: recon={ignore:.3f}, kl=0")
    print(f"the cluster for sure: recon -{saving:.3f} at most, kl "
          f"+{math.log(2) / d:.3f} at least: pays while beta < {sure:.2f}")
    print(f"a faint code: recon -{widest_variance(x) / D:.3f} m^2, "
          f"kl +m^2/{2 * d}: pays while beta < {faint:.2f}")
    on = []
    for beta in BETAS:
        recon, kl = lab_run(beta)
        on.append(kl >= ON)
        # kl to 3 decimals, recon to 2: near the threshold the next digit
        # of each moves from CPU to CPU
        print(f"beta={beta:<4g} kl={kl:.3f} recon={recon:.2f} "
              f"code {'on' if on[-1] else 'off'}")
    last_on = max(b for b, used in zip(BETAS, on, strict=True) if used)
    first_off = min(b for b, used in zip(BETAS, on, strict=True) if not used)
    where = "between them" if last_on < faint < first_off else "NOT between"
    print(f"code on up to beta={last_on:g}, off from beta={first_off:g}; "
          f"predicted {faint:.2f}: {where}")
