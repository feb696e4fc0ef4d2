"""Training: the epoch loop, one run, models, initialisers, metrics, baselines and the engines."""
