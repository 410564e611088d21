"""Benchmarks of the companion and the extension's matcher: ``python -m benchmarks [GROUP ...]``.

Each group prints one table whose ratios compare figures measured in the same run, on the same
machine, so a slower or faster machine moves both sides together. ``docs/reliability.md`` keeps
one run's figures with the command that reproduces them.
"""
