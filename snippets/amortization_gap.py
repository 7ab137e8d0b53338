"""The amortization gap (Cremer, Li and Duvenaud, 2018) on the digits.

`python amortization_gap.py [--latent D] [--beta B]` trains the lab as
`digits_vae.py` does with the same flags, then, for each held-out image,
starts from the encoder's (mu, logvar) and follows the gradient of that
image's own ELBO, the decoder fixed. Needs digits_vae.py beside it.
"""

import math

import torch
from torch.nn import functional as F

from digits_vae import (
    SEED,
    DigitsVAE,
    Parser,
    between,
    kl_per_dim,
    load_split,
    train,
)

STEPS = 300  # Adam steps on every image's (mu, logvar)
CODES = 10  # codes per image and step
SAMPLES = 1000  # codes per image for the bounds, as in the lab


def neg_elbo(model, x, mu, logvar, codes):
    """Each image's negative ELBO, from `codes` draws of z ~ N(mu, std^2)."""
    std = torch.exp(0.5 * logvar)
    z = mu + torch.randn(codes, *mu.shape) * std
    bce = F.binary_cross_entropy_with_logits(
        model.decoder(z), x.expand(codes, -1, -1), reduction="none")
    return bce.sum(-1).mean(0) + kl_per_dim(mu, logvar).sum(-1)


@torch.no_grad()
def bounds(model, x, mu, logvar):
    """Negative ELBO and negative IWAE bound, nats per image, for this q."""
    std = torch.exp(0.5 * logvar)
    z = mu + torch.randn(SAMPLES, *mu.shape) * std
    log_px_z = -F.binary_cross_entropy_with_logits(
        model.decoder(z), x.expand(SAMPLES, -1, -1),
        reduction="none").sum(-1)
    log_pz = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    log_qz_x = torch.distributions.Normal(mu, std).log_prob(z).sum(-1)
    w = log_px_z + log_pz - log_qz_x
    iwae = torch.logsumexp(w, 0) - math.log(SAMPLES)
    return -w.mean().item(), -iwae.mean().item()


def main(argv=None):
    parser = Parser(description="Measure the amortization gap.")
    parser.add_argument("--latent", default=2,
                        type=between(1, 64, int, "a whole number"),
                        help="latent dimensions, 1 to 64 (default 2)")
    parser.add_argument("--beta", default=1.0,
                        type=between(0, 1000, float, "a finite number"),
                        help="KL weight in training, 0 to 1000 (default 1)")
    args = parser.parse_args(argv)
    torch.manual_seed(SEED)
    x_train, _, x, _ = load_split()
    model = DigitsVAE(latent=args.latent)
    train(model, x_train, beta=args.beta, report=False)  # the lab's run
    model.requires_grad_(False)  # from here on only q moves
    with torch.no_grad():
        mu, logvar = model.encode(x)
    encoder = bounds(model, x, mu, logvar)
    mu, logvar = mu.clone().requires_grad_(), logvar.clone().requires_grad_()
    opt = torch.optim.Adam([mu, logvar], lr=0.01)
    for _ in range(STEPS):
        loss = neg_elbo(model, x, mu, logvar, CODES).sum()  # images apart
        opt.zero_grad()
        loss.backward()
        opt.step()
    own = bounds(model, x, mu.detach(), logvar.detach())
    best = min(encoder[1], own[1])  # the tighter estimate of -log p(x)
    print(f"held-out images: {len(x)}, nats per image "
          f"({SAMPLES} codes each)")
    print(f"  q from the encoder:    -ELBO {encoder[0]:.2f}  "
          f"-IWAE {encoder[1]:.2f}")
    print(f"  q fitted per image:    -ELBO {own[0]:.2f}  "
          f"-IWAE {own[1]:.2f}  ({STEPS} steps)")
    print(f"  amortization gap:      {encoder[0] - own[0]:.2f}")
    print(f"  left to the -IWAE:     {own[0] - best:.2f}")


if __name__ == "__main__":
    main()
