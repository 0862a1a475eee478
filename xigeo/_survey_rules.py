"""The 三调 evaluation rules' numbers, shared by :mod:`xigeo.area` and its compiled kernel.

Kept apart so that the kernel (:mod:`xigeo._area_kernel`, which numba
compiles with these values frozen in) and the public module read one
definition, and ``import xigeo.area`` needs no numba.
"""

#: an edge longer than this (metres, GK plane) gets extra points under the survey rules
DENSIFY_EDGE_M = 70.0
#: decimals of the survey rules: GK metres, arc-seconds, m² of the result
GK_DECIMALS = 4
ARCSEC_DECIMALS = 6
AREA_DECIMALS = 2
