"""Relative damage coefficients (RDC) against the JPL GaAs Solar Cell Radiation Handbook, with
the reference values typed into this file, so that the check runs in CI.

tests/radiation/test_damage_equivalence.py makes the same comparisons against the handbook's
full tables, but it skips unless the digitisation is on disk (/work/shared/reference/
jpl_gaas_handbook/, not shipped).  This file repeats them on a small set of values typed in
here, using the same comparison and the same tolerances.

Source of every number below: Anspaugh, B. E., "GaAs Solar Cell Radiation Handbook", JPL
Publication 96-9 (1996), the relative damage coefficients for GaAs/Ge cells (Pmax; for
protons the shared Pmax/Voc table), normalised to 1 MeV electrons or 10 MeV protons at normal
incidence.  The values were copied from the-aerospace-corporation/solarpy, a third-party
digitisation of those tables: workbook ``solarpy/data/GaAs Damage Coefficiencts (JPL GaAs
Radiation Handbook).xlsx``, sheets "Electron Damage Coeffecients" and "Proton Pmax and Voc
Damage Coef".  Column "0 Normal Incidence" holds the normal-incidence RDC.  Columns
0/1/3/6/12/20/30/60 hold the omnidirectional RDC behind that many mils of coverglass.  The
copy was checked digit by digit against both the workbook cells and the CSV copy in the
shared folder.  The handbook table numbers are NOT cited: the digitisation names the sheets
but not the tables, and the handbook itself was not read for this work.

Comparison and tolerances, copied unchanged from test_damage_equivalence.py:

* Coverglass transport.  ``relative_damage_coefficient`` is given the handbook's OWN
  normal-incidence column as ``normal_rdc``.  The glass is fused silica at 2.20 g/cm^3, with
  1 mil = 25.4 um.  The result is compared with the handbook's shielded omnidirectional RDC.
  Only penetrating particles count: CSDA range in SiO2 greater than 3x the glass.  Electrons
  must be >= 1 MeV, and the 2.5 MeV electron row is left out.
  Electrons: median |error| < 1 %, max < 4.5 %.  Protons: median < 1.5 %, max < 8 %.
  Here "max" applies to every typed value.  The median is taken over the typed values.
* NRL-DDD model.  ``normal_incidence_rdc`` against the handbook's normal-incidence column.
  Protons 1-100 MeV: ratio between 0.86 and 1.02.  Electrons 0.6-10 MeV: |ratio - 1| < 0.16.

Why the transport test uses the handbook's own normal column: the default path (the NRL
normal-incidence model, then the transport) does not meet the transport tolerances on these
points.  Measured: electrons -29 % to +10 %, protons -13 % to +3 %.  That gap is the gap
between the NRL model and the measured normal-incidence RDCs, covered by the last test below.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from radiation import displacement as dd
from radiation import stopping as st

FUSED_SILICA_G_CM3 = 2.20
MIL_CM = 2.54e-3

# Handbook GaAs/Ge electron RDC (Pmax), normal incidence, 1 MeV electrons = 1: the full column,
# (energy [MeV], RDC).  Anspaugh 1996 (JPL Publication 96-9); transcribed from the solarpy
# digitisation (sheet "Electron Damage Coeffecients", columns "Energy (MeV)", "0 Normal Incidence").
ELECTRON_NORMAL_RDC = (
    (0.15, 5e-06), (0.16, 1e-05), (0.17, 2e-05), (0.18, 5e-05), (0.19, 0.0001), (0.2, 0.0002),
    (0.22, 0.0005), (0.24, 0.001), (0.26, 0.01), (0.28, 0.025), (0.3, 0.044), (0.32, 0.06),
    (0.36, 0.12), (0.4, 0.17), (0.45, 0.25), (0.5, 0.32), (0.6, 0.46), (0.7, 0.6), (0.8, 0.73),
    (0.9, 0.86), (1.0, 1.0), (1.2, 1.25), (1.4, 1.5), (1.6, 1.74), (1.8, 1.99), (2.0, 2.2),
    (2.25, 2.5), (2.5, 2.8), (2.75, 3.05), (3.0, 3.3), (3.25, 3.6), (3.5, 3.8), (3.75, 4.1),
    (4.0, 4.4), (4.5, 4.9), (5.0, 5.4), (5.5, 5.8), (6.0, 6.3), (7.0, 7.2), (8.0, 8.1),
    (9.0, 9.0), (10.0, 9.8), (15.0, 13.8), (20.0, 17.3), (25.0, 20.5), (30.0, 23.7), (40.0, 29.5),
)

# Handbook GaAs/Ge proton RDC (Pmax and Voc), normal incidence, 10 MeV protons = 1: the full
# column, (energy [MeV], RDC).  Anspaugh 1996 (JPL Publication 96-9); transcribed from the
# solarpy digitisation (sheet "Proton Pmax and Voc Damage Coef", "0 Normal Incidence").
PROTON_NORMAL_RDC = (
    (0.02, 0.1), (0.025, 1.1), (0.03, 4.4), (0.035, 11.5), (0.04, 23.5), (0.045, 33.5),
    (0.05, 40.0), (0.055, 46.0), (0.06, 50.0), (0.07, 54.0), (0.08, 57.0), (0.09, 58.0),
    (0.1, 58.0), (0.2, 44.0), (0.3, 29.0), (0.4, 20.0), (0.6, 12.7), (0.8, 9.3), (1.0, 7.4),
    (1.2, 6.3), (1.3, 5.9), (1.4, 5.5), (1.6, 5.0), (1.8, 4.5), (2.0, 4.2), (2.2, 3.8),
    (2.4, 3.6), (2.6, 3.35), (2.8, 3.15), (3.0, 3.0), (3.2, 2.8), (3.4, 2.65), (3.6, 2.5),
    (3.8, 2.4), (4.0, 2.3), (4.2, 2.2), (4.4, 2.1), (4.6, 2.0), (4.8, 1.93), (5.2, 1.8),
    (5.6, 1.65), (6.0, 1.5), (6.4, 1.45), (6.8, 1.35), (7.2, 1.3), (7.6, 1.23), (8.0, 1.19),
    (9.0, 1.08), (10.0, 1.0), (11.0, 0.94), (12.0, 0.9), (13.0, 0.87), (14.0, 0.84),
    (15.0, 0.82), (16.0, 0.8), (18.0, 0.76), (20.0, 0.74), (22.0, 0.72), (24.0, 0.7),
    (26.0, 0.69), (28.0, 0.68), (30.0, 0.67), (34.0, 0.65), (38.0, 0.64), (42.0, 0.63),
    (46.0, 0.62), (50.0, 0.61), (55.0, 0.6), (60.0, 0.595), (65.0, 0.59), (70.0, 0.58),
    (80.0, 0.575), (90.0, 0.562), (100.0, 0.56),
)

# Handbook omnidirectional RDC behind coverglass, (energy [MeV], coverglass [mil], RDC).
# Anspaugh 1996 (JPL Publication 96-9); transcribed from the solarpy digitisation, electron
# sheet "Electron Damage Coeffecients" (Pmax), column = coverglass thickness in mils.
# The points were picked before the comparison was run, to cover 1-20 MeV and 3-60 mil.
ELECTRON_OMNI_RDC = (
    (1.0, 6, 0.3704),
    (1.0, 12, 0.2908),
    (2.0, 3, 1.022),
    (2.0, 20, 0.759),
    (3.0, 30, 1.123),
    (5.0, 12, 2.416),
    (5.0, 60, 1.747),
    (10.0, 6, 4.733),
    (10.0, 30, 4.269),
    (20.0, 60, 7.408),
)

# Same for protons (Pmax and Voc), sheet "Proton Pmax and Voc Damage Coef", column = mils;
# the points cover 8-100 MeV and 3-60 mil.
PROTON_OMNI_RDC = (
    (8.0, 3, 0.6746),
    (10.0, 6, 0.5979),
    (12.0, 12, 0.5104),
    (15.0, 6, 0.4171),
    (20.0, 20, 0.3553),
    (30.0, 12, 0.3262),
    (30.0, 30, 0.3123),
    (50.0, 60, 0.2804),
    (70.0, 20, 0.2862),
    (100.0, 60, 0.2706),
)

NORMAL = {"electron": ELECTRON_NORMAL_RDC, "proton": PROTON_NORMAL_RDC}
OMNI = {"electron": ELECTRON_OMNI_RDC, "proton": PROTON_OMNI_RDC}
# (median, max) of |ours/handbook - 1|, as in test_damage_equivalence.py
TOL = {"electron": (0.01, 0.045), "proton": (0.015, 0.08)}


def _interp_rdc(table):
    """Log-log interpolation of a handbook normal-incidence column (as test_damage_equivalence)."""
    d = np.asarray(table, dtype=float)
    pos = d[:, 1] > 0
    le, lr = jnp.log(d[pos, 0]), jnp.log(d[pos, 1])
    e0 = float(d[pos, 0][0])
    return lambda e: jnp.where(e >= e0, jnp.exp(jnp.interp(jnp.log(jnp.maximum(e, e0)), le, lr)), 0.0)


def _glass_g_cm2(mil):
    return np.asarray(mil, dtype=float) * MIL_CM * FUSED_SILICA_G_CM3


@functools.lru_cache(maxsize=None)
def _relative_errors(particle):
    """ours/handbook - 1 for the typed omnidirectional values, transport fed with the
    handbook's normal-incidence column (one vectorised call per particle)."""
    e, mil, ref = (np.asarray(c, dtype=float) for c in zip(*OMNI[particle]))
    normal = _interp_rdc(NORMAL[particle])
    rdc = jax.jit(lambda x, t: dd.relative_damage_coefficient(x, t, particle, normal_rdc=normal))
    ours = np.asarray(rdc(e, _glass_g_cm2(mil)))
    return ours / ref - 1.0


