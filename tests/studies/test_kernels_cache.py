"""One process keeps at most KERNELS_KEPT compiled coupled models (an audit tries many static choices; keeping
them all exhausted the process's mapped memory); the least recently used one is dropped and freed."""
import gc
import weakref

from studies.analysis import study
from studies.model import Mission, Numerics
from studies.model.design import variable_set


def test_the_least_recently_used_model_is_dropped_and_freed(monkeypatch):
    monkeypatch.setattr(study, "_KERNELS", type(study._KERNELS)())
    monkeypatch.setattr(study, "KERNELS_KEPT", 2)  # the default keeps 8
    vs, numerics = variable_set({}), Numerics()
    missions = [Mission(coolant=c) for c in ("water", "mpg30", "ammonia")]
    first = study.kernels_for(vs, missions[0], numerics)
    ref = weakref.ref(first)
    second = study.kernels_for(vs, missions[1], numerics)
    assert study.kernels_for(vs, missions[0], numerics) is first      # reused, and now the most recent
    del first
    study.kernels_for(vs, missions[2], numerics)                      # evicts the second, not the first
    assert len(study._KERNELS) == 2 and ref() is not None
    second_ref = weakref.ref(second)
    del second
    gc.collect()
    assert second_ref() is None
