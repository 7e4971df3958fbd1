"""sunsink radiation package (public API listed in __all__)."""

__all__: list[str] = []
