"""Evaluation of policy-qa on the hand-written gold set (see eval/GOLD.md)."""
