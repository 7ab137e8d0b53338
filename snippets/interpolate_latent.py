"""Exercise 3: decode straight lines through the latent space of the lab's trained VAE."""

import torch

from tiny_vae_2d import SEED, TinyVAE, make_data, train

torch.manual_seed(SEED)  # the same data, weights and training run as the lab
x = make_data()
model = TinyVAE()
train(model, x)


def decode_line(start, end, points=9):
    with torch.no_grad():
        t = torch.linspace(0, 1, points).unsqueeze(1)
        z = (1 - t) * torch.tensor(start) + t * torch.tensor(end)
        decoded = model.decoder(z)
    print(f"line from {start} to {end}")
    for z_point, point in zip(z.tolist(), decoded.tolist(), strict=True):
        print(f"  z=({z_point[0]:+.1f}, {z_point[1]:+.1f}) -> x=({point[0]:+.3f}, {point[1]:+.3f})")
    steps = (decoded[1:] - decoded[:-1]).norm(dim=1)
    print(f"  largest step between neighbours: {steps.max().item():.3f}")


with torch.no_grad():
    mu = model.mu(model.encoder(x))
print(f"mean code of the cluster at (+1, 0): {[round(v, 2) for v in mu[:128].mean(0).tolist()]}")
print(f"mean code of the cluster at (-1, 0): {[round(v, 2) for v in mu[128:].mean(0).tolist()]}")
decode_line([-2.0, 0.0], [2.0, 0.0])
decode_line([0.0, -2.0], [0.0, 2.0])
