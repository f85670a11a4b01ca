"""Synthetic populations and request batches with ground truth, deterministic by seed."""
