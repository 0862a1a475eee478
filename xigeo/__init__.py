"""xigeo: GIS analysis for county natural-resources bureaus.

Survey-grade ellipsoidal areas (三调 图斑椭球面积), layer I/O that keeps Chinese
text intact, coordinate-system guards, the ministry coordinate exchange file,
and a synthetic Xi County sample data set. Every capability is a plain
function; the ``xigeo`` command line calls the same functions.
"""

import logging
from typing import Any

from ._lang import set_language, using_language
from .adjust import AdjustmentResult, adjust_areas
from .area import AreaMethod, area, summarize_area
from .changes import SurveyChanges, survey_changes
from .consolidation import consolidation_summary
from .consolidation import ConsolidationResult
from .coords import read_coords, write_coords
from .crs import (
    Datum,
    check_crs,
    check_same_crs,
    detect_survey_crs,
    geographic_crs,
    gk_crs,
    gk_info,
    normalize_crs,
    split_by_zone,
    to_survey_crs,
)
from .datum import (TransformFit, TransformParams, fit_transform, read_common_points, read_params,
                    transform, write_params)
from .enforcement import enforcement_check, summarize_enforcement
from .enforcement import EnforcementResult
from .errors import (
    CoordsFileError,
    CRSError,
    LayerReadError,
    LayerWriteError,
    LossyWriteWarning,
    OptionError,
    SchemaError,
    SheetNumberError,
    TextEncodingWarning,
    TransformError,
    UnitError,
    ValidationError,
    XigeoError,
    XigeoWarning,
)
from .farmland import FarmlandOverlap, farmland_overlap
from .industrial import industrial_intensity, industrial_summary, load_thresholds
from .industrial import IndustrialResult
from .io import read_layer, write_layer
from .landuse_tables import landuse_tables
from .landuse_tables import LanduseTables
from .linkage import LinkageResult, linkage_balance
from .minepark import MineparkSummary, minepark_summary
from .minepark import MineparkResult
from .prepared import PreparedLayer, prepare
from .prereview import prereview, summarize_prereview
from .qc import SurveyCheck, check_survey, load_rules
from .prereview import PrereviewResult
from .report import ReportResult, build_report
from .sheets import Sheet, SheetsResult, parse_sheet, sheet_number, sheet_polygon, sheets
from .stripping import StrippingPlan, stripping_plan
from .terrain import Raster, read_dem, slope, slope_classes, slope_grade, write_raster
from .terrain import farmland_slope_grades
from .units import AreaUnit, convert_area
from .validate import Problem, repair, validate_layer
from .zones import change_zone

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    """Import the map composer (and matplotlib) only when it is first used."""
    if name == "maps":
        import importlib

        return importlib.import_module(".maps", __name__)
    if name == "export_map":
        from .maps import export_map

        return export_map
    from ._lang import msg

    raise AttributeError(msg(f"模块 {__name__!r} 没有属性 {name!r}",
                             f"module {__name__!r} has no attribute {name!r}"))

__version__ = "0.1.0"

__all__ = [
    "landuse_tables",
    "LanduseTables",
    "AreaMethod", "AreaUnit", "LinkageResult", "consolidation_summary", "linkage_balance",
    "ConsolidationResult",
    "MineparkSummary", "minepark_summary", "Raster", "read_dem", "slope", "slope_classes",
    "slope_grade", "write_raster", "StrippingPlan", "industrial_intensity",
    "farmland_slope_grades",
    "industrial_summary", "load_thresholds", "stripping_plan", "export_map", "maps", "FarmlandOverlap", "farmland_overlap",
    "prereview", "summarize_prereview", "enforcement_check", "summarize_enforcement",
    "PrereviewResult",
    "EnforcementResult",
    "ReportResult", "build_report", "CRSError", "CoordsFileError", "Datum", "LayerReadError",
    "LayerWriteError", "LossyWriteWarning", "OptionError", "Problem", "SchemaError", "TextEncodingWarning", "UnitError",
    "ValidationError", "XigeoError", "XigeoWarning", "area", "check_crs", "check_same_crs",
    "convert_area", "detect_survey_crs", "geographic_crs", "gk_crs", "gk_info", "normalize_crs", "read_coords",
    "read_layer", "repair", "split_by_zone", "summarize_area", "to_survey_crs", "validate_layer",
    "write_coords", "write_layer",
    "IndustrialResult",
    "MineparkResult",
    "adjust_areas", "AdjustmentResult",
    "sheet_number", "sheets", "sheet_polygon", "parse_sheet", "Sheet", "SheetsResult",
    "SheetNumberError", "TransformError", "fit_transform", "transform", "read_params",
    "write_params", "read_common_points", "TransformParams", "TransformFit", "change_zone",
    "prepare", "PreparedLayer",
    "survey_changes", "SurveyChanges",
    "check_survey", "SurveyCheck", "load_rules",
    "set_language", "using_language",
]
