"""What the docstring examples share: a built sample twin (the sample district imported and built once per
process), the path of the project's real test data (``shared_data``) and a city model delivery made of it
(``city_delivery``).

The sample twin chains the sources and the build (sample district -> city model, learning islands and sensors
GeoPackages -> twin), so it sits above the build layer (.importlinter); nothing in the core imports this module,
only Example blocks do.
"""
from __future__ import annotations

import functools
import gzip
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class SampleTwin:
    """The files of a built sample twin, all in one temporary ``folder``.

    Attributes:
        folder: the temporary folder holding everything below (removed when the process exits).
        district: the generated district folder (district.gml, learning_islands.geojson, sensors.csv, ...).
        city: the imported city model GeoPackage.
        islands: the imported learning islands GeoPackage.
        sensors: the sensors GeoPackage (the district's last day, 2025-06-08, of observations).
        twin: the twin GeoPackage built from the three.
    """

    folder: Path
    district: Path
    city: Path
    islands: Path
    sensors: Path
    twin: Path


_FOLDERS: list[tempfile.TemporaryDirectory[str]] = []

#: ../shared/data beside the repository (the plugin package): the real public test data, listed in its README.md;
#: the tests find it the same way (tests/paths.py). Never copied into the repository.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """Find a file or folder of the project's real test data (``../shared/data``, see its README.md).

    Args:
        parts: the path below ``../shared/data``, one part per argument or with slashes.

    Returns:
        The existing path.

    Raises:
        FileNotFoundError: the path does not exist (no shared data beside this checkout, or a wrong name).

    Example:
        >>> path = shared_data("citygml/fzk-haus/citygml2", "FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml")
        >>> path.name, path.stat().st_size
        ('FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml', 13633)
        >>> shared_data("no-such-file.gml")
        Traceback (most recent call last):
        ...
        FileNotFoundError: the real test data has no no-such-file.gml (looked in .../shared/data)
    """
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"the real test data has no {'/'.join(parts)} (looked in {SHARED_DATA})")
    return path


@functools.cache
def sample_twin(buildings: int = 12) -> SampleTwin:
    """Generate the sample district, import its city model, learning islands and sensors and build a twin from
    them, once per process and building count; later calls return the same files. Treat them as read-only and
    write outputs into a folder of your own.

    Args:
        buildings: how many buildings the district has (10 to 1,000,000; keep it small, it is built in full).

    Returns:
        The SampleTwin with the paths of the district and of the GeoPackages.

    Raises:
        InputError: a building count the sample district does not allow.

    Example:
        >>> sample = sample_twin()
        >>> sample.twin.is_file(), sample.city.parent == sample.folder, sample_twin() is sample
        (True, True, True)
        >>> from geotwin.twin.kernel import gpkg
        >>> buildings = gpkg.read_table(sample.twin, "buildings", geometry=False)[1]
        >>> len(buildings), sorted(p.name for p in sample.folder.iterdir())
        (12, ['city.gpkg', 'district', 'islands.gpkg', 'sensors.gpkg', 'twin.gpkg'])
    """
    from .build import BuildInputs, build_twin
    from .citymodel.importer import import_citymodel
    from .islands.importer import import_learning_islands
    from .sample.generator import generate_district
    from .sensors.export_source import read_exports
    from .sensors.importer import write_sensors
    from .store.geopackage import GpkgStore

    holder = tempfile.TemporaryDirectory(prefix="geotwin-sample-")
    folder = Path(holder.name)
    district = folder / "district"
    generate_district(district, buildings=buildings, formats=["citygml", "islands", "sensors"])
    sample = SampleTwin(folder, district, folder / "city.gpkg", folder / "islands.gpkg", folder / "sensors.gpkg",
                        folder / "twin.gpkg")
    import_citymodel([district / "district.gml"], sample.city)
    import_learning_islands(str(district / "learning_islands.geojson"), str(sample.islands))
    exports = read_exports([district / "sensors.csv"], "EPSG:25832", start=datetime(2025, 6, 8, tzinfo=UTC))
    write_sensors(*exports, str(sample.sensors), "EPSG:25832")
    build_twin(GpkgStore(sample.twin), BuildInputs(citymodel=[str(sample.city)], islands=[str(sample.islands)],
                                                   sensors=[str(sample.sensors)]))
    _FOLDERS.append(holder)   # kept alive until the process exits, then removed
    return sample


@functools.cache
def city_delivery() -> Path:
    """Build a city model delivery as offices ship one, from the real test data, once per process: a folder with a
    zip archive of tiles (beside a readme and an archive inside the archive), a gzipped tile, an XML file that is
    no city model and a hidden file. Treat it as read-only.

    The folder holds ``tiles.zip`` (``lod2/fzk-haus.gml``: the FZK-Haus in CityGML 2.0, 1 building, EPSG:25832 +
    DHHN92 heights; ``readme.txt``; ``old.zip``), ``hamburg.xml.gz`` (the Hamburg 2022 LoD2 tile in CityGML 1.0:
    47 buildings with 71 parts, EPSG:25832 + DHHN2016 heights), ``schema.xml`` and ``.DS_Store``.

    Returns:
        The folder (removed when the process exits).

    Raises:
        FileNotFoundError: the real test data is missing (see ``shared_data``).

    Example:
        >>> folder = city_delivery()
        >>> sorted(p.name for p in folder.iterdir()), city_delivery() == folder
        (['.DS_Store', 'hamburg.xml.gz', 'schema.xml', 'tiles.zip'], True)
        >>> zipfile.ZipFile(folder / "tiles.zip").namelist()
        ['lod2/fzk-haus.gml', 'readme.txt', 'old.zip']
    """
    fzk = shared_data("citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml")
    hamburg = shared_data("citygml/hamburg/2022/LoD2_576_5950_1_HH.xml")
    holder = tempfile.TemporaryDirectory(prefix="geotwin-delivery-")
    folder = Path(holder.name).resolve() / "delivery"
    folder.mkdir()
    with zipfile.ZipFile(folder / "tiles.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(fzk, "lod2/fzk-haus.gml")
        archive.writestr("readme.txt", "Lieferung der Gebaeudemodelle, Stand 2026\n")
        archive.writestr("old.zip", b"PK\x05\x06" + bytes(18))   # an empty zip archive
    (folder / "hamburg.xml.gz").write_bytes(gzip.compress(hamburg.read_bytes(), compresslevel=1))
    (folder / "schema.xml").write_text('<?xml version="1.0"?>\n<schema xmlns="http://www.w3.org/2001/XMLSchema"/>\n')
    (folder / ".DS_Store").write_bytes(bytes(8))
    _FOLDERS.append(holder)   # kept alive until the process exits, then removed
    return folder
