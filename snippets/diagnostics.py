"""The practical diagnostics, each on a healthy run and on a run with the
warning sign.

Healthy: the lab (KL weight 0.05). Warnings: KL weight 1 (a pull so strong
that reconstruction stays poor), KL weight 4 (past the threshold at which
the code switches off), and the lab's networks trained as a plain
autoencoder (interpolation).
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


def kl_share(history, beta):
    """The share of the last epoch's loss that is beta * KL."""
    _, kl, loss = history[-1]
    return beta * kl / loss


healthy = run(beta=0.05)
too_strong, switched_off = run(beta=1.0), run(beta=4.0)
autoencoder = run_autoencoder()

print("reconstruction loss (first -> last epoch)")
for name, (_, _, history) in (("healthy, beta 0.05", healthy),
                              ("warning, beta 4", switched_off)):
    print(f"  {name}: {history[0][0]:.4f} -> {history[-1][0]:.4f}")

print("KL term (last epoch; per latent dimension; its share of the loss)")
for name, beta, (x, model, history) in (
        ("healthy, beta 0.05", 0.05, healthy),
        ("too strong, beta 1", 1.0, too_strong),
        ("switched off, beta 4", 4.0, switched_off)):
    per_dimension = rounded(kl_per_dimension(model, x))
    print(f"  {name}: kl={history[-1][1]:.4f} per dimension {per_dimension}"
          f" share {kl_share(history, beta):.0%} recon={history[-1][0]:.4f}")

# Burda et al. (2016): a latent dimension is active when its mean code
# varies with the input, by a variance above 0.01.
x, model, _ = healthy
activity = latent_means(model, x).var(dim=0, correction=0).tolist()
inactive = [n + 1 for n, a in enumerate(activity) if a <= 0.01]
print(f"  healthy, beta 0.05: activity {rounded(activity)}, "
      f"inactive dimensions {inactive}")

print("generated samples (500 from N(0, I))")
x, model, _ = healthy
samples = prior_samples(model)
near = share_near_data(samples, x)
print(f"  healthy, beta 0.05: spread {spread(samples):.3f} "
      f"(data {spread(x):.3f}), near the data {near:.1%}")
x, model, _ = switched_off
samples = prior_samples(model)
near = share_near_data(samples, x)
print(f"  switched off, beta 4: spread {spread(samples):.3f} "
      f"(data {spread(x):.3f}), near the data {near:.1%}")

print("interpolation (33 points between the clusters' mean codes)")
for name, (x, model, _) in (("healthy, VAE", healthy),
                            ("warning, autoencoder", autoencoder)):
    print(f"  {name}: near the data {between_clusters(model, x):.1%}")
print("a line through the prior, (-2, 0) -> (2, 0), 33 points")
for name, (x, model, _) in (("VAE", healthy), ("autoencoder", autoencoder)):
    _, line = decode_line(model, [-2.0, 0.0], [2.0, 0.0], 33)
    print(f"  {name}: near the data {share_near_data(line, x):.1%}")
