"""sunsink radiation package: trapped/solar environment, SHIELDOSE-2 dose behind aluminium,
mission TID, proton single-event rates and GaAs displacement damage.

Runtime code needs only the generated tables in ``data/`` (see data/README.md); the
generation scripts in ``data/scripts/`` need aep8 and spacepy.
"""
from .displacement import (
    CellFluence,
    cell_fluence_from_spectra,
    electron_niel_mev_cm2_g,
    one_mev_equivalent_fluence_cm2,
    proton_coulomb_niel_mev_cm2_g,
)
from .environment import trapped_differential_flux, trapped_integral_flux_cm2_s, trapped_table_ranges
from .mission import (
    HBM_ANOMALY_ONSET_SI_GY,
    TPU_NO_HARD_FAIL_SI_GY,
    MissionDose,
    dose_depth_curves_si_gy,
    mission_tid_si_gy,
    solar_proton_dose_si_gy,
    tid_margin,
    trapped_dose_rate_si_gy_s,
)
from .see import (
    SEESummary,
    bendel1_cross_section_cm2,
    events_per_gy_from_beam_cross_section,
    orbit_proton_see_rate_per_s,
    per_dose_event_rate_per_s,
    proton_see_rate_per_s,
    see_summary,
    shielded_proton_spectrum,
    weibull_cross_section_cm2,
)
from .shielding import (
    GEOMETRIES,
    al_areal_density_g_cm2_to_m,
    al_thickness_m_to_g_cm2,
    csda_range_al_g_cm2,
    dose_from_spectrum_gy,
    kernel_gy_cm2,
)
from .solar import geomagnetic_transmission, solar_proton_differential_fluence, solar_proton_integral_fluence_cm2
from .stopping import electron_total_stopping_power_mev_cm2_g, proton_stopping_power_mev_cm2_g

__all__ = [
    "GEOMETRIES",
    "HBM_ANOMALY_ONSET_SI_GY",
    "TPU_NO_HARD_FAIL_SI_GY",
    "CellFluence",
    "MissionDose",
    "SEESummary",
    "al_areal_density_g_cm2_to_m",
    "al_thickness_m_to_g_cm2",
    "bendel1_cross_section_cm2",
    "cell_fluence_from_spectra",
    "csda_range_al_g_cm2",
    "dose_depth_curves_si_gy",
    "dose_from_spectrum_gy",
    "electron_niel_mev_cm2_g",
    "electron_total_stopping_power_mev_cm2_g",
    "events_per_gy_from_beam_cross_section",
    "geomagnetic_transmission",
    "kernel_gy_cm2",
    "mission_tid_si_gy",
    "one_mev_equivalent_fluence_cm2",
    "orbit_proton_see_rate_per_s",
    "per_dose_event_rate_per_s",
    "proton_coulomb_niel_mev_cm2_g",
    "proton_see_rate_per_s",
    "proton_stopping_power_mev_cm2_g",
    "see_summary",
    "shielded_proton_spectrum",
    "solar_proton_differential_fluence",
    "solar_proton_dose_si_gy",
    "solar_proton_integral_fluence_cm2",
    "tid_margin",
    "trapped_differential_flux",
    "trapped_dose_rate_si_gy_s",
    "trapped_integral_flux_cm2_s",
    "trapped_table_ranges",
    "weibull_cross_section_cm2",
]
