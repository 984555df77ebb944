"""The web map's sharded search index (twin/tiles/search_index.py, read by resources/viewer/viewer.js): the Python
fold and word split agree with the page's own functions, run in node, on tricky strings; the sample district's
export lists every building in the shard of each of its words' prefixes, the shard list's counts equal the ones
node computes from the GeoPackage's buildings with the page's functions; the page picks the smallest shard of a
query's words; the streaming merge of partition row files writes the same bytes as the whole table at once, with
the coordinator's memory bounded (tracemalloc) and every error branch (a lost shard file) seen."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest

from geotwin.tests.paths import ROOT
from geotwin.tests.twin.tiles.test_search_index import expected_buildings
from geotwin.twin.examples import sample_twin
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles
from geotwin.twin.tiles.search_index import (
    SEARCH_COLUMNS,
    SEARCH_DIR,
    SEARCH_FILE,
    SEARCH_VERSION,
    SHARD_PREFIX,
    fold,
    merge_search_index,
    shard_file,
    shard_keys,
    words,
    write_shards,
)

VIEWER = ROOT / "resources" / "viewer" / "viewer.js"
TRICKY = ["Straße", "STRASSE", "Strasse", "Erbprinzenstraße 72a", "Ölmühle Äußere Übergasse", "ẞ GROSS",
          "Café Crème", "Ångström-Weg 3/1", "Hôtel-Dieu", "Karl-Friedrich-Straße", "76133 Karlsruhe", "", "   ",
          "--", "DEBW_KA_0000005", "İstanbul", "ΟΔΟΣ Σοφοκλέους", "Łódź", "Ærø", "x²+y₂", "Nguyễn", "한국",
          "naïve façade", "7 a", "a\u0308b", "𝒜bc 𝟙2", "Mühlburger Str. 1–3", "Ｆｕｌｌ１"]


def page_functions(*names: str) -> str:
    """The named functions' source, cut from viewer.js (a one-line function, or up to its line '  }')."""
    lines = VIEWER.read_text(encoding="utf-8").splitlines()
    out = []
    for name in names:
        start = next(i for i, line in enumerate(lines) if line.startswith(f"  function {name}("))
        end = start if lines[start].endswith("}") else lines.index("  }", start)
        out.extend(lines[start:end + 1])
    return "\n".join(out)


def run_node(script: str, data: object) -> object:
    node = shutil.which("node")
    assert node, "node is required"
    proc = subprocess.run([node, "-e", script], input=json.dumps(data), capture_output=True, text=True, timeout=60,
                          check=True)
    return json.loads(proc.stdout)


