"""Training, evaluation, checkpoints and export: one generic engine for every method."""
