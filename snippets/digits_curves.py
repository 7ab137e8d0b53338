"""Training and held-out ELBO after every epoch of the digits lab.

`python digits_curves.py [--latent D] [--epochs N]` trains as `digits_vae.py`
does (the same seed, batches and codes: its first 100 epochs are the lab's
run) and, after each epoch, scores the training and the held-out images with
the same estimator. Needs digits_vae.py beside it.
"""

import torch

from digits_vae import (
    SEED,
    DigitsVAE,
    Parser,
    between,
    load_split,
    log_weights,
    vae_loss,
)

CODES = 10  # codes per image for each epoch's negative ELBO
REPORT_EPOCHS = (1, 10, 50, 100, 200, 300)


def neg_elbo(model, x, seed):
    """Mean negative ELBO, nats per image, from CODES codes per image."""
    with torch.random.fork_rng():  # training's own draws stay as they were
        torch.manual_seed(seed)
        return -log_weights(model, x, CODES).mean().item()


def curves(latent=2, epochs=300, report=True):
    """[(training -ELBO, held-out -ELBO)] after each epoch."""
    torch.manual_seed(SEED)
    x_train, _, x_test, _ = load_split()
    model = DigitsVAE(latent=latent)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    history = []
    for epoch in range(1, epochs + 1):
        for index in torch.randperm(len(x_train)).split(100):  # as train()
            logits, mu, logvar = model(x_train[index])
            loss = vae_loss(logits, x_train[index], mu, logvar, 1.0)[2]
            opt.zero_grad()
            loss.backward()
            opt.step()
        scores = neg_elbo(model, x_train, epoch), neg_elbo(model, x_test, epoch)
        history.append(scores)
        if report and (epoch in REPORT_EPOCHS or epoch == epochs):
            # + 0.0 turns a difference that rounds to -0.0 into 0.0
            difference = round(scores[1] - scores[0], 2) + 0.0
            print(f"epoch={epoch:03d} training={scores[0]:.2f} "
                  f"held-out={scores[1]:.2f} difference={difference:.2f}")
    return history


def main(argv=None):
    parser = Parser(description="Training and held-out ELBO per epoch.")
    parser.add_argument("--latent", default=2,
                        type=between(1, 64, int, "a whole number"),
                        help="latent dimensions, 1 to 64 (default 2)")
    parser.add_argument("--epochs", default=300,
                        type=between(1, 10_000, int, "a whole number"),
                        help="epochs, 1 to 10000 (default 300)")
    args = parser.parse_args(argv)
    print(f"negative ELBO, nats per image ({CODES} codes each)")
    curves(args.latent, args.epochs)


if __name__ == "__main__":
    main()
