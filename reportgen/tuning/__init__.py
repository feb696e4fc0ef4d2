"""Hyperparameter tuning with Optuna (`[studies.search]`).

- `space`      what a trial samples and which config values it sets (no Optuna import)
- `hyperband`  the bracket plan of Li et al. as Optuna's HyperbandPruner runs it (pure)
- `records`    the on-disk tuning record the report reads (pure JSON, no Optuna or torch)
- `runner`     one search: open its study, run its trials, export its record, retrain the best
- `storage`    Optuna storage and study identity, placeholder trials, claiming, retries, heartbeats
- `samplers`   samplers re-seeded per trial, and pruners
- `objective`  one trial: its config, its training, the objective reported each epoch
- `export`     a study as its tuning record, with fANOVA importance (`importance`)

Only `runner` and the modules it uses import Optuna and the engines; import it where trials
are run. The store writes and reads the records (`Store.save_tuning_record`, `tuning_records`).
"""
