"""Read exported tiles back: GLB/b3dm parsing, meshopt decoding, positions and property tables.

Used to verify an export (round trips in the tests) and to inspect tiles from scripts.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .glb import pack_glb, unpack_glb
from .metadata import decode_property

_DTYPES: dict[int, Any] = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32,
                           5126: np.float32}
_SIZES = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


class Tile:
    """One tile's glTF JSON and its BIN chunk (meshopt streams decoded), plus a b3dm's batch table."""

    def __init__(self, data: bytes, base: Path | None = None) -> None:
        self.batch_table: dict[str, Any] | None = None
        self.batch_length: int | None = None
        if data[:4] == b"b3dm":
            _, _, total, ftj, ftb, btj, btb = struct.unpack_from("<4sIIIIII", data, 0)
            pos = 28
            self.batch_length = json.loads(data[pos:pos + ftj])["BATCH_LENGTH"]
            pos += ftj + ftb
            self.batch_table = json.loads(data[pos:pos + btj]) if btj else {}
            pos += btj + btb
            data = data[pos:total]
        self.gltf, self.bin = unpack_glb(data)
        self.compressed = "EXT_meshopt_compression" in self.gltf.get("extensionsUsed", [])
        if self.compressed:
            self._decode_meshopt()
        self.schema = None
        meta = self.gltf.get("extensions", {}).get("EXT_structural_metadata")
        if meta:
            self.schema = meta.get("schema") or json.loads((Path(base or ".") / meta["schemaUri"]).read_text("utf-8"))

    @classmethod
    def open(cls, path: str | Path) -> Tile:
        return cls(Path(path).read_bytes(), Path(path).parent)

    def _decode_meshopt(self) -> None:
        """Rewrite the glTF into one plain buffer: compressed views decoded, others copied."""
        import meshoptimizer as mo

        out = bytearray()
        views = []
        for view in self.gltf["bufferViews"]:
            ext = view.get("extensions", {}).get("EXT_meshopt_compression")
            if ext:
                src = self.bin[ext.get("byteOffset", 0):ext.get("byteOffset", 0) + ext["byteLength"]]
                # (meshoptimizer's Python wrapper returns its output buffer: keep its first count*stride bytes)
                if ext["mode"] == "TRIANGLES":
                    arr = mo.decode_index_buffer(ext["count"], ext["byteStride"], src)
                else:
                    if mo.decode_vertex_version(src) != 0:
                        raise ValueError("EXT_meshopt_compression needs vertex codec version 0")
                    arr = mo.decode_vertex_buffer(ext["count"], ext["byteStride"], src)
                raw = np.ascontiguousarray(arr).view(np.uint8).tobytes()[:ext["count"] * ext["byteStride"]]
                if len(raw) != view["byteLength"]:
                    raise ValueError(f"meshopt stream decodes to {len(raw)} bytes, expected {view['byteLength']}")
            else:
                raw = self.bin[view.get("byteOffset", 0):view.get("byteOffset", 0) + view["byteLength"]]
            while len(out) % 8:
                out.append(0)
            plain = {k: v for k, v in view.items() if k != "extensions"}
            plain.update(buffer=0, byteOffset=len(out))
            out += raw
            views.append(plain)
        while len(out) % 4:
            out.append(0)
        self.gltf["bufferViews"] = views
        self.gltf["buffers"] = [{"byteLength": len(out)}]
        for key in ("extensionsUsed", "extensionsRequired"):
            if key in self.gltf:
                self.gltf[key] = [e for e in self.gltf[key] if e != "EXT_meshopt_compression"]
                if not self.gltf[key]:
                    del self.gltf[key]
        self.bin = bytes(out)

    def plain_glb(self) -> bytes:
        """The tile as a GLB without meshopt compression (for validators that cannot decode it)."""
        return pack_glb(self.gltf, self.bin)

    def accessor(self, index: int) -> NDArray[Any]:
        acc = self.gltf["accessors"][index]
        view = self.gltf["bufferViews"][acc["bufferView"]]
        dtype: Any = np.dtype(_DTYPES[acc["componentType"]])
        n = _SIZES[acc["type"]]
        stride = view.get("byteStride", dtype.itemsize * n)
        start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        raw = np.frombuffer(self.bin, np.uint8, count=stride * (acc["count"] - 1) + dtype.itemsize * n, offset=start)
        rows = np.lib.stride_tricks.as_strided(raw, shape=(acc["count"], dtype.itemsize * n), strides=(stride, 1))
        arr = np.ascontiguousarray(rows).view(dtype).reshape(acc["count"], n).astype(np.float64)
        if acc.get("normalized"):
            arr = np.maximum(arr / np.iinfo(dtype).max, -1.0)
        result: NDArray[Any] = arr if n > 1 else arr[:, 0]
        return result

    def primitive(self) -> dict[str, Any]:
        primitive: dict[str, Any] = self.gltf["meshes"][0]["primitives"][0]
        return primitive

    def positions(self) -> NDArray[Any]:
        """Vertex positions in the tileset's frame (glTF y-up, node translation and scale applied)."""
        p = self.accessor(self.primitive()["attributes"]["POSITION"])
        node = self.gltf["nodes"][0]
        result: NDArray[Any] = p * np.array(node.get("scale", [1, 1, 1])) + np.array(node.get("translation", [0, 0, 0]))
        return result

    def triangles(self) -> NDArray[Any]:
        return self.accessor(self.primitive()["indices"]).astype(np.int64).reshape(-1, 3)

    def feature_ids(self, n: int = 0) -> NDArray[Any]:
        attrs = self.primitive()["attributes"]
        name = "_BATCHID" if "_BATCHID" in attrs else f"_FEATURE_ID_{n}"
        return self.accessor(attrs[name]).astype(np.int64)

    def property_table(self, n: int = 0) -> dict[str, list[Any]]:
        """Property name (as in the source) -> values, for property table ``n``; or the b3dm batch table."""
        if self.batch_table is not None:
            return dict(self.batch_table)
        meta = self.gltf["extensions"]["EXT_structural_metadata"]
        table = meta["propertyTables"][n]
        assert self.schema is not None, "the tile has EXT_structural_metadata"
        props = self.schema["classes"][table["class"]]["properties"]
        enums = self.schema.get("enums", {})
        out = {}
        for pid, prop in props.items():
            entry = table["properties"].get(pid)
            if entry is None:  # absent from this table: no values
                out[prop.get("name", pid)] = [None] * table["count"]
                continue
            bufs = [self._view(entry["values"])]
            if "stringOffsets" in entry:
                bufs.append(self._view(entry["stringOffsets"]))
            out[prop.get("name", pid)] = decode_property(prop, bufs, table["count"], enums,
                                                         entry.get("stringOffsetType", "UINT32"))
        return out

    def _view(self, index: int) -> bytes:
        v = self.gltf["bufferViews"][index]
        return self.bin[v.get("byteOffset", 0):v.get("byteOffset", 0) + v["byteLength"]]
