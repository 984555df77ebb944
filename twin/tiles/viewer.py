"""The CesiumJS web viewer written beside an exported tileset (QGIS-free).

The viewer needs no Cesium ion token: no ion imagery, terrain or geocoder. By default it is
offline: the needed parts of CesiumJS's ``Build/Cesium`` (``CESIUM_PARTS``, about 13 MB, from the npm package
``cesium`` in the project's node_modules, or ``GEOTWIN_CESIUM_DIR``) are copied into
``viewer/cesium/`` and the globe shows CesiumJS's bundled Natural Earth II imagery. Alternatively
CesiumJS is linked from a URL or a local ``Build/Cesium`` folder (one shared copy per server).
A basemap (``Basemap``: XYZ or WMTS URL template and attribution) replaces the bundled imagery; the
export's quantized-mesh terrain (``terrain_url``, see ``terrain``) replaces the flat ground.
The page speaks German or English (the browser's language, a switch), resolves ALKIS building
function codes (``gebaeudefunktion.json``), roof type codes (``dachform.json``) and object classes (``CLASS_NAMES``)
to their names, and shows ``series.json`` / ``availability.json`` found
beside the tileset (sensor charts, free/busy state of learning islands). A search box finds buildings by id, name
or address (the sharded ``search/``, see ``search_index``) and islands and sensors by id or name, flies there and opens
the info box.

What it shows of a twin export: buildings coloured by function (a building part without one takes its
parent's, looked up in the same tile); BIM elements coloured by ``ifc_class`` (``BIM_CLASSES``; spaces
hidden, windows translucent), while a building's BIM tile is drawn its LoD2 shell (``bim_building_id``)
is hidden; island and sensor markers; the GeoJSON overlays as pins at their ``ellipsoidal_height``.
A click shows every attribute: a BIM element's ``global_id`` and ``ifc_class`` first, an island's
booking link, hours and seats, a sensor's latest value, unit, time and SensorThings link (refreshed
from SensorThings when online) and its chart: live from the SensorThings Datastream where the sensor has one
(``live_chart.js``: last 24 hours or 7 days, refreshed with the value), else, or when the server cannot be
reached, from ``series.json``. Markers inside buildings are hidden by them; their pins are not.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..kernel.atomic import atomic_path
from ..kernel.errors import InputError
from .class_names import CLASS_NAMES
from .search_index import SEARCH_FILE

CESIUM_VERSION = "1.145"  # keep in step with package.json (the version the browser test runs)
DEFAULT_CESIUM_URL = f"https://cesium.com/downloads/cesiumjs/releases/{CESIUM_VERSION}/Build/Cesium/Cesium.js"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = PACKAGE_ROOT / "resources" / "viewer"
#: Where the offline copy of CesiumJS comes from: ``GEOTWIN_CESIUM_DIR`` or the npm package ``cesium``.
CESIUM_BUILD = PACKAGE_ROOT / "node_modules" / "cesium" / "Build" / "Cesium"
#: The parts of ``Build/Cesium`` the viewer needs (the ESM bundles index.js/index.cjs are left out).
CESIUM_PARTS = ("Cesium.js", "Workers", "Assets", "ThirdParty", "Widgets")
CESIUM_COPY_DIR = "cesium"
FUNCTION_NAMES_FILE = TEMPLATE_DIR / "gebaeudefunktion.json"
#: Roof type names (CityGML ``bldg:roofType``: the AdV AX_Dachform codes of German LoD2 data, and the CityGML 2.0
#: SIG3D codes 1000-1130 mapped onto them), German and English; sources in the file (``source``).
ROOF_TYPE_NAMES_FILE = TEMPLATE_DIR / "dachform.json"
ROOF_TYPE_PROPERTY = "roof_type"
#: Optional data files beside the tileset that the viewer shows (written by other GeoTwin steps).
SERIES_FILE, AVAILABILITY_FILE = "series.json", "availability.json"
TEMPLATE_FILES = ("index.html", "viewer.js", "viewer.css", "live_chart.js")
CONFIG_MARKER = "/*GEOTWIN_CONFIG*/"

#: Legend of building functions: (label, CSS colour, regular expression on the ``function`` code).
#: Codes follow the AdV/ALKIS building function list that CityGML 2.0 (SIG3D code list) and the
#: German state LoD2 data use, with or without the ``31001_`` prefix.
FUNCTION_CLASSES: tuple[tuple[str, str, str], ...] = (
    ("Residential", "#e4a35b", "^(31001_)?1[0-9]{3}$"),
    ("Commerce and industry", "#8f7fc4", "^(31001_)?2[0-9]{3}$"),
    ("Public", "#d2584e", "^(31001_)?3[0-9]{3}$"),
    ("Unknown function", "#b9b9b9", "^((31001_)?9998|undefined|null|)$"),
)
OTHER_FUNCTION = ("Other", "#6fa3c8")

#: Legend of BIM elements (features with an ``ifc_class``): (label, CSS colour, alpha, IFC classes).
#: Alpha 0 hides the class (spaces would hide the elements inside them and catch every click).
BIM_CLASSES: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    ("Walls", "#e8dcc4", 1.0, ("IfcWall", "IfcWallStandardCase", "IfcWallElementedCase", "IfcCurtainWall")),
    ("Slabs and floors", "#9a9a9a", 1.0, ("IfcSlab", "IfcSlabStandardCase", "IfcSlabElementedCase", "IfcCovering")),
    ("Roofs", "#b4533c", 1.0, ("IfcRoof",)),
    ("Windows", "#4f8fe0", 0.45, ("IfcWindow", "IfcWindowStandardCase")),
    ("Doors", "#8d5a2b", 1.0, ("IfcDoor", "IfcDoorStandardCase")),
    ("Columns, beams, members", "#6b7b8c", 1.0, ("IfcColumn", "IfcBeam", "IfcMember", "IfcPlate", "IfcFooting")),
    ("Stairs, ramps, railings", "#c49a5a", 1.0, ("IfcStair", "IfcStairFlight", "IfcRamp", "IfcRampFlight",
                                                 "IfcRailing")),
    ("Spaces (hidden)", "#7cc47c", 0.0, ("IfcSpace",)),
)
OTHER_BIM = ("Other BIM elements", "#c9b99a")
#: Properties whose values are such classes; ``link_type`` (what a sensor is linked to) has names of its own.
CLASS_PROPERTIES = ("object_class", "ifc_class")
LINK_TYPE_NAMES: dict[str, tuple[str, str]] = {
    "building": ("Building", "Gebäude"), "area": ("Area", "Fläche"), "facade": ("Façade", "Fassade"),
    "none": ("None", "Keine"),
}
#: Markers of learning islands and sensors in the tileset: (label, CSS colour, kind).
MARKER_CLASSES = (("Learning islands", "#2e7d32", "island"), ("Sensors", "#1565c0", "sensor"))
#: Pins of other overlay points (e.g. rooms): (label, CSS colour, kind).
OTHER_MARKER = ("Other points", "#6d4c41", "feature")
#: How the map's pins and cluster badges are drawn (WCAG 2.1 1.4.11, 1.4.3): the pin's fill (its kind's colour)
#: inside a ``halo`` ring of ``haloWidth`` px inside an ``edge`` of ``edgeWidth`` px, so that the pin stands out
#: 3:1 against its ring and the ring against whatever the map shows behind it (halo and edge 9:1 or more: one
#: of the two is 3:1 against any colour); the symbol or count in ``text``, 4.5:1 against every fill.
PIN_STYLE = {"halo": "#ffffff", "edge": "#1d1d1d", "text": "#ffffff", "haloWidth": 2, "edgeWidth": 1.5}
#: How a sensor's value is written above its pin: ``text`` on a box of ``background`` (``backgroundAlpha``, WCAG
#: 1.4.3 against the box over any map), ``padding`` [x, y] px. Not CesiumJS's outline: its labels are signed distance
#: fields drawn glyph by glyph, and at 13 px with a 3 px outline the strokes never reached the fill colour (5 white
#: pixels in "23,5 %", 1 of them the comma: a German value read "23 5 %"); bold 15 px on a box: 146 and 12
#: (tests/browser/label_probe.js, tests/twin/tiles/test_viewer_webmap.py).
LABEL_STYLE = {"font": "bold 15px sans-serif", "text": "#ffffff", "background": "#1d1d1d", "backgroundAlpha": 0.85,
               "padding": [5, 3]}
#: Property that names a feature, by kind: the first one present wins.
FEATURE_ID_PROPERTIES = {"bim": ["global_id"], "sensor": ["sensor_key", "id"], "island": ["id", "island_id"],
                         "building": ["id"]}

#: Candidate property names of overlay features (first one present wins).
OVERLAY_PROPERTIES = {
    "booking": ["booking_url", "booking_link", "booking"],
    "openingHours": ["opening_hours", "openinghours", "hours"],
    "seats": ["seats", "seat_count", "capacity"],
    "value": ["latest_value", "value", "result"],  # SensorThings: the latest Observation
    "unit": ["unit", "unit_symbol", "unit_of_measurement"],
    "time": ["latest_time", "phenomenon_time", "time"],
    "link": ["self_link", "sta_link", "selfLink", "@iot.selfLink", "datastream_url", "sensorthings_url"],
    "name": ["name", "sensor_name", "datastream_name", "title", "id"],
    "property": ["observed_property", "observedProperty", "datastream_name"],  # what a sensor measures
    "id": ["id", "sensor_key", "island_id"],
}


@dataclass(frozen=True)
class Basemap:
    """Imagery under the city: an XYZ (``{z}/{x}/{y}``, optional ``{s}`` with ``subdomains``) or
    WMTS RESTful URL template (``{TileMatrix}/{TileRow}/{TileCol}`` in Web Mercator, e.g.
    basemap.de's ``GLOBAL_WEBMERCATOR`` set), the attribution shown on the map, the zoom range."""

    url: str
    attribution: str
    max_zoom: int = 19
    subdomains: str = "abc"


#: basemap.de (BKG and the German states, CC BY 4.0): the documented German example.
BASEMAP_DE = Basemap(
    "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/"
    "GLOBAL_WEBMERCATOR/{TileMatrix}/{TileRow}/{TileCol}.png",
    "© basemap.de / BKG | Datenquellen: © GeoBasis-DE", max_zoom=18)


def basemap_config(basemap: Basemap | None) -> dict[str, Any]:
    """Configure the viewer's imagery: Natural Earth II bundled with CesiumJS, or an XYZ/WMTS template.

    Args:
        basemap: the basemap, None for the bundled imagery.

    Returns:
        ``{"type": "bundled"}`` or ``{"type": "xyz", "url", "attribution", "maxZoom", "subdomains"}`` (a WMTS
        template's tile matrix, row and column become z, y, x).

    Raises:
        InputError: a template without its placeholders, or a basemap without attribution.

    Example:
        >>> basemap_config(None)
        {'type': 'bundled'}
        >>> basemap_config(Basemap("https://{s}.tile.example/{z}/{x}/{y}.png", "© OpenStreetMap"))["url"]
        'https://{s}.tile.example/{z}/{x}/{y}.png'
        >>> basemap_config(Basemap("https://tile.example/{z}/{x}/{y}.png", " "))
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: ...a basemap needs its attribution (the licence requires it)
    """
    if basemap is None:
        return {"type": "bundled"}
    url = basemap.url.strip()
    if not re.match(r"^(https?://|/|\.)", url):
        raise InputError("the basemap URL must be an http(s) URL or a path on the viewer's server", obj=url)
    xyz = (url.replace("{TileMatrix}", "{z}").replace("{TileRow}", "{y}").replace("{TileCol}", "{x}"))
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in xyz and not (p == "{y}" and "{reverseY}" in xyz)]
    if missing:
        raise InputError("the basemap URL template lacks " + ", ".join(missing)
                         + " (XYZ: {z}/{x}/{y}; WMTS: {TileMatrix}/{TileRow}/{TileCol})", obj=url)
    if not basemap.attribution.strip():
        raise InputError("a basemap needs its attribution (the licence requires it)", obj=url)
    return {"type": "xyz", "url": xyz, "attribution": basemap.attribution.strip(),
            "maxZoom": int(basemap.max_zoom), "subdomains": basemap.subdomains}


