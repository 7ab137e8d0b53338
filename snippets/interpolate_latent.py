"""Exercise 3: decode straight lines through the lab's trained latent space."""

import torch

from tiny_vae_2d import SEED, TinyVAE, make_data, train

torch.manual_seed(SEED)  # the same data, weights and training run as the lab
x = make_data()
model = TinyVAE()
train(model, x)


def decode_line(start, end, points=9):
    """Decode evenly spaced codes from start to end; print each output
    and the length of the step from the one before."""
    t = torch.linspace(0, 1, points).unsqueeze(1)
    z = (1 - t) * torch.tensor(start) + t * torch.tensor(end)
    with torch.no_grad():
        decoded = model.decoder(z)
    steps = [0.0] + (decoded[1:] - decoded[:-1]).norm(dim=1).tolist()
    print(f"line from {start} to {end}")
    rows = zip(z.tolist(), decoded.tolist(), steps, strict=True)
    for (z1, z2), (x1, x2), step in rows:
        print(f"  z=({z1:+.1f}, {z2:+.1f}) -> x=({x1:+.3f}, {x2:+.3f})"
              + (f"  step {step:.3f}" if step else ""))


with torch.no_grad():
    mu = model.mu(model.encoder(x))
for name, codes in (("(+1, 0)", mu[:128]), ("(-1, 0)", mu[128:])):
    centre = [round(v, 2) for v in codes.mean(0).tolist()]
    print(f"mean code of the cluster at {name}: {centre}")
decode_line([-2.0, 0.0], [2.0, 0.0])
decode_line([0.0, -2.0], [0.0, 2.0])
