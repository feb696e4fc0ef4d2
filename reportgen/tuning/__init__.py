"""Hyperparameter tuning with Optuna (`[studies.search]`).

- `space`      what a trial samples and which config values it sets (no Optuna import)
- `hyperband`  the bracket plan of Li et al. as Optuna's HyperbandPruner runs it (pure)
- `records`    the on-disk tuning record the report reads (pure JSON, no Optuna or torch)
- `runner`     Optuna studies: storage, samplers, the trial loop, resume, workers, export

Only `runner` imports Optuna and the engines; import it where trials are run.
"""
