"""xigeo: GIS analysis for county natural-resources bureaus.

Survey-grade ellipsoidal areas, layer I/O that keeps Chinese text intact,
coordinate-system guards, and (in later modules) the farmland, linkage,
consolidation and industrial calculators and report maps.
"""

import logging

from .crs import (
    Datum,
    check_crs,
    check_same_crs,
    detect_survey_crs,
    gk_crs,
    gk_info,
    normalize_crs,
    to_survey_crs,
)
from .errors import (
    CRSError,
    LayerReadError,
    LayerWriteError,
    SchemaError,
    UnitError,
    ValidationError,
    XigeoError,
)
from .units import AreaUnit, convert_area

logging.getLogger(__name__).addHandler(logging.NullHandler())

__version__ = "0.1.0"
