"""studies.analysis: what a study does with the coupled model.

- :mod:`~studies.analysis.build` -- a validated config to the model's inputs (mission, numerics, variables)
- :mod:`~studies.analysis.kernels` -- the compiled value and derivative programs (:class:`Kernels`)
- :mod:`~studies.analysis.optimize` -- SLSQP / trust-constr on the scaled problem, the KKT post-check
- :mod:`~studies.analysis.sensitivity`, :mod:`~studies.analysis.life` -- labelled sensitivities, the
  gradient check, mission life per subsystem
- :mod:`~studies.analysis.study` -- one orbit's whole study and the Pareto fronts
- :mod:`~studies.analysis.orbit_histories` -- periodic hot and cold cases after the study
- :mod:`~studies.analysis.sweep`, :mod:`~studies.analysis.uncertainty` (with
  :mod:`~studies.analysis.uncertain_inputs`) -- sweeps and uncertainty propagation
- :mod:`~studies.analysis.service`, :mod:`~studies.analysis.constellation` -- compute in service, constellation
  economics
- :mod:`~studies.analysis.radiator_study` (level 0), :mod:`~studies.analysis.thickness_study` (adjoint
  thickness map of one panel)
"""
from .kernels import Kernels
from .study import kernels_for, pareto_fronts, run_orbit
from .sweep import full_grid, latin_hypercube, run_sweep

__all__ = ["Kernels", "full_grid", "kernels_for", "latin_hypercube", "pareto_fronts", "run_orbit", "run_sweep"]
