"""thermal: orbital heat loads, radiator and chip solvers, coolant loop."""

__all__: list[str] = []
