"""Exit statuses of ``sunsink`` (one place: the CLI, the verbs and the README's Reliability section)."""

EXIT_OK = 0
EXIT_FAILED = 1
"""A computation failed (e.g. non-convergence); ``check``: a gradient error above the tolerance."""
EXIT_BAD_INPUT = 2
"""Bad input: config, paths, archives, flags."""
EXIT_INFEASIBLE = 3
"""``sunsink evaluate``: the design does not close (0: closes; 1: a solve did not converge)."""
EXIT_SIGINT = 130
EXIT_SIGTERM = 143
"""Interrupted by SIGINT / SIGTERM (128 + the signal number)."""
