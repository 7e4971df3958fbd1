"""HDF5 study archives (transitional package: the module moves here, split in the next commit)."""
import sys as _sys
import types as _types

from . import write as _impl
from .write import __all__  # noqa: F401

globals().update({k: v for k, v in vars(_impl).items() if not k.startswith("__")})


class _Package(_types.ModuleType):
    def __setattr__(self, name, value):
        if name in vars(_impl) and vars(_impl)[name] is vars(self).get(name):
            setattr(_impl, name, value)
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
