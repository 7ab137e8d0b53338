"""Measure what the exercise walkthroughs claim; say whether each holds."""

import torch

from vae_experiments import (
    NEAR,
    decode_line,
    largest_step,
    prior_samples,
    run,
    share_near_data,
)
from what_beta_means import recon_bounds

STEP_BOUND = 0.05  # exercise 3: largest step between neighbouring outputs
TANH_RECON_BOUND = 0.03  # exercise 4: the Tanh decoder's final recon


def code_noise(model, x, draws=50):
    """(recon decoded from the mean codes alone, recon decoded from sampled
    codes, the share of sampled codes decoded more than 0.5 from their own
    cluster's centre), with the codes' noise drawn by its own generator."""
    centres = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    centres = centres.repeat_interleave(128, 0)
    with torch.no_grad():
        h = model.encoder(x)
        mu, std = model.mu(h), torch.exp(0.5 * model.logvar(h))
        eps = torch.randn(draws, *mu.shape,
                          generator=torch.Generator().manual_seed(0))
        sampled = model.decoder(mu + eps * std)
        from_mu = (model.decoder(mu) - x).pow(2).mean().item()
    away = ((sampled - centres).norm(dim=-1) > 0.5).float().mean().item()
    return from_mu, (sampled - x).pow(2).mean().item(), away


def claims():
    """(claim, holds) pairs, with the measured numbers in the claim."""
    x, lab, lab_history = run(beta=0.05)
    _, free, free_history = run(beta=0.0)
    _, strict, strict_history = run(beta=0.5)
    _, _, tanh_history = run(activation="tanh")
    near_lab = share_near_data(prior_samples(lab), x)
    near_free = share_near_data(prior_samples(free), x)
    kl_lab, kl_free = lab_history[-1][1], free_history[-1][1]
    recon_lab, recon_strict = lab_history[-1][0], strict_history[-1][0]
    step = largest_step(decode_line(lab, [-2.0, 0.0], [2.0, 0.0])[1])
    tanh_first, tanh_last = tanh_history[0][0], tanh_history[-1][0]
    floor = recon_bounds(x)[0] - recon_bounds(x)[1]  # each cluster's centre
    lab_mu, lab_sampled, lab_away = code_noise(lab, x)
    strict_mu, strict_sampled, strict_away = code_noise(strict, x)
    return [
        (f"1: final KL at beta 0 is {kl_free:.4f}, "
         f"above {kl_lab:.4f} at 0.05", kl_free > kl_lab),
        (f"1: prior samples within {NEAR} of the data: "
         f"{near_free:.1%} at beta 0, fewer than {near_lab:.1%} at 0.05",
         near_free < near_lab),
        (f"2: final recon at beta 0.5 is {recon_strict:.4f}, "
         f"worse than {recon_lab:.4f} at 0.05", recon_strict > recon_lab),
        (f"2: decoded from sampled codes the lab's recon is "
         f"{lab_sampled:.4f}, "
         f"within 0.005 of {floor:.4f}, the error of each cluster's centre",
         abs(lab_sampled - floor) < 0.005),
        (f"2: decoded from its mean codes the beta 0.5 model's recon is "
         f"{strict_mu:.4f}, below the lab's {recon_lab:.4f}",
         strict_mu < recon_lab),
        (f"2: sampled codes decoded over 0.5 from their cluster: "
         f"{strict_away:.1%} at beta 0.5, more than {lab_away:.1%} at 0.05",
         strict_away > lab_away),
        (f"3: largest step along (-2, 0) -> (2, 0) is {step:.3f}, "
         f"at most {STEP_BOUND}", step <= STEP_BOUND),
        (f"4: Tanh decoder recon falls from {tanh_first:.4f} "
         f"to {tanh_last:.4f}, below {TANH_RECON_BOUND}",
         tanh_last < TANH_RECON_BOUND),
    ]


if __name__ == "__main__":
    for claim, holds in claims():
        print(f"exercise {claim}: {'holds' if holds else 'DOES NOT HOLD'}")
