"""studies: the composer — designs, coupled model, archive, config and CLI."""

__all__: list[str] = []
