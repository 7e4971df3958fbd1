"""Figure helpers return matplotlib Figures with the expected curves."""
import math

import matplotlib
import numpy as np

import radiation
from radiation import figures


def test_dose_depth_and_spectra_figures():
    fig = figures.dose_depth_figure(650e3, math.radians(97.9), 5.0, depths_g_cm2=np.array([0.5, 2.0]),
                                    part_tolerance_si_gy=radiation.HBM_ANOMALY_ONSET_SI_GY)
    assert isinstance(fig, matplotlib.figure.Figure)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert {"trapped protons", "trapped electrons", "bremsstrahlung", "solar protons", "total"} <= set(labels)
    fig2 = figures.spectra_figure(650e3, math.radians(97.9))
    assert len(fig2.axes) == 2 and len(fig2.axes[0].get_lines()) == 4
    matplotlib.pyplot.close("all")


def test_public_api_is_listed():
    for name in radiation.__all__:
        assert hasattr(radiation, name), name


def test_missing_table_error_names_the_generator(tmp_path, monkeypatch):
    import pytest

    from radiation import _tables

    with pytest.raises(FileNotFoundError, match="data/scripts"):
        _tables.load("no_such_table.h5", str(tmp_path / "no_such_table.h5"))
    monkeypatch.setenv("SUNSINK_DATA_DIR", str(tmp_path))
    assert _tables.data_dir() == tmp_path
