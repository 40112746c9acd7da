"""Pieces of the comparison benchmark run by ``bench/compare.py``."""
