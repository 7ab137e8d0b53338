"""A tiny GAN on the lab's 2D points: a generator shaped like the VAE's decoder, and a critic.

`python tiny_gan_2d.py` trains it and prints its losses and five generated points.
"""

import functools

import torch
from torch import nn

from tiny_vae_2d import SEED, make_data

EPOCHS = 300


def make_generator():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))  # like the decoder


def make_discriminator():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))  # a logit: real or not


@functools.cache
def train_gan(seed=0, epochs=EPOCHS, lr=0.01):
    """Full-batch GAN training on the lab's data; returns (data, generator, history).

    history holds (discriminator loss, generator loss) per epoch."""
    torch.manual_seed(SEED)
    x = make_data()
    torch.manual_seed(seed)
    generator, discriminator = make_generator(), make_discriminator()
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real, fake_label = torch.ones(len(x), 1), torch.zeros(len(x), 1)
    history = []
    for _ in range(epochs):
        fake = generator(torch.randn(len(x), 2))
        # The discriminator learns to tell the data from the generator's points...
        d_loss = bce(discriminator(x), real) + bce(discriminator(fake.detach()), fake_label)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        # ...and the generator learns to make the discriminator call its points real.
        g_loss = bce(discriminator(fake), real)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        history.append((d_loss.item(), g_loss.item()))
    return x, generator, history


if __name__ == "__main__":
    _, generator, history = train_gan()
    for epoch in (1, 100, 200, EPOCHS):
        d_loss, g_loss = history[epoch - 1]
        print(f"epoch={epoch:03d} d_loss={d_loss:.4f} g_loss={g_loss:.4f}")
    with torch.no_grad():
        points = generator(torch.randn(5, 2))
    print("generated_points")
    pairs = (f"[{a:.3f}, {b:.3f}]" for a, b in points.tolist())
    print("[" + ", ".join(pairs) + "]")  # zeros kept: 0.740, not 0.74
