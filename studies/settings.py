"""Declarations of a study's own settings: the tables of a study config that configure what the study
does rather than the satellite (``[study]``, ``[[orbits]]``, level-0 radiator keys, sample counts,
``[optimize]``, ``[sweep]``, ``[pareto]``, ``[uncertainty]``, ``[thickness_design]``, ``[satellite]``).

The satellite's own inputs are declared on the model's classes (:class:`studies.model.Mission`,
:class:`studies.model.MassParameters`, :class:`studies.model.Numerics`,
:class:`studies.model.SatelliteDesign`) and the post-study models' on theirs
(:class:`studies.analysis.service.ServiceParameters`,
:class:`studies.analysis.constellation.ConstellationParameters`).  :mod:`studies.config` builds the
TOML schema from all of them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .declare import quantity
from .analysis.optimize import METHODS

__all__ = ["StudySettings", "OrbitSettings", "Level0Settings", "SamplingSettings", "OptimizeSettings",
           "SweepSettings", "ParetoSettings", "UncertaintySettings", "UncertaintyInputRow", "ThicknessDesignSettings",
           "SatelliteSettings", "PublishedSettings", "SETTINGS"]

REQUIRED = dataclasses.MISSING


def _key(section, default, units, long_name, **spec):
    return quantity(default, units, long_name, section=section, **spec)


@dataclass(frozen=True, kw_only=True)
class StudySettings:
    """``[study]``: what the study is called."""

    name: str = _key("study", REQUIRED, "1", "study name (archive file name)", kind="str")
    description: str = _key("study", "", "1", "one-line description (archive title)", kind="str")


@dataclass(frozen=True, kw_only=True)
class OrbitSettings:
    """One ``[[orbits]]`` entry: an orbit the study sizes the satellite for, on its own."""

    name: str = _key("orbits", REQUIRED, "1", "orbit name (unique after slugging)", kind="str")
    altitude_m: float = _key("orbits", REQUIRED, "m", "circular-orbit altitude", lo=150e3, hi=40000e3)
    free_altitude: bool = _key("orbits", False, "1", "optimise the altitude (default: held at altitude_m)",
                               kind="bool")
    altitude_bounds_m: tuple | None = _key("orbits", None, "m", "optimiser bounds [lo, hi] of a free altitude "
                                           "(default: the altitude_m variable's bounds)", kind="float_list",
                                           lo=150e3, hi=40000e3, length=2, optional=True)
    family: str = _key("orbits", REQUIRED, "1", "sun-synchronous (inclination from J2) or inclined", kind="str",
                       choices=("sso", "inclined"))
    ltan_hours: float = _key("orbits", 6.0, "h", "local time of the ascending node (SSO)", lo=0.0, hi=24.0)
    inclination_deg: float = _key("orbits", 53.0, "degree", "inclination (inclined)", lo=0.0, hi=180.0)
    beta_deg: float | None = _key("orbits", None, "degree", "fixed design beta; default: hottest over the year",
                                  lo=-90.0, hi=90.0, optional=True)
    year: int = _key("orbits", 2027, "1", "year of the beta-angle scan", kind="int", lo=1950, hi=2100)


@dataclass(frozen=True, kw_only=True)
class Level0Settings:
    """``[radiator]`` keys of the level-0 isothermal sizing."""

    temperature_k: float = _key("radiator", 330.0, "K", "level-0 isothermal sizing temperature", lo=0.0, hi=1000.0,
                                lo_inclusive=False)
    temperature_range_k: tuple = _key("radiator", (280.0, 380.0), "K", "level-0 area-vs-temperature curve range",
                                      kind="float_list", lo=0.0, hi=1000.0, lo_inclusive=False, length=2)


@dataclass(frozen=True, kw_only=True)
class SamplingSettings:
    """``[numerics]`` keys of the level-0 environment scan and of the discretisation check (the model's own are
    :class:`studies.model.Numerics`)."""

    n_orbit_samples: int = _key("numerics", 180, "1", "orbit samples of the level-0 environment", kind="int", lo=16,
                                hi=4096)
    n_beta_cases: int = _key("numerics", 13, "1", "beta angles scanned for the hot case", kind="int", lo=3, hi=181)
    discretisation_check: bool = _key("numerics", True, "1", "re-evaluate each orbit's optimum on refined radiator "
                                      "and chip grids (2x, 4x; radiator 3x, 9x for an odd count across a pitch): "
                                      "Richardson error of the headline numbers (studies.analysis.discretisation)",
                                      kind="bool")


@dataclass(frozen=True, kw_only=True)
class OptimizeSettings:
    """``[optimize]``: the gradient-based optimiser."""

    enabled: bool = _key("optimize", False, "1", "optimise the free design variables", kind="bool")
    method: str = _key("optimize", "trust-constr", "1", "optimiser (scipy)", kind="str", choices=METHODS)
    maxiter: int = _key("optimize", 60, "1", "optimiser iterations", kind="int", lo=1, hi=10000)
    ftol: float = _key("optimize", 1e-7, "1", "SLSQP objective tolerance", lo=0.0, hi=1.0, lo_inclusive=False)


@dataclass(frozen=True, kw_only=True)
class SweepSettings:
    """``[sweep]``: designs evaluated over the variables' bounds (``sunsink sweep``)."""

    method: str = _key("sweep", "lhs", "1", "Latin hypercube or full grid", kind="str", choices=("lhs", "grid"))
    n_points: int = _key("sweep", 64, "1", "points of a Latin-hypercube sweep", kind="int", lo=1, hi=10_000_000)
    variables: tuple = _key("sweep", ("radiator_area_m2", "shield_thickness_m"), "1",
                            "design variables swept over their bounds", kind="str_list")
    grid_points_per_axis: int = _key("sweep", 4, "1", "points per variable of a grid sweep", kind="int", lo=2,
                                     hi=1000)
    chunk_size: int = _key("sweep", 32, "1", "points evaluated per batch", kind="int", lo=1, hi=1_000_000)
    seed: int = _key("sweep", 0, "1", "Latin-hypercube seed", kind="int", lo=0, hi=2**31 - 1)


