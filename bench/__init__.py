"""Borderwatch benchmark suite: ``python -m bench`` (or ``make bench``).

Every figure is either a ratio against a floor measured in the same run, or a median of several runs with
min and max: the benchmark machine is small and shared. See ``bench/README.md``.
"""