def page_words(texts: list[str]) -> list[dict]:
    """fold and words of each text, computed by the page's functions in node."""
    script = (page_functions("fold", "words") + "\nconst texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "\nprocess.stdout.write(JSON.stringify(texts.map(t => ({fold: fold(t), words: words(t)}))));")
    result = run_node(script, texts)
    assert isinstance(result, list)
    return result


def test_the_python_fold_is_the_pages():
    page = page_words(TRICKY)
    assert [p["fold"] for p in page] == [fold(t) for t in TRICKY]
    assert [p["words"] for p in page] == [words(t) for t in TRICKY]
    # spot checks against what a reader expects
    assert words("Straße") == words("STRASSE") == words("Strasse") == ["strasse"]
    assert words("Ölmühle Äußere Übergasse") == ["olmuhle", "aussere", "ubergasse"]
    assert words("Ångström-Weg 3/1") == ["angstrom", "weg", "3", "1"]
    assert words("") == words("   ") == words("--") == []
    assert words("DEBW_KA_0000005") == ["debw", "ka", "0000005"]
    assert words("ẞ GROSS") == ["ss", "gross"]


def _read(folder: Path) -> tuple[dict, dict[str, list[list]]]:
    index = json.loads((folder / SEARCH_FILE).read_text(encoding="utf-8"))
    shards = {}
    for key, entry in index["shards"].items():
        doc = json.loads((folder / SEARCH_DIR / entry["file"]).read_text(encoding="utf-8"))
        assert doc["columns"] == list(SEARCH_COLUMNS) and doc["version"] == SEARCH_VERSION
        shards[key] = doc["rows"]
    return index, shards


def test_the_sample_districts_shards(tmp_path):
    city = sample_twin().city
    result = export_3dtiles(city, tmp_path, ExportOptions(cesium_url="https://cesium.example/Cesium.js"))
    index, shards = _read(tmp_path)
    expected = expected_buildings(city)
    ids = sorted(expected)
    texts = [f"{i} {expected[i]['name']} {expected[i]['address']}" for i in ids]
    node_keys = [sorted({"".join(list(w)[:SHARD_PREFIX]) for w in p["words"]}) for p in page_words(texts)]
    counts = Counter(k for keys in node_keys for k in keys)
    assert {k: e["rows"] for k, e in index["shards"].items()} == dict(counts)
    assert index["buildings"] == 12 == result.report["search"]["buildings"] and index["prefix"] == SHARD_PREFIX
    assert result.report["search"] == {"file": SEARCH_FILE, "buildings": 12, "shards": len(counts)}
    assert sorted(p.name for p in (tmp_path / SEARCH_DIR).iterdir()) == \
        sorted([shard_file(k) for k in counts] + ["index.json"])
    for fid, keys in zip(ids, node_keys):
        for key in keys:   # in the shard of each word's prefix, once
            assert [r[0] for r in shards[key]].count(fid) == 1, (fid, key)
    for key, rows in shards.items():   # and nowhere else; each shard sorted by id
        assert [r[0] for r in rows] == sorted(i for i, keys in zip(ids, node_keys) if key in keys), key
    karlsruhe = [i for i in ids if "Karlsruhe" in expected[i]["address"]]
    assert karlsruhe and [r[0] for r in shards["ka"]] == sorted(set(karlsruhe) | {i for i in ids if "_KA_" in i})


def _pick(index: dict, queries: list[str]) -> list:
    script = (page_functions("fold", "words", "chars", "pickShard") +
              "\nconst job = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "\nprocess.stdout.write(JSON.stringify(job.queries.map(q => pickShard(job.index, words(q)))));")
    result = run_node(script, {"index": index, "queries": queries})
    assert isinstance(result, list)
    return result


def test_the_page_picks_the_smallest_shard():
    index = {"prefix": 2, "shards": {"ka": {"file": "ka.json", "rows": 900}, "57": {"file": "57.json", "rows": 40},
                                     "7": {"file": "7.json", "rows": 30}, "a": {"file": "a.json", "rows": 5}}}
    picks = _pick(index, ["Kaiserstraße 57", "Kaiserstraße", "K", "7 a", "7 b", "Kaiserstraße 7", "zzqx", "", "Ka"])
    assert picks == [{"key": "57", "rows": 40, "file": "57.json"}, {"key": "ka", "rows": 900, "file": "ka.json"},
                     None, {"key": "a", "rows": 5, "file": "a.json"}, {"key": "b", "rows": 0, "file": None},
                     {"key": "ka", "rows": 900, "file": "ka.json"}, {"key": "zz", "rows": 0, "file": None}, None,
                     {"key": "ka", "rows": 900, "file": "ka.json"}]


STREETS = ["Kaiserstraße", "Erbprinzenstraße", "Karl-Friedrich-Straße", "Ölmühlweg", "Am Fasanengarten",
           "Rue de l'Église", "Zähringerstraße", "Adenauerring", "Hölderlinstraße", "Ritterstraße"]


def synthetic_rows(n: int) -> list[list]:
    """n index rows (with the part-rows' trailing parent id), ids in random order; every 50th a part of the
    building before it (left out: its parent is listed), every 70th a part whose parent is missing (listed)."""
    import random
    rng = random.Random(14)
    out = []
    for i in range(n):
        street = f"{rng.choice(STREETS)}{rng.randrange(200)}"
        parent = f"DEBW_{i - 1:07d}" if i % 50 == 1 else (f"GONE_{i}" if i % 70 == 3 else "")
        out.append([f"DEBW_{i:07d}", f"Haus {rng.randrange(5000)}" if i % 9 == 0 else "",
                    f"{street} {rng.randrange(1, 120)}, 7{rng.randrange(6000):04d} Karlsruhe",
                    8.4 + i * 1e-6, 49.0, 130.5, 9.5, parent])
    rng.shuffle(out)
    return out


def _parts(folder: Path, rows: list[list], n: int) -> list[Path]:
    files = []
    for k in range(n):
        path = folder / f"p{k}.jsonl"
        part = sorted(rows[k::n], key=lambda r: r[0])
        path.write_text("".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in part),
                        encoding="utf-8")
        files.append(path)
    return files


def test_the_streaming_merge_is_the_whole_tables_with_bounded_memory(tmp_path):
    rows = synthetic_rows(60_000)
    parts = _parts(tmp_path, rows, 8)
    ids = {r[0] for r in rows}
    kept = sorted((r[:-1] for r in rows if not (r[-1] and r[-1] in ids)), key=lambda r: r[0])
    whole = write_shards(tmp_path / "whole", kept)
    tracemalloc.start()
    merged = merge_search_index(tmp_path / "merged", parts, flush_lines=20_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert merged == whole and merged["buildings"] == len(kept) == 60_000 - 1200
    files = sorted(p.name for p in (tmp_path / "whole" / SEARCH_DIR).iterdir())
    assert files == sorted(p.name for p in (tmp_path / "merged" / SEARCH_DIR).iterdir())
    for name in files:
        assert (tmp_path / "whole" / SEARCH_DIR / name).read_bytes() == \
            (tmp_path / "merged" / SEARCH_DIR / name).read_bytes(), name
    # counts from the ASCII words of the rows, independently
    counts = Counter(k for r in kept for k in {w[:2] for w in re.findall(r"[a-z0-9]+", fold(" ".join(r[:3])))})
    index, shards = _read(tmp_path / "merged")
    assert {k: e["rows"] for k, e in index["shards"].items()} == counts
    assert all(len(shards[k]) == c for k, c in counts.items())
    # the coordinator held the part ids (sets of parents) and a batch, never the table
    table = sum(len(json.dumps(r)) for r in kept)
    assert peak < 24e6 and peak < 2.5 * table, (peak, table)


def test_the_shard_keys_of_a_row_and_a_lost_row_file(tmp_path):
    assert shard_keys(["B_1", "Ölmühle", "Am Bach 2, 76133 Karlsruhe"]) == ["1", "2", "76", "am", "b", "ba", "ka",
                                                                            "ol"]
    assert shard_keys(["x", "", ""]) == ["x"] and shard_file("ol") == "ol.json" and shard_file("ös") == "_f6_73.json"
    assert write_shards(tmp_path, []) == {"file": SEARCH_FILE, "buildings": 0, "shards": 0}
    assert json.loads((tmp_path / SEARCH_FILE).read_text(encoding="utf-8"))["shards"] == {}
    from geotwin.twin.tiles.search_index import ShardWriter
    writer = ShardWriter(tmp_path, flush_lines=1)
    writer.add(["B1", "", "", 8.4, 49.0, 1.0, 1.0])
    (tmp_path / SEARCH_DIR / ".rows" / "b1.json").unlink()
    with pytest.raises(FileNotFoundError, match="b1.json"):
        writer.close()


def index_files(folder: Path) -> dict[str, bytes]:
    """Every file of a tileset's sharded search index by name (the shard list and the shards)."""
    return {p.name: p.read_bytes() for p in sorted((Path(folder) / SEARCH_DIR).iterdir())}


def listed_ids(folder: Path) -> list[str]:
    """The ids the sharded index lists (each once, sorted), read from its shards."""
    _, shards = _read(Path(folder))
    return sorted({r[0] for rows in shards.values() for r in rows})
