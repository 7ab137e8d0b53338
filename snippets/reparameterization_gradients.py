"""Why a VAE samples with z = mu + eps * std: only that way does the
gradient reach mu and logvar."""

import torch
from torch.distributions import Normal

torch.manual_seed(0)
mu = torch.tensor([0.5], requires_grad=True)
logvar = torch.tensor([-1.0], requires_grad=True)
std = torch.exp(0.5 * logvar)

# A plain draw from N(mu, std^2) is a constant to autograd: no path leads
# back to mu or logvar.
z_plain = Normal(mu, std).sample()
print(f"plain sample:     z={z_plain.item():.4f} "
      f"requires_grad={z_plain.requires_grad}")

# The reparameterized draw takes its randomness from eps, which depends on
# no parameter.
eps = torch.randn_like(std)
z = mu + eps * std
z.backward()
print(f"reparameterized:  z={z.item():.4f} requires_grad={z.requires_grad}")
print(f"dz/dmu     = {mu.grad.item():.4f}  (always 1)")
expected = 0.5 * eps.item() * std.item()
print(f"dz/dlogvar = {logvar.grad.item():.4f}  "
      f"(0.5 * eps * std = {expected:.4f})")
