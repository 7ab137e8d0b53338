"""The lab's run with its evidence record: each item measured, with a verdict.

`python evidence.py [--beta B] [--epochs N]` trains exactly as
`python tiny_vae_2d.py` does (same arguments, same epochs printed), prints
the same points with every third decimal shown (0.740), then the record.
Save it next to tiny_vae_2d.py, which it imports.
"""

import torch

import tiny_vae_2d as lab

KL_UNCHECKED = 2.0  # nats per dimension: codes far outside the prior
NEAR = 0.25  # a sample is data-like if a training point lies this close


def evidence(history, points, data, beta):
    """Print each item's numbers and the diagnostics table's verdict."""
    (recon_first, kl_first, _) = history[0]
    (recon_last, kl_last, _) = history[-1]
    last_recons = [recon for recon, _, _ in history[-20:]]
    wobble = max(last_recons) - min(last_recons)
    if recon_last >= 0.5 * recon_first:
        recon_verdict = "warning: barely fell"
    elif wobble > 0.5 * recon_last:
        recon_verdict = "warning: not settled yet"
    else:
        recon_verdict = "healthy: fell, then settled"
    if kl_last < 0.01:
        kl_verdict = "warning: near zero, the code is unused"
    elif kl_last > KL_UNCHECKED:
        kl_verdict = "warning: large, codes far outside the prior"
    elif recon_last >= 0.5 * recon_first:
        kl_verdict = "warning: code in use, but recon barely fell"
    else:
        kl_verdict = "healthy: in use and bounded"
    spread = points.std(dim=0).norm().item()
    data_spread = data.std(dim=0).norm().item()
    distances = torch.cdist(points, data).min(dim=1).values
    near = (distances <= NEAR).sum().item()
    if spread < 0.25 * data_spread:
        sample_verdict = "warning: bunched in one spot"
    elif near < len(points) / 2:
        sample_verdict = "warning: mostly off the data"
    else:
        sample_verdict = "healthy: on the data, spread out"
    if "unused" in kl_verdict or "barely" in kl_verdict:
        probe = "lower --beta"
    elif "outside" in kl_verdict:
        probe = "raise --beta"
    else:
        probe = "rerun with --beta 0 and --beta 0.5 and compare the samples"
    print("evidence record")
    print(f"  recon trend: {recon_first:.4f} -> {recon_last:.4f}, "
          f"last 20 epochs within {wobble:.4f}: {recon_verdict}")
    print(f"  kl trend: {kl_first:.4f} -> {kl_last:.4f}: {kl_verdict}")
    print(f"  sample check: {len(points)} points from random z, "
          f"spread {spread:.3f} (data {data_spread:.3f}), "
          f"{near} within {NEAR} of the data: {sample_verdict}")
    print(f"  trade-off: beta={beta:g} gives recon={recon_last:.4f} "
          f"and kl={kl_last:.4f}")
    print(f"  next probe: {probe}")


if __name__ == "__main__":
    args, x, history, points = lab.main()
    print("generated_points")  # 3 decimals, zeros kept: the record uses them
    # round first, then + 0.0: a tiny negative prints 0.000, not -0.000
    pairs = (f"[{round(a, 3) + 0.0:.3f}, {round(b, 3) + 0.0:.3f}]"
             for a, b in points.tolist())
    print("[" + ", ".join(pairs) + "]")
    evidence(history, points, x, args.beta)
