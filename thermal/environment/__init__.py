"""thermal.environment: what a radiator sees in orbit.

- orbital heat loads (:mod:`thermal.environment.heat_loads`): Earth view factor, albedo cap,
  incident solar/albedo/Earth-IR fluxes on a plate along an orbit, absorbed flux, sink temperature
- rectangle view factors (:mod:`thermal.environment.view_factors`): catalogue closed forms, general
  face pairs, a Monte Carlo check
- satellite layout and the radiator's infrared exchange with the arrays
  (:mod:`thermal.environment.satellite_geometry`); its figure
  (:mod:`thermal.environment.geometry_figures`, matplotlib imported on use)
- radiator coating classes and their LEO degradation (:mod:`thermal.environment.coatings`)
"""
from .heat_loads import (ATTITUDES, CAP_AZIMUTH_POINTS, CAP_POLAR_POINTS, DEFAULT_ALBEDO, DEFAULT_OLR_W_M2, FaceFlux,
                         PlateEnvironment, absorbed_flux_w_m2, albedo_cap_factor, earth_view_factor,
                         earth_view_factor_cos, face_normals, plate_environment, sink_temperature_k)
from .view_factors import (Face, MonteCarloResult, configuration, face_area_view_factor_m2, face_view_factor, make_face,
                           monte_carlo_view_factor, pair_area_view_factors_m2, parallel_equal_rectangles,
                           parallel_rectangles, perpendicular_rectangles, perpendicular_shared_edge)
from .satellite_geometry import (KINDS, NADIR_UNIT, ORBIT_NORMAL_UNIT, SIDES, SUN_UNIT, Layout, Panel, RadiatorExchange,
                                 ViewFactorMatrix, default_layout, make_panel, radiator_exchange, view_factor_matrix)
from .coatings import (COATING_NAMES, MAX_YEARS_IN_ORBIT, Coating, CoatingProperties, LifeCases, bol_eol_properties,
                       coating, coating_properties)
from .geometry_figures import plot_layout

__all__ = [
    # heat loads
    "ATTITUDES", "CAP_AZIMUTH_POINTS", "CAP_POLAR_POINTS", "DEFAULT_ALBEDO", "DEFAULT_OLR_W_M2", "FaceFlux",
    "PlateEnvironment", "absorbed_flux_w_m2", "albedo_cap_factor", "earth_view_factor", "earth_view_factor_cos",
    "face_normals", "plate_environment", "sink_temperature_k",
    # view factors
    "Face", "MonteCarloResult", "configuration", "face_area_view_factor_m2", "face_view_factor", "make_face",
    "monte_carlo_view_factor", "pair_area_view_factors_m2", "parallel_equal_rectangles", "parallel_rectangles",
    "perpendicular_rectangles", "perpendicular_shared_edge",
    # satellite layout
    "KINDS", "NADIR_UNIT", "ORBIT_NORMAL_UNIT", "SIDES", "SUN_UNIT", "Layout", "Panel", "RadiatorExchange",
    "ViewFactorMatrix", "default_layout", "make_panel", "radiator_exchange", "view_factor_matrix", "plot_layout",
    # coatings
    "COATING_NAMES", "MAX_YEARS_IN_ORBIT", "Coating", "CoatingProperties", "LifeCases", "bol_eol_properties",
    "coating", "coating_properties",
]
