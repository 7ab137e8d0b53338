"""The practical diagnostics, each on a healthy run and on a run with the
warning sign.

Healthy: the lab (KL weight 0.05). Warnings: KL weight 1 (the KL term
dominates), KL weight 2 (the code collapses), and the lab's networks
trained as a plain autoencoder (interpolation).
"""

from vae_experiments import (
    decode_line,
    kl_per_dimension,
    latent_means,
    prior_samples,
    run,
    run_autoencoder,
    share_near_data,
    spread,
)


def rounded(values, digits=4):
    return [round(v, digits) for v in values]


def between_clusters(model, x, points=33):
    """Decode the line between the two clusters' mean codes; the share of
    it near the data."""
    mu = latent_means(model, x)
    start, end = mu[:128].mean(0).tolist(), mu[128:].mean(0).tolist()
    _, decoded = decode_line(model, start, end, points)
    return share_near_data(decoded, x)


healthy = run(beta=0.05)
dominated, collapsed = run(beta=1.0), run(beta=2.0)
autoencoder = run_autoencoder()

# A collapsing run amplifies rounding: on other CPUs its 4th decimal moves
# (measured under 18 CPU settings), so its lines print only what holds.
print("reconstruction loss (first -> last epoch)")
_, _, history = healthy
print(f"  healthy, beta 0.05: {history[0][0]:.4f} -> {history[-1][0]:.4f}")
_, _, history = collapsed
print(f"  warning, beta 2: {history[0][0]:.4f} -> {history[-1][0]:.2f}")

print("KL term (last epoch; per latent dimension)")
for name, (x, model, history) in (("healthy, beta 0.05", healthy),
                                  ("dominates, beta 1", dominated)):
    per_dimension = rounded(kl_per_dimension(model, x))
    print(f"  {name}: kl={history[-1][1]:.4f} per dimension {per_dimension}"
          f" recon={history[-1][0]:.4f}")
x, model, history = collapsed
below = "below" if max(kl_per_dimension(model, x)) < 0.01 else "not below"
print(f"  collapsed, beta 2: kl={history[-1][1]:.3f}, every dimension "
      f"{below} 0.01 recon={history[-1][0]:.2f}")

print("generated samples (500 from N(0, I))")
x, model, _ = healthy
samples = prior_samples(model)
near = share_near_data(samples, x)
print(f"  healthy, beta 0.05: spread {spread(samples):.3f} "
      f"(data {spread(x):.3f}), near the data {near:.1%}")
x, model, _ = collapsed
samples = prior_samples(model)
near = "under" if share_near_data(samples, x) < 0.05 else "at least"
print(f"  collapsed, beta 2: spread {spread(samples):.1f} "
      f"(data {spread(x):.3f}), near the data {near} 5%")

print("interpolation (33 points between the clusters' mean codes)")
for name, (x, model, _) in (("healthy, VAE", healthy),
                            ("warning, autoencoder", autoencoder)):
    print(f"  {name}: near the data {between_clusters(model, x):.1%}")
x, model, _ = autoencoder
_, line = decode_line(model, [-2.0, 0.0], [2.0, 0.0], 33)
near = share_near_data(line, x)
print(f"  autoencoder, line (-2, 0) -> (2, 0): near the data {near:.1%}")
