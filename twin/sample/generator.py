"""generate_district: write every file of the sample district into one folder, atomically."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..kernel.atomic import atomic_path
from ..kernel.errors import InputError
from ..kernel.progress import Reporter
from . import school
from .areas import areas, write_areas
from .citygml import CityGmlWriter
from .cityjson import CityJsonSeqWriter, CityJsonWriter
from .islands import islands, write_islands
from .jsonfmt import dumps
from .layout import BuildingSpec
from .layout import buildings as building_specs
from .sensors import write_lorawan, write_sensors
from .site import CITYGML_SRS, CITYJSON_SRS, COMPOUND_PROJ, HORIZONTAL_EPSG, VERTICAL_EPSG, site, to_lonlat
from .solid import Ring, surfaces

MIN_BUILDINGS, MAX_BUILDINGS = 10, 1_000_000
FORMATS = ("citygml", "cityjson", "cityjsonseq", "ifc", "islands", "sensors", "areas", "dgm")
FILE_NAMES = {
    "citygml": "district.gml",
    "cityjson": "district.city.json",
    "cityjsonseq": "district.city.jsonl",
    "ifc": "school.ifc",
    "islands": "learning_islands.geojson",
    "sensors_sta": "sensors.sta.json",
    "sensors_csv": "sensors.csv",
    "sensors_devices": "sensors.devices.json",
    "sensors_uplinks": "sensors.uplinks.jsonl",
    "areas": "areas.geojson",
    "dgm": "dgm.tif",
}
MANIFEST_NAME = "district.json"
CAFE_BUILDINGS = (4, 9)   # fan buildings that host a café learning island (always present: count >= 10)


@dataclass
class DistrictManifest:
    """What was written: counts, CRS, extent, seed, the school and the files (relative names)."""

    output_dir: str
    seed: int
    buildings: int
    crs: dict[str, str]
    bbox: list[float]                 # EPSG:25832 + DHHN2016: minx, miny, minz, maxx, maxy, maxz
    bbox_wgs84: list[float]           # lon/lat of the horizontal extent: west, south, east, north
    school: dict[str, Any]
    counts: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def path(self, key: str) -> Path:
        return Path(self.output_dir) / self.files[key]

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("output_dir")
        return dumps(data, indent=1) + "\n"


def _check_target(target: Path) -> None:
    """Refuse to replace a folder that holds anything but an earlier sample district."""
    if not target.exists():
        return
    if not target.is_dir():
        raise InputError("the output exists and is not a folder", path=str(target))
    names = {p.name for p in target.iterdir()}
    if names and MANIFEST_NAME not in names:
        raise InputError("the output folder is not empty and holds no sample district "
                         f"({MANIFEST_NAME}); choose a new or empty folder", path=str(target))


class _CityModelWriter(Protocol):
    """A streaming city model file writer (CityGML, CityJSON, CityJSONSeq)."""

    def add(self, spec: BuildingSpec, surfaces: list[tuple[str, Ring]]) -> None: ...

    def close(self, bbox_mm: tuple[int, int, int, int, int, int]) -> None: ...

    def abort(self) -> None: ...


@dataclass
class _Extent:
    """The district's bounding box in millimetres (EPSG:25832 + DHHN2016), grown building by building."""

    lo: list[int] = field(default_factory=list)
    hi: list[int] = field(default_factory=list)

    def add(self, spec: BuildingSpec) -> None:
        xs = [c[0] for c in spec.corners]
        ys = [c[1] for c in spec.corners]
        bounds = ((min(xs), max(xs)), (min(ys), max(ys)), (spec.ground, spec.ridge))
        if not self.lo:
            self.lo = [low for low, _ in bounds]
            self.hi = [high for _, high in bounds]
            return
        for axis, (low, high) in enumerate(bounds):
            self.lo[axis] = min(self.lo[axis], low)
            self.hi[axis] = max(self.hi[axis], high)

    def bbox_mm(self) -> tuple[int, int, int, int, int, int]:
        (x0, y0, z0), (x1, y1, z1) = self.lo, self.hi
        return x0, y0, z0, x1, y1, z1