def write_viewer(output_dir: Path, *, tileset_url: str = "../tileset.json",
                 cesium_url: str | os.PathLike[str] | None = None, title: str = "GeoTwin",
                 extra_layers: dict[str, str] | None = None,
                 ground_height: float | None = None,
                 sensor_refresh_seconds: int = 60,
                 basemap: Basemap | None = None,
                 cesium_source: str | os.PathLike[str] | None = None,
                 terrain_url: str | None = None) -> Path:
    """Write ``output_dir/viewer/`` (index.html, viewer.js, live_chart.js, viewer.css), the CesiumJS web map.

    ``cesium_url``: None (default): the needed parts of CesiumJS (``CESIUM_PARTS`` of ``cesium_source``, else
    ``GEOTWIN_CESIUM_DIR``, else the project's node_modules) are copied into ``viewer/cesium/`` so that the page
    works offline. Otherwise a URL of ``Cesium.js`` (or of the folder holding it; a string that is not an existing
    path is used as a URL, relative ones included), or a local ``Build/Cesium`` folder (or its ``Cesium.js``)
    referenced relatively.

    Args:
        output_dir: the tileset folder.
        tileset_url: the tileset, relative to the viewer.
        cesium_url: see above.
        title: the page title.
        extra_layers: overlay name -> GeoJSON URL relative to the viewer (learning islands, sensors).
        ground_height: ellipsoidal height (m) of the local ground, where the flat globe and the overlay points are
            drawn; by default the bottom of the tileset's root bounding volume.
        sensor_refresh_seconds: how often sensors with a SensorThings link are refreshed (0: once).
        basemap: imagery under the city (default: CesiumJS's bundled Natural Earth II, offline).
        cesium_source: the ``Build/Cesium`` folder to copy from.
        terrain_url: the quantized-mesh terrain folder (its ``layer.json``), relative to the viewer, e.g.
            ``../terrain``: the globe shows it (``CesiumTerrainProvider``) instead of the flat ground.

    Returns:
        index.html's path.

    Raises:
        InputError: no CesiumJS build to copy.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> page = write_viewer(folder, cesium_url="https://cesium.example/Build/Cesium/Cesium.js", ground_height=162.5)
        >>> page.relative_to(folder).as_posix(), sorted(p.name for p in page.parent.iterdir())
        ('viewer/index.html', ['index.html', 'live_chart.js', 'viewer.css', 'viewer.js'])
        >>> "https://cesium.example/Build/Cesium/Cesium.js" in page.read_text(), (folder / "viewer" / "cesium").exists()
        (True, False)
    """
    output_dir = Path(output_dir)
    viewer_dir = output_dir / "viewer"
    copy_from = None
    if cesium_url is None:
        copy_from = cesium_build_dir(cesium_source)
        base = CESIUM_COPY_DIR
    else:
        base = cesium_base_url(cesium_url, viewer_dir)
    imagery = basemap_config(basemap)
    names = json.loads(FUNCTION_NAMES_FILE.read_text(encoding="utf-8"))
    roofs = json.loads(ROOF_TYPE_NAMES_FILE.read_text(encoding="utf-8"))
    config = {
        "title": title,
        "tilesetUrl": tileset_url,
        "cesiumBaseUrl": base,
        "idProperty": "id",
        "functionProperty": "function",
        "functionClasses": [{"label": label, "color": colour, "pattern": pattern}
                            for label, colour, pattern in FUNCTION_CLASSES],
        "otherFunction": {"label": OTHER_FUNCTION[0], "color": OTHER_FUNCTION[1]},
        "parentProperty": "parent_id",
        "bimClassProperty": "ifc_class",
        "bimClasses": [{"label": label, "color": colour, "alpha": alpha, "classes": list(classes)}
                       for label, colour, alpha, classes in BIM_CLASSES],
        "otherBim": {"label": OTHER_BIM[0], "color": OTHER_BIM[1], "alpha": 1.0},
        "markerClasses": [{"label": label, "color": colour, "kind": kind} for label, colour, kind in MARKER_CLASSES],
        "otherMarker": {"label": OTHER_MARKER[0], "color": OTHER_MARKER[1], "kind": OTHER_MARKER[2]},
        "pinStyle": PIN_STYLE,
        "labelStyle": LABEL_STYLE,
        "featureIdProperties": FEATURE_ID_PROPERTIES,
        "layers": [{"name": name, "url": url} for name, url in (extra_layers or {}).items()],
        "overlayProperties": OVERLAY_PROPERTIES,
        "groundHeight": ground_height,
        "sensorRefreshSeconds": sensor_refresh_seconds,
        "basemap": imagery,
        "terrainUrl": terrain_url,
        "functionNames": {"prefix": names["prefix"], "names": names["names"], "source": names["source"]},
        "roofTypeProperty": ROOF_TYPE_PROPERTY,
        "roofTypeNames": {"names": roofs["names"], "sig3d": roofs["sig3d"]},
        "classProperties": list(CLASS_PROPERTIES),
        "classNames": {value: {"en": en, "de": de} for value, (en, de) in CLASS_NAMES.items()},
        "valueNames": {"link_type": {value: {"en": en, "de": de} for value, (en, de) in LINK_TYPE_NAMES.items()}},
        "seriesUrl": f"../{SERIES_FILE}" if (output_dir / SERIES_FILE).is_file() else None,
        "availabilityUrl": f"../{AVAILABILITY_FILE}" if (output_dir / AVAILABILITY_FILE).is_file() else None,
        "searchUrl": f"../{SEARCH_FILE}" if (output_dir / SEARCH_FILE).is_file() else None,
        "staleHours": 24,
        "timeZone": "Europe/Berlin",
    }
    page = ((TEMPLATE_DIR / "index.html").read_text(encoding="utf-8")
            .replace("{{TITLE}}", html.escape(title))
            .replace("{{CESIUM_BASE}}", html.escape(base))
            .replace(CONFIG_MARKER, _script_json(config)))
    with atomic_path(viewer_dir, directory=True) as tmp:
        tmp.mkdir(parents=True, exist_ok=True)
        (tmp / "index.html").write_text(page, encoding="utf-8")
        for name in TEMPLATE_FILES[1:]:
            shutil.copyfile(TEMPLATE_DIR / name, tmp / name)
        if copy_from is not None:
            copy_cesium(copy_from, tmp / CESIUM_COPY_DIR)
    return viewer_dir / "index.html"


