"""Tessera training: the built-in demo model and the few-step distillation pipeline (see README.md)."""
