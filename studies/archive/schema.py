"""The archive schema: its name and version, archive states, provenance, and the archive errors.

An archive is one HDF5 file whose root carries

* ``schema_name`` (:data:`SCHEMA_NAME`) and ``schema_version``
  (:data:`SCHEMA_VERSION`, semantic versioning [1]_).  Readers refuse another
  major version (:class:`ArchiveVersionError`) and read a newer minor or patch
  version with an :class:`ArchiveVersionWarning` (:func:`_check_schema`);
* ``provenance_*`` attributes: package version, git commit, UTC time, command
  line, library versions, JAX backend and precision (:func:`collect_provenance`);
* ``archive_state`` (below);
* the verbatim study configuration in the dataset ``config/toml``
  (:data:`CONFIG_GROUP`/:data:`CONFIG_DATASET`), so that ``sunsink rerun
  ARCHIVE`` can repeat a study.

Units follow CF/UDUNITS spelling (``"m"``, ``"K"``, ``"W m-2"``) [2]_; ``"1"`` is
used for dimensionless quantities, counts, flags and text.

Complete and incomplete archives
--------------------------------
The root attribute ``archive_state`` is ``"complete"`` in every archive written
by :func:`~studies.archive.write_archive` and ``"in_progress"`` in the progress
file of a running study (:class:`~studies.archive.StudyOutput`).  Readers refuse
an archive marked ``"in_progress"`` with an :class:`IncompleteArchiveError`; an
archive without the attribute (written before it existed) is read as complete,
except one whose ``title`` ends in ``"(in progress)"``, the mark of the progress
archives that older sunsink versions wrote under the final name.
:func:`~studies.archive.append_rows` and the ``allow_incomplete=True`` escape
hatch of the readers accept either state.

Errors
------
Every reader turns a missing file (:class:`ArchiveNotFoundError`, also a
:class:`FileNotFoundError`), a directory, a file that is not HDF5, a truncated or
overwritten file (:class:`CorruptArchiveError`), a foreign or incompatible schema
(:class:`ArchiveVersionError`) and missing required attributes into an
:class:`ArchiveError` whose one-line message names the file.

References
----------
.. [1] T. Preston-Werner, "Semantic Versioning 2.0.0", https://semver.org.
.. [2] CF Conventions 1.11, section 3.1 (``units``) and 3.2 (``long_name``),
   https://cfconventions.org.
"""
from __future__ import annotations

import datetime as _dt
import importlib.metadata
import platform
import shlex
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import h5py
import numpy as np

__all__ = [
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "ArchiveError",
    "ArchiveVersionError",
    "ArchiveVersionWarning",
    "ArchiveNotFoundError",
    "CorruptArchiveError",
    "IncompleteArchiveError",
    "OutputPathError",
    "OutputLockedError",
    "collect_provenance",
]

#: Name of the archive schema, stored in the root attribute ``schema_name``.
SCHEMA_NAME = "sunsink.study"
#: Version of the schema this module writes and reads (semantic versioning).
SCHEMA_VERSION = "1.0.0"

#: Prefix of the provenance root attributes.
PROVENANCE_PREFIX = "provenance_"
#: Group and dataset holding the verbatim configuration text.
CONFIG_GROUP = "config"
CONFIG_DATASET = "toml"
#: Group attribute holding the committed row count of a history group.
N_ROWS_ATTR = "n_rows"
#: Root attribute marking an archive complete or in progress.
STATE_ATTR = "archive_state"
STATE_COMPLETE = "complete"
STATE_IN_PROGRESS = "in_progress"
#: Title suffix of the progress archives older versions wrote under the final name.
_LEGACY_PROGRESS_TITLE = "(in progress)"


class ArchiveError(ValueError):
    """A file is not a valid sunsink archive, or an archive operation is invalid."""


class ArchiveVersionError(ArchiveError):
    """The archive's schema major version differs from the supported one."""


class ArchiveVersionWarning(UserWarning):
    """The archive was written by a newer minor/patch schema version."""