def cesium_build_dir(source: str | os.PathLike[str] | None = None) -> Path:
    """Find the ``Build/Cesium`` folder to copy: ``source``, ``GEOTWIN_CESIUM_DIR`` or node_modules' cesium.

    Args:
        source: the folder, or its ``Cesium.js``; None for the environment variable or node_modules.

    Returns:
        The folder.

    Raises:
        InputError: a part of ``CESIUM_PARTS`` is missing there (naming them and the folder).

    Example:
        >>> import tempfile
        >>> build = Path(tempfile.mkdtemp()) / "Build" / "Cesium"
        >>> for part in CESIUM_PARTS:
        ...     _ = (build / part).mkdir(parents=True) if part != "Cesium.js" else None
        >>> _ = (build / "Cesium.js").write_text("// CesiumJS")
        >>> cesium_build_dir(build / "Cesium.js") == build
        True
        >>> (build / "Cesium.js").unlink()
        >>> cesium_build_dir(build)
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: ...: no CesiumJS build here (missing Cesium.js); ...
    """
    folder = Path(source or os.environ.get("GEOTWIN_CESIUM_DIR") or CESIUM_BUILD)
    if folder.suffix == ".js":
        folder = folder.parent
    missing = [part for part in CESIUM_PARTS if not (folder / part).exists()]
    if missing:
        raise InputError("no CesiumJS build here (missing " + ", ".join(missing) + "); run scripts/bootstrap.sh "
                         "(npm ci installs the package cesium), set GEOTWIN_CESIUM_DIR to a Build/Cesium folder, "
                         "or give a CesiumJS URL", path=str(folder))
    return folder


