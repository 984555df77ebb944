"""The sample district as a state office delivers LoD2: a grid of CityGML tiles, optionally zipped.

``split_tiles(district_gml, folder, tiles)`` streams the generator's CityGML (one ``cityObjectMember`` per
building, as :mod:`.citygml` writes it) into about ``tiles`` files of a square grid, each building in the
tile that holds the first point of its geometry, named like NRW's tiles (``LoD2_32_<col>_<row>_1_NW.gml``);
``zip_tiles(paths, archive)`` packs them as one delivery zip. Memory stays flat (one building at a time).
"""
from __future__ import annotations

import math
import os
import re
import zipfile
from pathlib import Path
from typing import TextIO

from ..kernel.errors import InputError

_MEMBER_OPEN = "<core:cityObjectMember>"
_MEMBER_CLOSE = "</core:cityObjectMember>"
_ENVELOPE = re.compile(r"<gml:lowerCorner>\s*([-\d.]+)\s+([-\d.]+).*?<gml:upperCorner>\s*([-\d.]+)\s+([-\d.]+)",
                       re.S)
_POS = re.compile(r"<gml:(?:posList|pos)[^>]*>\s*([-\d.]+)\s+([-\d.]+)")
_FOOTER = "</core:CityModel>\n"


def _grid(bounds: tuple[float, float, float, float], tiles: int) -> tuple[int, int, float, float]:
    """Columns, rows and the cell size in x and y of a grid of about ``tiles`` cells over ``bounds``."""
    x0, y0, x1, y1 = bounds
    width, height = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
    cols = max(1, round(math.sqrt(tiles * width / height)))
    rows = max(1, math.ceil(tiles / cols))
    return cols, rows, width / cols, height / rows


def split_tiles(district_gml: str | os.PathLike[str], folder: str | os.PathLike[str], tiles: int) -> list[Path]:
    """Split the sample district's CityGML into a grid of about ``tiles`` tile files in ``folder``.

    Every building is in exactly one tile; empty cells make no file.

    Args:
        district_gml: the sample district's CityGML (see generator.generate_district).
        folder: where the tiles go (created).
        tiles: about how many tiles (at least 1).

    Returns:
        The tile paths, sorted (named like an AdV LoD2 delivery).

    Raises:
        InputError: fewer than 1 tile, or the file is not the sample district's CityGML.

    Example:
        >>> import tempfile
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> paths = split_tiles(folder / "district" / "district.gml", folder / "tiles", 4)
        >>> [p.name for p in paths]
        ['LoD2_32_0_0_1_NW.gml', 'LoD2_32_1_0_1_NW.gml', 'LoD2_32_1_1_1_NW.gml']
        >>> sum(p.read_text().count("<bldg:Building ") for p in paths)
        12
    """
    if tiles < 1:
        raise InputError(f"the number of tiles must be at least 1, got {tiles}")
    source = Path(district_gml)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    with open(source, encoding="utf-8") as fh:
        header_lines: list[str] = []
        for line in fh:
            if line.strip() == _MEMBER_OPEN:
                break
            header_lines.append(line)
        else:
            raise InputError("no cityObjectMember: not the sample district's CityGML", path=str(source))
        header = "".join(header_lines)
        envelope = _ENVELOPE.search(header)
        if envelope is None:
            raise InputError("no gml:Envelope in the header", path=str(source))
        x0, y0, x1, y1 = (float(v) for v in envelope.groups())
        cols, rows, dx, dy = _grid((x0, y0, x1, y1), tiles)
        outputs: dict[tuple[int, int], TextIO] = {}
        try:
            member = [line]
            for line in fh:
                if line.strip() == _MEMBER_OPEN:
                    member = [line]
                    continue
                member.append(line)
                if line.strip() == _MEMBER_CLOSE:
                    text = "".join(member)
                    pos = _POS.search(text)
                    if pos is None:
                        raise InputError("a building without coordinates", path=str(source))
                    x, y = float(pos.group(1)), float(pos.group(2))
                    cell = (min(cols - 1, max(0, int((x - x0) // dx))), min(rows - 1, max(0, int((y - y0) // dy))))
                    out = outputs.get(cell)
                    if out is None:
                        out = outputs[cell] = open(target / f"LoD2_32_{cell[0]}_{cell[1]}_1_NW.gml", "w",  # noqa: SIM115
                                                   encoding="utf-8")
                        out.write(header)
                    out.write(text)
                    member = []
        finally:
            for out in outputs.values():
                out.write(_FOOTER)
                out.close()
    return sorted(target / f"LoD2_32_{c}_{r}_1_NW.gml" for c, r in outputs)


def zip_tiles(paths: list[Path], archive: str | os.PathLike[str], folder: str = "LoD2") -> Path:
    """Pack tile files as one delivery zip (deflated, under ``folder/``).

    Args:
        paths: the tile files.
        archive: the zip to write.
        folder: the folder inside the archive.

    Returns:
        The archive's path.

    Example:
        >>> import tempfile, zipfile
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> archive = zip_tiles(split_tiles(folder / "district" / "district.gml", folder / "tiles", 4),
        ...                     folder / "delivery.zip")
        >>> zipfile.ZipFile(archive).namelist()
        ['LoD2/LoD2_32_0_0_1_NW.gml', 'LoD2/LoD2_32_1_0_1_NW.gml', 'LoD2/LoD2_32_1_1_1_NW.gml']
    """
    target = Path(archive)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in paths:
            zf.write(path, f"{folder}/{path.name}")
    return target
