"""Independent reference values for the tests: survey areas of GK rectangles by pyproj.

Used by the calculators' tests as the expected numbers, so they do not come from
xigeo.area itself: each rectangle near the county seat (EPSG:4526) is densified
to 1 m, transformed to CGCS2000 longitude/latitude by PROJ and measured with
pyproj's geodesic (Karney) area on the CGCS2000 ellipsoid, which agrees with
the survey ellipsoidal method to ~1e-7 (tests/test_area.py).
"""

import numpy as np
import pyproj
import shapely
from shapely import box

X0, Y0 = 38_560_000.0, 3_580_000.0
GEOD = pyproj.Geod(a=6378137.0, rf=298.257222101)  # CGCS2000
TO_GEO = pyproj.Transformer.from_crs(4526, 4490, always_xy=True)


def rect(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """GK rectangle given in metres relative to (X0, Y0)."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def ha(*rects: tuple[float, float, float, float]) -> float:
    """Independent ellipsoidal area (ha) of GK rectangles: 1 m densified ring + pyproj.Geod."""
    total = 0.0
    for r in rects:
        ring = shapely.segmentize(rect(*r), 1.0).exterior
        lon, lat = TO_GEO.transform(*np.asarray(ring.coords).T)
        total += abs(GEOD.polygon_area_perimeter(lon, lat)[0])
    return total / 1e4