def copy_cesium(source: Path, target: Path) -> int:
    """Copy ``CESIUM_PARTS`` of a ``Build/Cesium`` folder.

    New files and folders get the umask's permissions, not the package's.

    Args:
        source: the ``Build/Cesium`` folder.
        target: where the parts go (created).

    Returns:
        The bytes copied.

    Example:
        >>> import tempfile
        >>> build = Path(tempfile.mkdtemp()) / "Build" / "Cesium"
        >>> for part in CESIUM_PARTS:
        ...     _ = (build / part).mkdir(parents=True) if part != "Cesium.js" else None
        >>> _ = (build / "Cesium.js").write_text("// CesiumJS")
        >>> _ = (build / "Workers" / "w.js").write_text("onmessage")
        >>> copy_cesium(build, build.parent / "copy"), (build.parent / "copy" / "Workers" / "w.js").read_text()
        (20, 'onmessage')
    """
    total = 0
    target.mkdir(parents=True, exist_ok=True)
    for part in CESIUM_PARTS:
        if (source / part).is_file():
            shutil.copyfile(source / part, target / part)
            total += (target / part).stat().st_size
            continue
        for folder, _dirs, files in os.walk(source / part):
            out = target / Path(folder).relative_to(source)
            out.mkdir(parents=True, exist_ok=True)
            for name in files:
                shutil.copyfile(Path(folder) / name, out / name)
                total += (out / name).stat().st_size
    return total