@pytest.mark.parametrize("particle", ["electron", "proton"])
def test_typed_points_are_in_the_validated_domain(particle):
    """The typed points meet the selection of test_damage_equivalence.py: penetrating (CSDA
    range in SiO2 > 3x the glass), electrons >= 1 MeV and not the 2.5 MeV row.  Each energy
    is a node of the normal-incidence column."""
    e, mil, ref = (np.asarray(c, dtype=float) for c in zip(*OMNI[particle]))
    rng_fn = st.electron_csda_range_g_cm2 if particle == "electron" else st.proton_csda_range_g_cm2
    rng = np.asarray(jax.jit(lambda x: rng_fn(x, "silicon_dioxide"))(e))
    assert np.all(rng > 3 * _glass_g_cm2(mil)) and np.all(ref > 0)
    if particle == "electron":
        assert np.all(e >= 1.0) and not np.any(e == 2.5)
    nodes = {row[0] for row in NORMAL[particle]}
    assert all(x in nodes for x in e)


@pytest.mark.parametrize("particle, i", [("electron", i) for i in range(len(ELECTRON_OMNI_RDC))]
                         + [("proton", i) for i in range(len(PROTON_OMNI_RDC))])
def test_coverglass_transport_each_typed_value(particle, i):
    """Every typed value is within the per-point maximum error (electrons 4.5 %, protons 8 %).
    Measured: electrons -1.38 % to +2.49 %; protons +0.29 % to +5.87 % (largest at
    8 MeV / 3 mil)."""
    err = float(_relative_errors(particle)[i])
    e, mil, ref = OMNI[particle][i]
    assert abs(err) < TOL[particle][1], (particle, e, mil, ref, err)


