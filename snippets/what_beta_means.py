"""What beta means: the loss of ignoring the input against the loss of
encoding the cluster, at the lab's beta and at beta = 2.

With a squared-error reconstruction, beta plays the decoder's variance:
beta = 2 * sigma^2. Needs tiny_vae_2d.py beside it.
"""

import math

import torch

from tiny_vae_2d import SEED, TinyVAE, make_data, train

torch.manual_seed(SEED)  # the lab's data and training run, quietly
x = make_data()
history = train(TinyVAE(), x, report=False)
code_recon, code_kl, _ = history[-1]

data = x.double()
right, left = data[:128], data[128:]
# Ignore the input: every code is the prior (KL 0), and the best the
# decoder can then do is output the mean of all the data.
ignore_recon = (data - data.mean(0)).pow(2).mean().item()
# Know the cluster for sure: the best output is that cluster's mean.
offsets = torch.cat([right - right.mean(0), left - left.mean(0)])
saving = ignore_recon - offsets.pow(2).mean().item()
# Knowing one of two clusters is one bit, ln 2 nats; the lab's KL term is
# a mean over 2 latent dimensions, so that code costs at least ln 2 / 2.
one_bit = math.log(2) / 2

for beta in (0.05, 2.0):
    print(f"beta={beta:g}: decoder sigma={math.sqrt(beta / 2):.3f}")
    print(f"  ignore the input: loss={ignore_recon:.3f} (recon, kl=0)")
    print(f"  the lab's code:   loss={code_recon + beta * code_kl:.3f}"
          f" = {code_recon:.3f} + {beta:g} * {code_kl:.3f}")
    print(f"  any code of the cluster: saves at most {saving:.3f}"
          f" of recon, costs at least {beta * one_bit:.3f}")
