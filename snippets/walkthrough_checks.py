"""Measure what the exercise walkthroughs claim; say whether each holds."""

from vae_experiments import (
    NEAR,
    decode_line,
    largest_step,
    prior_samples,
    run,
    share_near_data,
)

STEP_BOUND = 0.05  # exercise 3: largest step between neighbouring outputs
TANH_RECON_BOUND = 0.03  # exercise 4: the Tanh decoder's final recon


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
    return [
        (f"1: final KL at beta 0 is {kl_free:.4f}, "
         f"above {kl_lab:.4f} at 0.05", kl_free > kl_lab),
        (f"1: prior samples within {NEAR} of the data: "
         f"{near_free:.1%} at beta 0, fewer than {near_lab:.1%} at 0.05",
         near_free < near_lab),
        (f"2: final recon at beta 0.5 is {recon_strict:.4f}, "
         f"worse than {recon_lab:.4f} at 0.05", recon_strict > recon_lab),
        (f"3: largest step along (-2, 0) -> (2, 0) is {step:.3f}, "
         f"at most {STEP_BOUND}", step <= STEP_BOUND),
        (f"4: Tanh decoder recon falls from {tanh_first:.4f} "
         f"to {tanh_last:.4f}, below {TANH_RECON_BOUND}",
         tanh_last < TANH_RECON_BOUND),
    ]


if __name__ == "__main__":
    for claim, holds in claims():
        print(f"exercise {claim}: {'holds' if holds else 'DOES NOT HOLD'}")
