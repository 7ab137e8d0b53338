"""The lab's loss is a scaled negative ELBO: a check with torch.distributions.

The model the lab fits: z ~ p(z) = N(0, I) with d = 2 dimensions, and
x ~ p(x|z) = N(decoder(z), sigma^2 I) with D = 2 coordinates, where
sigma^2 = beta * D / (2 * d). The encoder's N(mu, std^2) is q(z|x). Every
log-density below comes from torch.distributions, not from the lab's loss.
Needs tiny_vae_2d.py beside it.
"""

import math

import torch
from torch.distributions import Independent, Normal, kl_divergence

from tiny_vae_2d import SEED, TinyVAE, make_data, train, vae_loss

BETA = 0.05
SAMPLES = 1000  # codes per point for the importance-sampled log p(x)

torch.manual_seed(SEED)  # the lab's data and training run, quietly
x = make_data()
model = TinyVAE()
train(model, x, beta=BETA, report=False)
model, x = model.double(), x.double()  # float64: the check compares 12 digits
D, d = x.shape[1], model.mu.out_features
sigma = math.sqrt(BETA * D / (2 * d))

with torch.no_grad():
    h = model.encoder(x)
    mu, logvar = model.mu(h), model.logvar(h)
    std = torch.exp(0.5 * logvar)
    q = Independent(Normal(mu, std), 1)  # q(z|x), one per point
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)

    def log_likelihood(z):
        """log p(x|z) of every point, for codes z of shape (..., points, d)."""
        return Independent(Normal(model.decoder(z), sigma), 1).log_prob(x)

    # One code per point, as the lab draws it: the one-sample ELBO estimate.
    z = mu + torch.randn_like(std) * std
    elbo = (log_likelihood(z) - kl_divergence(q, prior)).mean()
    _, _, lab_loss = vae_loss(model.decoder(z), x, mu, logvar, BETA)
    constant = D / 2 * math.log(2 * math.pi * sigma**2)
    scaled = 2 * sigma**2 / D * (-elbo - constant)

    # The bound and its gap: log p(x) = ELBO + KL(q(z|x) || p(z|x)).
    zs = q.sample((SAMPLES,))
    weights = log_likelihood(zs) + prior.log_prob(zs) - q.log_prob(zs)
    log_px = (torch.logsumexp(weights, 0) - math.log(SAMPLES)).mean()
    elbo_expected = (log_likelihood(zs).mean(0) - kl_divergence(q, prior)).mean()

print(f"sigma^2 = beta * D / (2 * d) = {sigma**2:.3f}, sigma = {sigma:.3f}")
print(f"one z per point: -ELBO = {-elbo.item():.4f} nats, constant "
      f"D/2 * ln(2 pi sigma^2) = {constant:.4f}")
print(f"(2 sigma^2 / D) * (-ELBO - constant) = {scaled.item():.4f}")
print(f"the lab's loss on the same z          = {lab_loss.item():.4f}")
print(f"equal to 12 decimals: {abs(scaled.item() - lab_loss.item()) < 1e-12}")
print(f"averaged over {SAMPLES} z per point: ELBO = {elbo_expected.item():.3f}, "
      f"log p(x) = {log_px.item():.3f}, gap = {(log_px - elbo_expected).item():.3f}")