@dataclass(frozen=True, kw_only=True)
class ParetoSettings:
    """``[pareto]``: epsilon-constraint fronts after the optimisation."""

    enabled: bool = _key("pareto", False, "1", "epsilon-constraint fronts after the optimisation", kind="bool")
    n_points: int = _key("pareto", 4, "1", "points per front", kind="int", lo=2, hi=50)


@dataclass(frozen=True, kw_only=True)
class UncertaintySettings:
    """``[uncertainty]``: propagation of the declared uncertain inputs at a fixed design."""

    enabled: bool = _key("uncertainty", False, "1", "propagate the declared uncertain inputs "
                         "(studies.analysis.uncertainty)", kind="bool")
    n_samples: int = _key("uncertainty", 64, "1", "Latin-hypercube or Monte Carlo samples", kind="int", lo=1,
                          hi=10_000_000)
    seed: int = _key("uncertainty", 0, "1", "sampler seed", kind="int", lo=0, hi=2**31 - 1)
    method: str = _key("uncertainty", "lhs", "1", "Latin hypercube or plain Monte Carlo", kind="str",
                       choices=("lhs", "mc"))
    sobol_base_samples: int = _key("uncertainty", 0, "1", "SALib Saltelli base samples N (0: off; costs N (D + 2) "
                                   "runs)", kind="int", lo=0, hi=1_000_000)
    tornado: bool = _key("uncertainty", True, "1", "one-at-a-time P5/P95 tornado", kind="bool")
    tornado_metric: str = _key("uncertainty", "total_mass_kg", "1", "metric of the tornado chart", kind="str")
    chunk_size: int = _key("uncertainty", 64, "1", "samples evaluated per batch", kind="int", lo=1, hi=1_000_000)
    replace_defaults: bool = _key("uncertainty", False, "1", "use only the [[uncertainty.inputs]] rows (default: "
                                  "they replace or add to the declared table, studies.analysis.uncertain_inputs)",
                                  kind="bool")


@dataclass(frozen=True, kw_only=True)
class UncertaintyInputRow:
    """One ``[[uncertainty.inputs]]`` row: an uncertain input replacing the declared row of its key, or added."""

    key: str = _key("uncertainty.inputs", REQUIRED, "1", "config key of the input (sunsink config --list), or "
                    "service.failure_rate_per_chip_year", kind="str")
    dist: str = _key("uncertainty.inputs", REQUIRED, "1", "uniform (lo, hi), normal (mean, sd), lognormal (median, "
                     "sigma of ln), triangular (lo, mode, hi)", kind="str",
                     choices=("uniform", "normal", "lognormal", "triangular"))
    params: tuple = _key("uncertainty.inputs", REQUIRED, "1", "the distribution's parameters", kind="float_list")
    relative: bool = _key("uncertainty.inputs", True, "1", "params are factors on the configured value", kind="bool")
    source: str = _key("uncertainty.inputs", "config", "1", "citation of the spread", kind="str")
    also: tuple = _key("uncertainty.inputs", (), "1", "further keys set from the same variate", kind="str_list")


@dataclass(frozen=True, kw_only=True)
class ThicknessDesignSettings:
    """``[thickness_design]``: the adjoint thickness map of one radiator panel at each orbit's design."""

    enabled: bool = _key("thickness_design", False, "1", "minimum-mass sheet thickness map of one radiator panel at "
                         "each orbit's design (studies.analysis.thickness_study)", kind="bool")
    zones_along_tubes: int = _key("thickness_design", 8, "1", "thickness zones along the tubes", kind="int", lo=1,
                                  hi=512)
    zones_per_tube_pitch: int = _key("thickness_design", 8, "1", "thickness zones across one tube pitch (resolves "
                                     "the fin taper; zones across = this x tubes per panel)", kind="int", lo=1, hi=64)
    cells_per_zone: int = _key("thickness_design", 2, "1", "finite-difference cells per zone and direction",
                               kind="int", lo=1, hi=16)
    maxiter: int = _key("thickness_design", 200, "1", "SLSQP iteration cap", kind="int", lo=1, hi=100_000)
    max_temperature_k: float | None = _key("thickness_design", None, "K", "limit on the KS maximum sheet temperature "
                                           "(default: the radiator inlet + 10 K)", lo=3.0, hi=2000.0,
                                           lo_inclusive=False, hi_inclusive=False, optional=True)


@dataclass(frozen=True, kw_only=True)
class PublishedSettings:
    """``[published]``: what a publication states about a design (``sunsink audit`` holds these and sizes
    the rest)."""

    stated: tuple = _key("published", (), "1", "config keys the publication states, input by input: design "
                       "variables as design.<name>, the altitude as orbits.altitude_m, inputs as section.key "
                       "(sunsink config --list)", kind="str_list")


@dataclass(frozen=True, kw_only=True)
class SatelliteSettings:
    """``[satellite]``: run the coupled whole-satellite model."""

    enabled: bool = _key("satellite", False, "1", "run the coupled whole-satellite model", kind="bool")


SETTINGS = (StudySettings, OrbitSettings, Level0Settings, SamplingSettings, OptimizeSettings, SweepSettings,
            ParetoSettings, UncertaintySettings, UncertaintyInputRow, ThicknessDesignSettings, SatelliteSettings,
            PublishedSettings)
"""Every study-settings declaration class."""
