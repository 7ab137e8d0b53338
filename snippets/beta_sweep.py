"""Beta's threshold, found by a sweep: the lab trained at each KL weight.

For each beta, the final KL term and reconstruction error, and whether the
code is still on (final KL at least 0.01). Needs tiny_vae_2d.py and
what_beta_means.py beside it.
"""

import torch

from tiny_vae_2d import SEED, TinyVAE, make_data, train
from what_beta_means import threshold

BETAS = (0.05, 0.5, 1.0, 1.5, 1.75, 2.25, 2.5, 3.0, 4.0)
ON = 0.01  # a final KL below this: the code says (almost) nothing


def sweep(betas=BETAS):
    """(beta, final recon, final kl) of the lab's run at each beta."""
    rows = []
    for beta in betas:
        torch.manual_seed(SEED)  # the lab's data, weights and eps
        x = make_data()
        recon, kl, _ = train(TinyVAE(), x, beta=beta, report=False)[-1]
        rows.append((beta, recon, kl))
    return x, rows


if __name__ == "__main__":
    x, rows = sweep()
    predicted = threshold(x)
    print(f"predicted: the code pays while beta < {predicted:.2f}")
    for beta, recon, kl in rows:
        state = "on" if kl >= ON else "off"
        print(f"beta={beta:<4g} kl={kl:.4f} recon={recon:.4f} code {state}")
    last_on = max(beta for beta, _, kl in rows if kl >= ON)
    first_off = min(beta for beta, _, kl in rows if kl < ON)
    inside = "inside" if last_on < predicted < first_off else "OUTSIDE"
    print(f"the code is on up to beta={last_on:g} and off from "
          f"beta={first_off:g}: the prediction lies {inside} that step")
