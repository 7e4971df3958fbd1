"""studies.io: what a study writes and shows -- the archive tree of a study's results
(:mod:`~studies.io.results`), the plain-text reports (:mod:`~studies.io.report`) and the figures
(:mod:`~studies.io.plots`), all derived from the declarations.  The HDF5 archive format itself is
:mod:`studies.archive`."""