def _check_arguments(buildings: int, seed: int, formats: Sequence[str]) -> list[str]:
    """The wanted formats in FORMATS order; InputError for a bad count, seed or format."""
    if isinstance(buildings, bool) or not isinstance(buildings, int):
        raise InputError(f"the building count must be an integer, got {buildings!r}")
    if not MIN_BUILDINGS <= buildings <= MAX_BUILDINGS:
        raise InputError(f"the building count must be between {MIN_BUILDINGS} and {MAX_BUILDINGS}, "
                         f"got {buildings}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"the seed must be a non-negative integer, got {seed!r}")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(f"unknown output formats {unknown}; choose from {', '.join(FORMATS)}")
    return [f for f in FORMATS if f in formats]


def generate_district(output_dir: str | Path, buildings: int = 400, seed: int = 0,
                      formats: Sequence[str] = FORMATS, reporter: Reporter | None = None) -> DistrictManifest:
    """Write the sample district modelled on Karlsruhe's Friedrichsplatz into one folder, atomically: CityGML 2.0,
    CityJSON 2.0 and CityJSONSeq, the school as IFC4, learning islands, sensors and areas.

    City model files are streamed: memory stays flat from 10 to 1,000,000 buildings. The same seed gives the
    same files.

    Args:
        output_dir: the folder (replaced only when it is empty or holds an earlier district).
        buildings: how many buildings (10 to 1,000,000).
        seed: the seed.
        formats: a subset of FORMATS.
        reporter: receives progress.

    Returns:
        The DistrictManifest: counts, CRS, extent, the school and the files.

    Raises:
        InputError: a bad count, seed or format, or an output folder with other content.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     manifest = generate_district(Path(tmp) / "district", buildings=10, formats=("citygml", "islands"))
        ...     written = sorted(p.name for p in (Path(tmp) / "district").iterdir())
        >>> manifest.counts, written
        ({'buildings': 10, 'landmarks': 4, 'learning_islands': 11},
         ['calendars', 'district.gml', 'district.json', 'learning_islands.geojson'])
        >>> generate_district(Path("unused"), buildings=5)
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: the building count must be between 10 and 1000000, got 5
    """
    reporter = reporter or Reporter()
    wanted = _check_arguments(buildings, seed, formats)
    target = Path(output_dir).resolve()
    _check_target(target)
    with atomic_path(target, directory=True) as tmp:
        files: dict[str, str] = {}
        extent, cafes = _write_city_model(tmp, wanted, buildings, seed, files, reporter)
        reporter.info(f"wrote {buildings} buildings: {', '.join(files.values()) or 'no city model file'}")
        counts: dict[str, Any] = {"buildings": buildings, "landmarks": 4}
        _write_others(tmp, wanted, seed, cafes, files, counts, reporter)
        if "dgm" in wanted:
            from .dgm import write_dgm

            grid = write_dgm(tmp / FILE_NAMES["dgm"], extent.lo, extent.hi)
            counts["dgm_pixels"] = grid["columns"] * grid["rows"]
            files["dgm"] = FILE_NAMES["dgm"]
        reporter.check()
        manifest = _manifest(target, seed, buildings, extent, counts, files)
        (tmp / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        manifest.files = {**files, "manifest": MANIFEST_NAME}
        reporter.progress(100.0)
    return manifest


def _write_city_model(tmp: Path, wanted: list[str], buildings: int, seed: int, files: dict[str, str],
                      reporter: Reporter) -> tuple[_Extent, list[BuildingSpec]]:
    """Stream every building into the wanted city model files; returns the extent and the café buildings."""
    s = site()
    translate = (int(s.square[0]) * 1000, int(s.square[1]) * 1000, 100_000)
    writers: list[_CityModelWriter] = []
    if "citygml" in wanted:
        writers.append(CityGmlWriter(tmp / FILE_NAMES["citygml"], seed))
        files["citygml"] = FILE_NAMES["citygml"]
    if "cityjson" in wanted:
        writers.append(CityJsonWriter(tmp / FILE_NAMES["cityjson"], seed, translate))
        files["cityjson"] = FILE_NAMES["cityjson"]
    if "cityjsonseq" in wanted:
        writers.append(CityJsonSeqWriter(tmp / FILE_NAMES["cityjsonseq"], seed, translate))
        files["cityjsonseq"] = FILE_NAMES["cityjsonseq"]
    extent = _Extent()
    cafes: list[BuildingSpec] = []
    step = max(1, buildings // 200)
    try:
        for n, spec in enumerate(building_specs(buildings, seed)):
            if n % step == 0:
                reporter.check()
                reporter.progress(90.0 * n / buildings)
            if spec.index in CAFE_BUILDINGS:
                cafes.append(spec)
            extent.add(spec)
            if writers:
                faces = surfaces(spec)
                for w in writers:
                    w.add(spec, faces)
        for w in writers:
            w.close(extent.bbox_mm())
    except BaseException:
        for w in writers:
            w.abort()
        raise
    return extent, cafes


def _write_others(tmp: Path, wanted: list[str], seed: int, cafes: list[BuildingSpec], files: dict[str, str],
                  counts: dict[str, Any], reporter: Reporter) -> None:
    """The school IFC, the learning islands, the sensors and the areas, as wanted."""
    reporter.check()
    if "ifc" in wanted:
        from .ifc import write_school_ifc

        ifc_info = write_school_ifc(tmp / FILE_NAMES["ifc"], seed)
        ifc_info.pop("map_conversion")
        counts["ifc"] = ifc_info
        files["ifc"] = FILE_NAMES["ifc"]
        reporter.info(f"wrote the school as IFC4: {ifc_info['spaces']} spaces, {ifc_info['walls']} walls")
    reporter.progress(94.0)
    reporter.check()
    if "islands" in wanted:
        features = islands(seed, cafes)
        write_islands(tmp / FILE_NAMES["islands"], features, seed)
        counts["learning_islands"] = len(features)
        files["islands"] = FILE_NAMES["islands"]
    reporter.progress(96.0)
    reporter.check()
    if "sensors" in wanted:
        n_sensors, n_obs = write_sensors(tmp / FILE_NAMES["sensors_sta"], tmp / FILE_NAMES["sensors_csv"], seed)
        counts["sensors"] = n_sensors
        counts["observations"] = n_obs
        files["sensors_sta"] = FILE_NAMES["sensors_sta"]
        files["sensors_csv"] = FILE_NAMES["sensors_csv"]
        _, counts["uplinks"] = write_lorawan(tmp / FILE_NAMES["sensors_devices"],
                                             tmp / FILE_NAMES["sensors_uplinks"], seed)
        files["sensors_devices"] = FILE_NAMES["sensors_devices"]
        files["sensors_uplinks"] = FILE_NAMES["sensors_uplinks"]
    reporter.check()
    if "areas" in wanted:
        area_features = areas()
        write_areas(tmp / FILE_NAMES["areas"], area_features)
        counts["areas"] = len(area_features)
        files["areas"] = FILE_NAMES["areas"]
    reporter.check()


def _manifest(target: Path, seed: int, buildings: int, extent: _Extent, counts: dict[str, Any],
              files: dict[str, str]) -> DistrictManifest:
    to_ll = to_lonlat()
    lo, hi = extent.lo, extent.hi
    west, south = to_ll.transform(lo[0] / 1000, lo[1] / 1000)
    east, north = to_ll.transform(hi[0] / 1000, hi[1] / 1000)
    place = school.placement()
    return DistrictManifest(
        output_dir=str(target), seed=seed, buildings=buildings,
        crs={"horizontal": f"EPSG:{HORIZONTAL_EPSG}", "vertical": f"EPSG:{VERTICAL_EPSG}",
             "proj": COMPOUND_PROJ, "citygml_srs": CITYGML_SRS, "cityjson_reference_system": CITYJSON_SRS},
        bbox=[v / 1000 for v in (*lo, *hi)],
        bbox_wgs84=[round(v, 7) for v in (west, south, east, north)],
        school={"id": school.SCHOOL_ID, "name": school.SCHOOL_NAME, "storeys": school.STOREYS,
                "classrooms": sum(1 for r in school.rooms() if r.is_classroom),
                "map_conversion": {"Eastings": place.eastings, "Northings": place.northings,
                                   "OrthogonalHeight": place.orthogonal_height,
                                   "XAxisAbscissa": place.x_axis_abscissa,
                                   "XAxisOrdinate": place.x_axis_ordinate, "Scale": 1.0}},
        counts=counts, files=files)