class ArchiveNotFoundError(ArchiveError, FileNotFoundError):
    """The archive file does not exist (also a :class:`FileNotFoundError`)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class CorruptArchiveError(ArchiveError):
    """The file is damaged: not HDF5, truncated, or its HDF5 structure cannot be read."""


class IncompleteArchiveError(ArchiveError):
    """The archive is the progress file of a study that has not completed."""


class OutputPathError(ArchiveError):
    """An output path cannot be used (a file in the way, not writable, ...)."""


class OutputLockedError(ArchiveError):
    """Another live process holds the lock on an output path.

    Attributes
    ----------
    holder : LockInfo or None
        Who holds the lock (None when the lock file cannot be parsed).
    lock_path : pathlib.Path
        The lock file.
    """

    def __init__(self, message: str, holder: Any = None,   # a studies.archive.lock.LockInfo, or None
                 lock_path: Path | None = None):
        super().__init__(message)
        self.holder = holder
        self.lock_path = lock_path


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _strerror(exc: OSError) -> str:
    return _one_line(exc.strerror or exc)


# ----------------------------------------------------------------------------
# Provenance
# ----------------------------------------------------------------------------
def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _git(args: list[str]) -> str | None:
    """Run git in the repository root; ``None`` on any failure."""
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=_repo_root(),
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return out.stdout.strip()


def _version_of(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def collect_provenance(command_line: str | None = None) -> dict[str, str]:
    """Describe how and where an archive is produced.

    Parameters
    ----------
    command_line : str, optional
        The command that produced the archive.  Defaults to the shell-quoted
        ``sys.argv``.

    Returns
    -------
    dict of str to str
        Keys ``package_version``, ``git_commit`` (``"unknown"`` when git or
        the repository is missing), ``git_dirty`` (``"true"``, ``"false"`` or
        ``"unknown"``), ``utc_time`` (ISO 8601), ``command_line``,
        ``python_version``, ``platform``, ``numpy_version``, ``h5py_version``,
        ``hdf5_version``, ``jax_version``, ``jaxlib_version``,
        ``jax_backend`` and ``precision`` (``"float64"`` when
        ``jax_enable_x64`` is on, else ``"float32"``; read, never changed).
    """
    if command_line is None:
        command_line = shlex.join(sys.argv)
    commit = None
    lines = (_git(["rev-parse", "--show-toplevel", "HEAD"]) or "").splitlines()
    # only trust git when the package really lives in a checkout (an installed
    # copy inside some other repository must not report that repository)
    if len(lines) == 2 and Path(lines[0]).resolve() == _repo_root():
        commit = lines[1]
    status = _git(["status", "--porcelain", "--untracked-files=no"]) if commit else None
    prov = {
        "package_version": _version_of("sunsink"),
        "git_commit": commit or "unknown",
        "git_dirty": "unknown" if status is None else ("true" if status else "false"),
        "utc_time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command_line": command_line,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "numpy_version": np.__version__,
        "h5py_version": h5py.version.version,
        "hdf5_version": h5py.version.hdf5_version,
    }
    try:
        import jax

        prov["jax_version"] = jax.__version__
        prov["jaxlib_version"] = _version_of("jaxlib")
        try:
            prov["jax_backend"] = jax.default_backend()
        except RuntimeError:
            prov["jax_backend"] = "unavailable"
        prov["precision"] = "float64" if bool(jax.config.jax_enable_x64) else "float32"
    except ImportError:
        prov.update(jax_version="unavailable", jaxlib_version="unavailable",
                    jax_backend="unavailable", precision="unknown")
    return prov


# ----------------------------------------------------------------------------
# Schema and state checks of an open file
# ----------------------------------------------------------------------------
def _parse_version(text: Any, file: str) -> tuple[int, int, int]:
    if isinstance(text, bytes):
        text = text.decode()
    parts = str(text).split(".")
    try:
        if len(parts) != 3:
            raise ValueError
        major, minor, patch = (int(p) for p in parts)
    except ValueError:
        raise ArchiveError(
            f"archive {file!r} has a malformed schema_version {text!r} (expected MAJOR.MINOR.PATCH)"
        ) from None
    return major, minor, patch


def _str_attr(f: h5py.File, key: str) -> Any:
    value = f.attrs.get(key)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    return value


def _check_state(f: h5py.File, file: str) -> str:
    """Refuse an archive that is not complete; return its state."""
    state = _str_attr(f, STATE_ATTR)
    if state is None:
        title = _str_attr(f, "title")
        if isinstance(title, str) and title.rstrip().endswith(_LEGACY_PROGRESS_TITLE):
            raise IncompleteArchiveError(
                f"{file!r} is an incomplete archive: the progress file of a study that did not "
                f"finish (title {title!r}); it holds no result, rerun the study"
            )
        return STATE_COMPLETE
    if state == STATE_IN_PROGRESS:
        raise IncompleteArchiveError(
            f"{file!r} is an incomplete archive ({STATE_ATTR} = {STATE_IN_PROGRESS!r}): the "
            "progress file of a study that is still running or was interrupted; it holds no "
            "result, rerun the study"
        )
    if state != STATE_COMPLETE:
        raise ArchiveError(
            f"archive {file!r} has an invalid {STATE_ATTR} {state!r} "
            f"(expected {STATE_COMPLETE!r} or {STATE_IN_PROGRESS!r})"
        )
    return state


def _check_schema(f: h5py.File, path: Path | str, *, allow_incomplete: bool = False) -> str:
    file = str(path)
    if "schema_name" not in f.attrs:
        raise ArchiveError(
            f"{file!r} is not a sunsink archive: it has no schema_name attribute "
            f"(expected {SCHEMA_NAME!r})"
        )
    name = _str_attr(f, "schema_name")
    if name != SCHEMA_NAME:
        raise ArchiveError(
            f"{file!r} is not a sunsink archive: schema_name is {name!r}, expected {SCHEMA_NAME!r}"
        )
    if "schema_version" not in f.attrs:
        raise ArchiveError(f"archive {file!r} has no schema_version attribute")
    found_text = f.attrs["schema_version"]
    found_text = found_text.decode() if isinstance(found_text, bytes) else str(found_text)
    found = _parse_version(found_text, file)
    supported = _parse_version(SCHEMA_VERSION, "<this module>")
    if found[0] != supported[0]:
        raise ArchiveVersionError(
            f"archive {file!r} uses schema {SCHEMA_NAME} version {found_text}, but this "
            f"sunsink reads major version {supported[0]} (supported version "
            f"{SCHEMA_VERSION}); use a sunsink release matching schema {found[0]}.x"
        )
    if not allow_incomplete:
        _check_state(f, file)
    if found > supported:
        warnings.warn(
            f"archive {file!r} was written with schema version {found_text}, newer than "
            f"the supported {SCHEMA_VERSION}; reading it, but newer content may be ignored",
            ArchiveVersionWarning,
            stacklevel=4,
        )
    return found_text
