"""How noisy is each gradient estimator? The lab's encoder, two ways.

The reconstruction term's gradient with respect to the encoder's weights,
estimated from one code per point as a training step does, 500 times over:
by reparameterization, z = mu + eps * std, and by the score function,
which weights each code's error by the gradient of log q(z|x) and never
differentiates the draw (also with a baseline: each point's error minus a
second, independent draw's). Needs tiny_vae_2d.py beside it.
"""

import copy

import torch
from torch.distributions import Normal

from tiny_vae_2d import SEED, TinyVAE, make_data, train

REPEATS = 500  # gradient estimates per estimator

torch.manual_seed(SEED)
x = make_data()
lab = TinyVAE()
untrained = copy.deepcopy(lab)
train(lab, x, report=False)  # the lab's run: beta 0.05, 200 epochs


def estimate(model, kind):
    """One estimate of d(mean error)/d(encoder weights), flattened."""

    def error(z):  # each point's squared error, mean of its coordinates
        return ((model.decoder(z) - x) ** 2).mean(1)

    h = model.encoder(x)
    mu, std = model.mu(h), torch.exp(0.5 * model.logvar(h))
    eps = torch.randn_like(std)
    if kind == "reparameterized":
        surrogate = error(mu + eps * std).mean()
    else:  # score function: error(z) * d log q(z|x), z held fixed
        z = (mu + eps * std).detach()
        weight = error(z).detach()
        if kind == "score, baseline":
            with torch.no_grad():
                weight -= error(mu + torch.randn_like(std) * std)
        log_q = Normal(mu, std).log_prob(z).sum(1)
        surrogate = (weight * log_q).mean()
    encoder = [*model.encoder.parameters(), *model.mu.parameters(),
               *model.logvar.parameters()]
    grads = torch.autograd.grad(surrogate, encoder)
    return torch.cat([g.flatten() for g in grads])


def measure(model, when):
    print(f"{when}: {REPEATS} estimates each")
    print("  estimator        variance  ratio  cosine of means")
    kinds = ("reparameterized", "score function", "score, baseline")
    runs = {k: torch.stack([estimate(model, k) for _ in range(REPEATS)])
            for k in kinds}
    reference = runs[kinds[0]]
    for kind, g in runs.items():
        variance = g.var(0).sum()  # summed over the encoder's weights
        ratio = variance / reference.var(0).sum()
        cosine = torch.cosine_similarity(g.mean(0), reference.mean(0), 0)
        print(f"  {kind:<16} {variance:.2e} {ratio:5.1f}x  {cosine:.3f}")


measure(untrained, "untrained")
measure(lab, "after the lab's 200 epochs")
