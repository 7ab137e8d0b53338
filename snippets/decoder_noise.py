"""The decoder's noise sigma^2: what the lab's beta assumes, what the data says.

For a fixed encoder and decoder, the sigma^2 that maximizes the ELBO is the
mean squared error per coordinate, E||x - x_hat||^2 / D. The script reads
it off the trained lab, then trains the same model with sigma^2 learned
beside the weights (the full negative ELBO, beta = 1, sums). Needs
tiny_vae_2d.py beside it.
"""

import math

import torch

from tiny_vae_2d import SEED, TinyVAE, make_data, train

BETA = 0.05
CODES = 100  # codes per point when averaging the error over q(z|x)
EPOCHS = 500
REPORT = (100, 200, 500)

torch.manual_seed(SEED)
x = make_data()
D, d = 2, 2  # data coordinates, latent dimensions
model = TinyVAE()
train(model, x, beta=BETA, report=False)  # the lab's run, quietly
with torch.no_grad():
    h = model.encoder(x)
    mu, std = model.mu(h), torch.exp(0.5 * model.logvar(h))
    z = mu + torch.randn(CODES, *mu.shape) * std
    best = ((model.decoder(z) - x) ** 2).mean().item()  # E||.||^2 / D
print(f"the lab's beta={BETA} assumes sigma^2 = beta*D/(2d) = "
      f"{BETA * D / (2 * d):.4f}")
print(f"its error per coordinate, {CODES} codes per point: {best:.4f}")
print(f"  best sigma^2 = {best:.4f}, implied beta = 2*sigma^2*d/D = "
      f"{2 * best * d / D:.4f}")

# The same model from the same start, sigma^2 now a parameter.
torch.manual_seed(SEED)
x = make_data()
model = TinyVAE()
log_s2 = torch.zeros((), requires_grad=True)  # sigma^2 starts at 1
opt = torch.optim.Adam([*model.parameters(), log_s2], lr=0.02)
print("sigma^2 learned, loss = the negative ELBO (nats per point):")
for epoch in range(1, EPOCHS + 1):
    recon, mu, logvar = model(x)
    squared = ((recon - x) ** 2).sum(1)
    nll = squared / (2 * log_s2.exp()) + D / 2 * (
        math.log(2 * math.pi) + log_s2)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())  # per dimension
    loss = (nll + kl.sum(1)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch in REPORT:
        s2 = log_s2.exp().item()
        units = " ".join(f"{v:.3f}" for v in kl.mean(0).tolist())
        print(f"  epoch={epoch:03d} sigma^2={s2:.4f} "
              f"(beta {2 * s2 * d / D:.3f}) "
              f"error={squared.mean().item() / D:.4f} kl per dim={units}")
