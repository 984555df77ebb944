"""The web map's sharded search index (twin/tiles/search_index.py, read by resources/viewer/viewer.js): the Python
fold and word split agree with the page's own functions, run in node, on tricky strings; the sample district's
export lists every building in the shard of each of its words' prefixes, the shard list's counts equal the ones
node computes from the GeoPackage's buildings with the page's functions; the page picks the smallest shard of a
query's words, descending into split shards (node, and its Python mirror here); on 40,000 synthetic buildings the
streaming merge of partition row files writes the same bytes as the whole table at once, with the coordinator's
memory bounded (tracemalloc), full shards split until each lists at most the limit (unless all its words are one),
and every shard and every query checked by brute force; a lost shard row file fails. The partitions' files: ids that
sort apart from their rows' JSON (and with line breaks) merge in id order, an empty partition changes nothing, a part
left out by the root (its building in another partition) is not counted when the shards are split, and a missing or
broken file is named."""
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
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles
from geotwin.twin.tiles.search_index import (
    PART_SUFFIX,
    SEARCH_COLUMNS,
    SEARCH_DIR,
    SEARCH_FILE,
    SEARCH_VERSION,
    SHARD_PREFIX,
    SHARD_ROWS,
    fold,
    merge_search_index,
    shard_file,
    shard_keys,
    sort_key,
    words,
    write_part_table,
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
        if entry.get("split"):
            assert entry == {"split": True} and not (folder / SEARCH_DIR / shard_file(key)).exists(), key
            continue
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
    script = (page_functions("fold", "words", "chars", "shardOf", "pickShard") +
              "\nconst job = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "\nprocess.stdout.write(JSON.stringify(job.queries.map(q => pickShard(job.index, words(q)))));")
    result = run_node(script, {"index": index, "queries": queries})
    assert isinstance(result, list)
    return result


def test_the_page_picks_the_smallest_shard():
    index = {"prefix": 2, "shards": {"ka": {"file": "ka.json", "rows": 900}, "57": {"file": "57.json", "rows": 40},
                                     "7": {"file": "7.json", "rows": 30}, "a": {"file": "a.json", "rows": 5}}}
    queries = ["Kaiserstraße 57", "Kaiserstraße", "K", "7 a", "7 b", "Kaiserstraße 7", "zzqx", "", "Ka"]
    picks = [{"key": "57", "rows": 40, "file": "57.json"}, {"key": "ka", "rows": 900, "file": "ka.json"},
             None, {"key": "a", "rows": 5, "file": "a.json"}, {"key": "b", "rows": 0, "file": None},
             {"key": "ka", "rows": 900, "file": "ka.json"}, {"key": "zz", "rows": 0, "file": None}, None,
             {"key": "ka", "rows": 900, "file": "ka.json"}]
    assert _pick(index, queries) == picks == [pick_shard(index, words(q)) for q in queries]
    # "ka" split: its words go one character deeper; "ka" itself and "kai" (split too) are broad
    index["shards"].update({"ka": {"split": True}, "kai": {"split": True}, "kar": {"file": "kar.json", "rows": 800},
                            "kais": {"file": "kais.json", "rows": 60}})
    queries = ["Kaiserstraße", "Ka", "Kai", "Kai 57", "Karlsruhe", "Kaz", "Karlsruhe Kaiserstraße", "Ka Kai"]
    picks = [{"key": "kais", "rows": 60, "file": "kais.json"}, None, None, {"key": "57", "rows": 40, "file": "57.json"},
             {"key": "kar", "rows": 800, "file": "kar.json"}, {"key": "kaz", "rows": 0, "file": None},
             {"key": "kais", "rows": 60, "file": "kais.json"}, None]
    assert _pick(index, queries) == picks == [pick_shard(index, words(q)) for q in queries]
    # "karlsruhe" and "7" too broad (no shard): ignored beside another word, alone nothing; a longer word no one's
    index["shards"].update({k: {"split": True} for k in ("kar", "karl", "karls", "karlsr", "karlsru", "karlsruh")})
    index["shards"]["karlst"] = {"file": "karlst.json", "rows": 70}
    del index["shards"]["7"]
    index["broad"] = ["7", "karlsruhe"]
    queries = ["Karlsruhe", "Karlsruhe Kaiserstraße", "Karlsruhe 7", "Karlsruher", "Karl", "Karlstraße 7", "7 a", "7"]
    picks = [None, {"key": "kais", "rows": 60, "file": "kais.json"}, None,
             {"key": "karlsruhe", "rows": 0, "file": None}, None, {"key": "karlst", "rows": 70, "file": "karlst.json"},
             {"key": "a", "rows": 5, "file": "a.json"}, None]
    assert _pick(index, queries) == picks == [pick_shard(index, words(q)) for q in queries]


def pick_shard(index: dict, tokens: list[str]) -> dict | None:
    """The shard the page loads for a query's words (viewer.js shardOf, pickShard), written again here."""
    long = [t for t in tokens if len(t) > 1]
    if not long and len(tokens) < 2:
        return None
    best = None
    for token in long or tokens:
        n = min(index["prefix"], len(token))
        while index["shards"].get(token[:n], {}).get("split") and len(token) > n:
            n += 1
        shard = index["shards"].get(token[:n])
        if (shard and shard.get("split")) or (token[:n] == token and token in index.get("broad", [])):
            continue
        if best is None or (shard["rows"] if shard else 0) < best["rows"]:
            best = {"key": token[:n], "rows": shard["rows"] if shard else 0, "file": shard["file"] if shard else None}
    return best


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
    """n partitions' rows files of the rows (every n-th row each)."""
    files = []
    for k in range(n):
        path = folder / f"p{k}{PART_SUFFIX}"
        write_part_table(path, rows[k::n])
        files.append(path)
    return files


def test_the_streaming_merge_is_the_whole_tables_with_bounded_memory(tmp_path):
    rows = synthetic_rows(N)
    parts = _parts(tmp_path, rows, 8)
    ids = {r[0] for r in rows}
    kept = sorted((r[:-1] for r in rows if not (r[-1] and r[-1] in ids)), key=lambda r: r[0])
    whole = write_shards(tmp_path / "whole", lambda: kept, shard_rows=LIMIT)
    tracemalloc.start()
    merged = merge_search_index(tmp_path / "merged", parts, flush_lines=20_000, shard_rows=LIMIT)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert merged == whole and merged["buildings"] == len(kept) == N - N // 50
    files = sorted(p.name for p in (tmp_path / "whole" / SEARCH_DIR).iterdir())
    assert files == sorted(p.name for p in (tmp_path / "merged" / SEARCH_DIR).iterdir())
    for name in files:
        assert (tmp_path / "whole" / SEARCH_DIR / name).read_bytes() == \
            (tmp_path / "merged" / SEARCH_DIR / name).read_bytes(), name
    _check_split(kept, tmp_path / "merged")
    # the coordinator held the part ids (sets of parents) and a batch, never the table
    table = sum(len(json.dumps(r)) for r in kept)
    print(f"coordinator peak {peak / 1e6:.1f} MB, rows {table / 1e6:.1f} MB")
    assert peak < 24e6 and peak < 2.5 * table, (peak, table)


N, LIMIT = 40_000, 3_000


def _check_split(kept: list[list], folder: Path) -> None:
    """Brute force over the rows' ASCII words: a shard lists exactly the buildings with a word starting with its
    prefix (a one-character shard: with that word), at most LIMIT unless every such word is the prefix itself; a
    split shard has more than LIMIT and a longer word; every query's shard holds all its matching buildings."""
    texts = {r[0]: re.findall(r"[a-z0-9]+", fold(" ".join(r[:3]))) for r in kept}
    index, shards = _read(folder)
    assert index["buildings"] == len(kept) and index["prefix"] == 2
    split = sorted(k for k, e in index["shards"].items() if e.get("split"))
    assert {"ka", "kar", "karlsruh", "de", "deb"} <= set(split) and {"debw", "karlsruhe"} <= set(index["broad"]), split
    assert index["broad"] == sorted(index["broad"]) and not set(index["broad"]) & set(split), index["broad"]
    assert not {"karlsruhe", "debw"} & set(index["shards"]), "a too broad word has no shard"
    assert sorted(p.name for p in (folder / SEARCH_DIR).iterdir()) == sorted(
        [e["file"] for e in index["shards"].values() if "file" in e] + ["index.json"])
    starting: dict[str, set[str]] = {k: set() for k in [*index["shards"], *index["broad"]]}   # prefix -> ids
    longer: set[str] = set()   # prefixes of a longer word
    exact: dict[str, set[str]] = {k: set() for k in index["shards"] if len(k) == 1}
    for i, ws in texts.items():
        for w in ws:
            for n in range(1, len(w) + 1):
                if w[:n] in starting:
                    starting[w[:n]].add(i)
                    longer.update([w[:n]] if n < len(w) else [])
            exact[w].add(i) if w in exact else None
    for key in split:
        assert len(starting[key]) > LIMIT and key in longer, key
    for key in index["broad"]:   # more than LIMIT buildings, all its words the key itself
        assert len(starting[key]) > LIMIT and key not in longer, key
    for key, rows in shards.items():   # every other shard whole and within the limit
        want = sorted(exact[key] if len(key) == 1 else starting[key])
        assert [r[0] for r in rows] == want and index["shards"][key]["rows"] == len(want) <= LIMIT, key
    assert max(len(r) for r in shards.values()) > LIMIT / 3
    queries = ["Kaiserstraße 57", "Karl-Friedrich-Straße", "Hölderlinstr", "Hölderlinstraße17", "Karlsruhe", "Kai",
               "DEBW_0001234", "adenauerring17 7", "7 1", "Église",
               "DEBW Karlsruhe", "Karlsruhe Kaiserstraße57"]
    for query in queries:
        pick = pick_shard(index, words(query))
        found = {i for i, ws in texts.items() if all(any(w.startswith(t) for w in ws) for t in words(query))}
        if pick is None:   # broad: the page searches the pins only
            assert query in ("Kai", "Hölderlinstr", "Église", "Karlsruhe", "DEBW Karlsruhe", "Karl-Friedrich-Straße"), query
            continue
        assert pick["rows"] <= LIMIT, (query, pick)
        listed = {r[0] for r in shards.get(pick["key"], [])}
        if query == "7 1":   # one-letter words only: the buildings with that word
            assert listed == exact[pick["key"]] and pick["rows"] < len(found), (pick, len(found))
        else:
            assert found <= listed and found, (query, pick, len(found))


def test_the_shard_keys_of_a_row_and_a_lost_row_file(tmp_path):
    assert shard_keys(["B_1", "Ölmühle", "Am Bach 2, 76133 Karlsruhe"]) == ["1", "2", "76", "am", "b", "ba", "ka",
                                                                            "ol"]
    assert shard_keys(["x", "", ""]) == ["x"] and shard_file("ol") == "ol.json" and shard_file("ös") == "_f6_73.json"
    assert write_shards(tmp_path, lambda: []) == {"file": SEARCH_FILE, "buildings": 0, "shards": 0}
    assert SHARD_ROWS == 20_000   # about 2 MB of rows: what a phone loads for one query
    assert json.loads((tmp_path / SEARCH_FILE).read_text(encoding="utf-8"))["shards"] == {}
    from geotwin.twin.tiles.search_index import ShardWriter
    writer = ShardWriter(tmp_path, flush_lines=1)
    writer.add(["B1", "", "", 8.4, 49.0, 1.0, 1.0])
    (tmp_path / SEARCH_DIR / ".rows" / "b1.json").unlink()
    with pytest.raises(FileNotFoundError, match="b1.json"):
        writer.close()

    def broken():
        yield ["B1", "", "", 8.4, 49.0, 1.0, 1.0]
        raise ValueError("a row file broken")

    with pytest.raises(ValueError, match="a row file broken"):   # the words file is removed
        write_shards(tmp_path / "broken", broken)
    assert list((tmp_path / "broken").iterdir()) == []


def index_files(folder: Path) -> dict[str, bytes]:
    """Every file of a tileset's sharded search index by name (the shard list and the shards)."""
    return {p.name: p.read_bytes() for p in sorted((Path(folder) / SEARCH_DIR).iterdir())}


def listed_ids(folder: Path) -> list[str]:
    """The ids the sharded index lists (each once, sorted), read from its shards."""
    _, shards = _read(Path(folder))
    return sorted({r[0] for rows in shards.values() for r in rows})


def _whole(folder: Path, rows: list[list], shard_rows: int = SHARD_ROWS) -> dict[str, bytes]:
    """The index of the rows (with their parent ids) written at once, as the single export writes it."""
    ids = {r[0] for r in rows}
    kept = sorted((r[:-1] for r in rows if not (r[-1] and r[-1] in ids)), key=lambda r: r[0])
    write_shards(folder, lambda: kept, shard_rows=shard_rows)
    return index_files(folder)


def test_ids_that_sort_apart_from_their_text_and_an_empty_partition(tmp_path):
    """Ids with characters below '"' (where the rows' JSON would sort apart from the ids), line breaks, tabs and
    NUL merge in id order; a part whose parent only another partition lists is left out; a partition without
    rows (its file written all the same) changes nothing, and only empty ones give an index without shards."""
    ids = ["a", "a!", "a b", "a\n1", "a\t", "a\r", "a\x00", "a\x0f", "a\x10", "a#", "ab", "A", "ä", "a\u2028x",
           "a\x1c", "a\x85"]
    rows = [[fid, "Name", "Weg 1", 8.4, 49.0, 1.0, 1.0, "a" if fid == "ab" else ""] for fid in ids]
    assert sorted(ids, key=sort_key) == sorted(ids) and sort_key("a\x00") == "a\x01 "
    parts = [tmp_path / f"p{k}{PART_SUFFIX}" for k in range(4)]
    assert [write_part_table(p, rows[k::3] if k < 3 else []) for k, p in enumerate(parts)] == [6, 5, 5, 0]
    assert json.loads(parts[1].read_bytes().splitlines()[0])["pending"] > 0   # "ab" of "a", in another file
    expected = _whole(tmp_path / "whole", rows)
    assert merge_search_index(tmp_path / "merged", parts) == {"file": SEARCH_FILE, "buildings": len(ids) - 1,
                                                              "shards": len(expected) - 1}
    assert index_files(tmp_path / "merged") == expected
    assert [r[0] for r in _read(tmp_path / "merged")[1]["we"]] == sorted(set(ids) - {"ab"})
    assert merge_search_index(tmp_path / "empty", parts[3:]) == {"file": SEARCH_FILE, "buildings": 0, "shards": 0}
    assert json.loads((tmp_path / "empty" / SEARCH_FILE).read_text(encoding="utf-8"))["shards"] == {}


def test_a_missing_or_broken_rows_file_is_named(tmp_path):
    """The root names a partition's rows file that is missing, of the earlier format (JSON lines), cut short or
    grown, or without a header; the other files are not the reason."""
    rows = [[f"B{i}", "", f"Weg {i}", 8.4, 49.0, 1.0, 1.0, ""] for i in range(20)]
    good, bad = tmp_path / f"good{PART_SUFFIX}", tmp_path / f"bad{PART_SUFFIX}"
    write_part_table(good, rows[:10])
    with pytest.raises(GeoTwinError, match=rf"{re.escape(str(bad))}: no search index rows \(No such file"):
        merge_search_index(tmp_path / "out", [good, bad])
    whole = _parts(tmp_path, rows, 1)[0].read_bytes()
    cases = {"earlier format": "".join(json.dumps(r) + "\n" for r in rows[10:]).encode(),
             "cut short": whole[:-3], "grown": whole + b"x\n", "no header": b"", "header only": whole[:40],
             "other format": whole.replace(b'"format":2', b'"format":3', 1)}
    for case, data in cases.items():
        bad.write_bytes(data)
        with pytest.raises(GeoTwinError, match=rf"{re.escape(str(bad))}: not a whole search index rows file of "
                                               rf"format 2: export its partition again"):
            merge_search_index(tmp_path / "out", [good, bad])
        assert not (tmp_path / "out" / SEARCH_DIR).exists(), case


def test_a_part_left_out_by_the_root_is_not_counted_in_the_plan(tmp_path):
    """The partitions count a part whose parent is in another partition; the root takes it out of the plan (limit 3
    buildings a shard): 3 buildings on "Kaiserallee" and the part would be 4, split; 4 buildings whose only "ka"
    word is "Ka" itself, too broad, would be split by the part's "Kaiserallee"."""
    for case, address, n in (("split with the part", "Kaiserallee", 3), ("broad without the part", "Ka", 4)):
        rows = [[f"X{i}", "", address, 8.4, 49.0, 1.0, 1.0, ""] for i in range(n)]
        rows += [["X9", "", "Kaiserallee", 8.4, 49.0, 1.0, 1.0, "X0"]]
        parts = [tmp_path / case / f"p{k}{PART_SUFFIX}" for k in range(2)]
        write_part_table(parts[0], rows[:2])
        write_part_table(parts[1], rows[2:])
        expected = _whole(tmp_path / case / "whole", rows, shard_rows=3)
        index = json.loads(expected["index.json"])
        if address == "Ka":
            assert index["broad"] == ["ka"] and "ka" not in index["shards"], index
        else:
            assert index["broad"] == [] and index["shards"]["ka"] == {"file": "ka.json", "rows": 3}, index
        assert merge_search_index(tmp_path / case / "merged", parts, shard_rows=3)["buildings"] == n
        assert index_files(tmp_path / case / "merged") == expected, case