def test_coverglass_transport_median_electrons():
    """Median |error| over the 10 typed electron values < 1 %.  Measured 0.44 %."""
    err = np.abs(_relative_errors("electron"))
    assert np.median(err) < TOL["electron"][0], np.median(err)


@pytest.mark.xfail(strict=True, reason=(
    "median |error| over the 10 typed proton values is 1.7 %, above the 1.5 % bound of "
    "test_damage_equivalence.py; the bound is not widened here.  That test takes the median "
    "over a whole handbook column (13-35 rows per thickness; measured 0.9-1.47 %).  Those "
    "columns are dominated by the many rows above 30 MeV, where the errors are mostly below "
    "1.5 %.  The typed points lean towards 8-20 MeV, where the full columns also show our "
    "transport 2-6 % above the handbook."))
def test_coverglass_transport_median_protons():
    err = np.abs(_relative_errors("proton"))
    assert np.median(err) < TOL["proton"][0], np.median(err)


def test_nrl_normal_incidence_rdcs_vs_typed_handbook_column():
    """NRL-DDD normal-incidence RDCs (NIEL tables, n = 1.7) against the handbook's column,
    with the bounds of test_damage_equivalence.py::test_nrl_model_rdcs_vs_handbook.  Protons
    1-100 MeV: ratio in (0.86, 1.02).  Electrons 0.6-10 MeV: |ratio - 1| < 0.16.  Note: the
    docstring there says "15 %", but its assertion is 0.16, and 0.16 is used here.
    Measured: protons 0.867 (100 MeV) to 1.007 (11 MeV); electrons 0.847 (10 MeV) to 1.086
    (2 MeV)."""
    dp = np.asarray(PROTON_NORMAL_RDC)
    sel = (dp[:, 0] >= 1.0) & (dp[:, 0] <= 100.0)
    # jit: one compiled call instead of slow op-by-op dispatch (keeps the file under 10 s)
    rp = np.asarray(jax.jit(lambda x: dd.normal_incidence_rdc(x, "proton"))(dp[sel, 0])) / dp[sel, 1]
    assert rp.min() > 0.86 and rp.max() < 1.02, (rp.min(), rp.max())
    de = np.asarray(ELECTRON_NORMAL_RDC)
    sel = (de[:, 0] >= 0.6) & (de[:, 0] <= 10.0)
    re = np.asarray(jax.jit(lambda x: dd.normal_incidence_rdc(x, "electron"))(de[sel, 0])) / de[sel, 1]
    assert np.abs(re - 1.0).max() < 0.16, re