def cesium_base_url(cesium_url: str | os.PathLike[str], viewer_dir: Path) -> str:
    """Find the URL of the folder that holds ``Cesium.js``, relative to the viewer for a local copy.

    Args:
        cesium_url: the URL of ``Cesium.js`` or its folder, or a local folder.
        viewer_dir: the viewer's folder.

    Returns:
        The folder's URL.

    Raises:
        InputError: a local folder without Cesium.js.

    Example:
        >>> from pathlib import Path
        >>> cesium_base_url("https://cdn.example/cesium/Build/Cesium/Cesium.js", Path("/out/viewer"))
        'https://cdn.example/cesium/Build/Cesium'
    """
    local = Path(cesium_url) if isinstance(cesium_url, os.PathLike) else None
    text = os.fspath(cesium_url)
    if local is None and "://" not in text and Path(text).exists():
        local = Path(text)
    if local is None:
        text = text.rstrip("/")
        return text.rsplit("/", 1)[0] if text.endswith(".js") else text
    folder = local.parent if local.suffix == ".js" else local
    if not (folder / "Cesium.js").is_file():
        raise InputError("no Cesium.js in this folder; expected a CesiumJS Build/Cesium copy", path=str(folder))
    try:
        relative = os.path.relpath(folder.absolute(), Path(viewer_dir).absolute())
    except ValueError as err:  # another drive on Windows
        raise InputError(f"the CesiumJS copy cannot be referenced from {viewer_dir}: {err}",
                         path=str(folder)) from err
    return Path(relative).as_posix()


def _script_json(value: object) -> str:
    """JSON that is safe inside an HTML <script> element."""
    return (json.dumps(value, ensure_ascii=False, indent=1)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
