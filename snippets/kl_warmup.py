"""KL warm-up: the KL weight ramps from 0 to 0.05 over 50 epochs, against
a constant 0.05."""

from vae_experiments import prior_samples, run, run_warmup, share_near_data

CHECKPOINTS = (1, 10, 25, 50, 100, 200)

runs = {
    "constant 0.05": run(beta=0.05),
    "warm-up 0->0.05": run_warmup(0.05, warmup_epochs=50),
}
for name, (x, model, history) in runs.items():
    print(name)
    for epoch in CHECKPOINTS:
        recon, kl, _ = history[epoch - 1]
        print(f"  epoch={epoch:03d} recon={recon:.4f} kl={kl:.4f}")
    near = share_near_data(prior_samples(model), x)
    print(f"  prior samples near the data: {near:.1%}")

# Warm-up cannot save a KL weight past the threshold: ramp up to 4 and
# compare with a constant 4.
runs = (("warm-up 0->4", run_warmup(4.0, warmup_epochs=50)),
        ("constant 4", run(beta=4.0)))
for name, (_, _, history) in runs:
    print(f"{name}: kl={history[-1][1]:.4f} recon={history[-1][0]:.4f}")
