"""The web map's search index (QGIS-free): every building's id, name, address and position, written beside the
tileset in ``search/`` so that the viewer finds a building by what the user types, offline and without a
server. Islands and sensors need no index: the viewer searches its GeoJSON layers.

The index is sharded so that the browser loads only a small part of it at state scale: every word of a
building's id, name and address is folded as the viewer folds it (``fold``, ``words``: lower case, ß as ss,
accents dropped, split at anything but letters and digits), and the building is listed in the shard of each
word's first ``SHARD_PREFIX`` characters (a one-character word in a one-character shard), once per shard. A
shard that would list more than ``SHARD_ROWS`` buildings is split by its words' next character, again and again
(``plan_splits``); a word that is exactly a split shard's prefix is not listed (a query word equal to it is too
broad: the viewer looks elsewhere). A shard still too full whose words are all one word (a city's name, an id
prefix shared by all) is not written at all: the word is listed as too broad, and the viewer searches by the
query's other words (or only the pins, asking for more). ``search/index.json`` lists the shards (prefix, file,
row count; a split one as ``{"split": true}``), the too broad words (``"broad"``) and the columns; each shard
``search/<prefix>.json`` is one table (``columns`` and ``rows``) sorted by id: ``id``, ``name``, ``address``
("Kaiserstraße 57, 76133 Karlsruhe"), ``lon``/``lat`` (degrees, WGS 84), ``height`` (ellipsoidal, m: the centre
of the building's box) and ``radius`` (m: half its box's diagonal), where the viewer flies to. A query's word of
two or more characters is found in its prefix's shard (descending into split shards), which holds every building
with a word starting so; the viewer loads the smallest shard of the query's words and filters it with all of them.
A building part is listed only when its building has no geometry of its own (else the building stands for it).
The single export (``export_3dtiles``) writes the shards with the viewer. The partitioned export writes them too,
streaming: each partition writes its buildings' rows (``part_rows``, with each part's parent) into ``PARTS_DIR``
already folded (``write_part_table``: each row's JSON with its words' shard prefixes, in id order, and the
partition's buildings per word prefix of every length), and the root, reading each file once
(``merge_search_index``), sums the prefix counts to plan the split shards, leaves out the parts whose building
another partition lists, and merges the rows in id order into per-shard row files in bounded batches: the same
files, byte for byte.
"""
from __future__ import annotations

import heapq
import io
import json
import os
import re
import shutil
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from contextlib import ExitStack
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer

from ..kernel.errors import GeoTwinError
from .frame import EnuFrame

SEARCH_DIR = "search"
SEARCH_INDEX = "index.json"
SEARCH_FILE = f"{SEARCH_DIR}/{SEARCH_INDEX}"   # the viewer's entry: the shard list
SEARCH_VERSION = 2
SEARCH_COLUMNS = ("id", "name", "address", "lon", "lat", "height", "radius")
SHARD_PREFIX = 2              # a shard: the buildings with a word starting with these many folded characters
SHARD_ROWS = 20_000           # a fuller shard is split by its next characters (unless all its words are one)
FLUSH_LINES = 50_000          # shard rows held before they are appended to their shards' row files
PARTS_DIR = ".search-parts"   # the partitioned export's rows per partition (kept for the next export's reuse)
PART_FORMAT = 2               # of a partition's rows file (``write_part_table``)
PART_SUFFIX = f".part{PART_FORMAT}"   # its name's end (an earlier format's file is not taken for one)
_PLAN_LINES = 4_096           # distinct word lines held while a planning pass merges equal ones
_MEMO_WORDS = 4_096           # words whose shard the merge remembers (then forgets all)
_ROWS_DIR = ".rows"           # the shards' row files while the index is written (in SEARCH_DIR, removed after)
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_MARKS = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """Fold a text as the web map's search does (viewer.js ``fold``): lower case, ß as ss, then the combining
    marks U+0300..U+036F of its canonical decomposition (NFD) dropped.

    Args:
        text: any text.

    Returns:
        The folded text.

    Example:
        >>> fold("Erbprinzenstraße"), fold("Ölmühle"), fold("Café")
        ('erbprinzenstrasse', 'olmuhle', 'cafe')
    """
    return _MARKS.sub("", unicodedata.normalize("NFD", str(text).lower().replace("ß", "ss")))


def words(text: str) -> list[str]:
    """The folded words of a text as the web map's search splits them (viewer.js ``words``): runs of letters and
    digits (Unicode categories L* and N*).

    Args:
        text: any text.

    Returns:
        The words in order, none empty.

    Example:
        >>> words("Karl-Friedrich-Straße 7a, 76133 Karlsruhe"), words(" - ")
        (['karl', 'friedrich', 'strasse', '7a', '76133', 'karlsruhe'], [])
    """
    folded = fold(text)
    if folded.isascii():
        return _ASCII_WORD.findall(folded)
    out: list[str] = []
    word: list[str] = []
    for char in folded:
        if unicodedata.category(char)[0] in "LN":
            word.append(char)
        elif word:
            out.append("".join(word))
            word = []
    return out + ["".join(word)] if word else out


def shard_key(word: str, splits: Set[str] = frozenset()) -> str:
    """The shard of a folded word: its first ``SHARD_PREFIX`` characters (all of a shorter word), one more
    character for each split shard it starts with.

    Args:
        word: a folded word (``words``).
        splits: the split shards.

    Returns:
        The prefix; a split shard itself when the word is exactly that prefix (then it is not listed there).

    Example:
        >>> shard_key("kaiserstrasse"), shard_key("kaiserstrasse", {"ka", "kai"}), shard_key("ka", {"ka"})
        ('ka', 'kais', 'ka')
    """
    n = min(SHARD_PREFIX, len(word))
    while len(word) > n and word[:n] in splits:
        n += 1
    return word[:n]


def shard_keys(row: Sequence[Any], splits: Set[str] = frozenset(), broad: Set[str] = frozenset()) -> list[str]:
    """The shards (prefixes) that list an index row: ``shard_key`` of each word of its id, name and address
    (a word that is exactly a split shard's prefix, or a too broad word, left out), sorted, each once.

    Args:
        row: an index row (``SEARCH_COLUMNS``).
        splits: the split shards.
        broad: the too broad words (``plan_splits``).

    Returns:
        The row's shard prefixes.

    Example:
        >>> shard_keys(["B_1", "Ölmühle", "Am Bach 2, 76133 Karlsruhe"])
        ['1', '2', '76', 'am', 'b', 'ba', 'ka', 'ol']
        >>> shard_keys(["B_1", "", "Am Bach 2, 76133 Karlsruhe"], {"ka", "kar", "am"}, {"karl"})
        ['1', '2', '76', 'b', 'ba']
    """
    keys = {shard_key(w, splits) for w in words(f"{row[0]} {row[1]} {row[2]}")}
    return sorted(keys - set(splits) - set(broad))


def plan_splits(words_file: Path, shard_rows: int = SHARD_ROWS) -> tuple[frozenset[str], frozenset[str]]:
    """The shards to split so that no shard lists more than ``shard_rows`` buildings, and the too broad words:
    a fuller shard whose words are all one word (a city's name) is not written at all. One pass over the
    buildings' words per prefix length; each pass after the first reads only the words under the shards the
    pass before split (written by that pass to a scratch file beside ``words_file``, removed after).

    Args:
        words_file: each building's folded words, one line each, separated by spaces.
        shard_rows: the most buildings a shard lists.

    Returns:
        The split prefixes and the too broad words.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "words"
        >>> _ = path.write_text("b1 kai 1 ab\\nb2 kai 2 ab\\nb3 kar 3 ab\\n", encoding="utf-8")
        >>> [sorted(s) for s in plan_splits(path, 2)], [sorted(s) for s in plan_splits(path, 3)]
        ([['ka'], ['ab']], [[], []])
    """
    splits: set[str] = set()
    broad: set[str] = set()
    grown: set[str] | None = None   # the shards split by the last pass; None: the first pass counts every word
    scratch = [words_file.with_name(f"{words_file.name}.{k}") for k in (0, 1)]
    source, passes = words_file, 0
    try:
        while True:
            target = scratch[passes % 2] if grown is not None else None
            counts, longer = _count_pass(source, source != words_file, grown, target)
            full = {key for key, n in counts.items() if n > shard_rows}
            broad |= full - longer
            grown = full & longer
            if not grown:
                return frozenset(splits), frozenset(broad)
            splits |= grown
            if target is not None:
                source, passes = target, passes + 1
    finally:
        for path in scratch:
            path.unlink(missing_ok=True)


def _count_pass(source: Path, weighted: bool, grown: set[str] | None,
                target: Path | None) -> tuple[Counter[str], set[str]]:
    """One planning pass: the buildings per shard of the words in ``source`` (``weighted``: lines of a building
    count and their words), and the shards with a longer word. The first pass counts every word's first
    ``SHARD_PREFIX`` characters; the later ones only the words longer than a shard of ``grown`` (split by the pass
    before: its children are the word's next character), written to ``target``, equal lines merged (up to
    ``_PLAN_LINES`` held)."""
    counts: Counter[str] = Counter()
    longer: set[str] = set()
    lengths = sorted({len(k) for k in grown}) if grown is not None else []
    held: Counter[str] = Counter()
    with open(source, encoding="utf-8") as lines, \
            open(target if target is not None else os.devnull, "w", encoding="utf-8") as out:
        for line in lines:
            found = line.split()
            weight = int(found.pop(0)) if weighted else 1
            if grown is None:
                keys = {w[:SHARD_PREFIX] for w in found}
                longer.update(w[:SHARD_PREFIX] for w in found if len(w) > SHARD_PREFIX)
            else:
                found = sorted({w for w in found if _under(w, grown, lengths)})
                if not found:
                    continue
                held[" ".join(found)] += weight
                if len(held) >= _PLAN_LINES:
                    out.write("".join(f"{n} {text}\n" for text, n in held.items()))
                    held.clear()
                keys = set()
                for word in found:
                    n = _under(word, grown, lengths) + 1
                    keys.add(word[:n])
                    if len(word) > n:
                        longer.add(word[:n])
            for key in keys:
                counts[key] += weight
        out.write("".join(f"{n} {text}\n" for text, n in held.items()))
    return counts, longer


def _under(word: str, keys: set[str], lengths: list[int]) -> int:
    """The length of the key of ``keys`` (of the given lengths) that ``word`` is longer than and starts with, 0 if
    none."""
    for n in lengths:
        if len(word) > n and word[:n] in keys:
            return n
    return 0


def shard_file(prefix: str) -> str:
    """A shard's file name in ``SEARCH_DIR``: the prefix when it is ASCII letters and digits, else its code
    points in hexadecimal (file systems that ignore case or know no Unicode keep them apart).

    Args:
        prefix: a shard prefix (folded).

    Returns:
        The file name.

    Example:
        >>> shard_file("ka"), shard_file("σα")
        ('ka.json', '_3c3_3b1.json')
    """
    if _ASCII_WORD.fullmatch(prefix):
        return f"{prefix}.json"
    return "".join(f"_{ord(c):x}" for c in prefix) + ".json"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ShardWriter:
    """Writes ``folder/search/``: rows added in id order are appended to their shards' row files (``shard_keys``
    with the split shards ``splits`` and the too broad words ``broad``) in batches of at most ``FLUSH_LINES`` lines
    (memory bounded by the batch and the shard count), then each shard is written from its row file and the shard
    list last (a split shard listed as ``{"split": true}``, without a file; the too broad words as ``"broad"``).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> writer = ShardWriter(folder)
        >>> writer.add(["B1", "Rathaus", "Marktplatz 1", 8.4, 49.0, 150.0, 12.0])
        >>> writer.close()
        {'file': 'search/index.json', 'buildings': 1, 'shards': 4}
        >>> sorted(json.loads((folder / SEARCH_FILE).read_text(encoding="utf-8"))["shards"])
        ['1', 'b1', 'ma', 'ra']
    """

    def __init__(self, folder: Path, flush_lines: int = FLUSH_LINES, splits: Set[str] = frozenset(),
                 broad: Set[str] = frozenset()) -> None:
        self.folder = Path(folder) / SEARCH_DIR
        self.splits = frozenset(splits)
        self.broad = frozenset(broad)
        self.skip = self.splits | self.broad
        shutil.rmtree(self.folder, ignore_errors=True)
        (self.folder / _ROWS_DIR).mkdir(parents=True)
        self.flush_lines = flush_lines
        self.counts: dict[str, int] = {}
        self.pending: dict[str, list[str]] = {}
        self.held = 0
        self.buildings = 0

    def add(self, row: Sequence[Any], found: Sequence[str] | None = None) -> None:
        """List one row (``SEARCH_COLUMNS``; rows come in id order) in the shard of each of its words (``found``:
        its words when known)."""
        keys = shard_keys(row, self.splits, self.broad) if found is None else \
            sorted({shard_key(w, self.splits) for w in found} - self.skip)
        self.add_line(_dumps(list(row)), keys)

    def add_line(self, line: str, keys: Sequence[str]) -> None:
        """List one row, already JSON (``line``), in the shards ``keys`` (rows come in id order)."""
        pending = self.pending
        for key in keys:
            lines = pending.get(key)
            if lines is None:
                pending[key] = [line]
            else:
                lines.append(line)
        self.held += len(keys)
        self.buildings += 1
        if self.held >= self.flush_lines:
            self._flush()

    def _flush(self) -> None:
        for key in sorted(self.pending):
            lines = self.pending[key]
            self.counts[key] = self.counts.get(key, 0) + len(lines)
            with open(self.folder / _ROWS_DIR / shard_file(key), "a", encoding="utf-8", newline="\n") as out:
                out.write("\n".join(lines) + "\n")
        self.pending, self.held = {}, 0

    def close(self) -> dict[str, Any]:
        """Write the shards and ``index.json``; the report's entry (file, buildings, shards)."""
        self._flush()
        head = _dumps({"version": SEARCH_VERSION, "columns": list(SEARCH_COLUMNS)})[:-1] + ',"rows":['
        for key in sorted(self.counts):
            rows = self.folder / _ROWS_DIR / shard_file(key)
            with open(self.folder / shard_file(key), "w", encoding="utf-8", newline="\n") as out, \
                    open(rows, encoding="utf-8", newline="\n") as lines:
                out.write(head)
                last = ""   # the rows' lines joined by commas: each line break but the last one a comma
                for chunk in iter(lambda: lines.read(1 << 20), ""):
                    out.write(last)
                    last = chunk.replace("\n", ",")
                out.write(last[:-1] + "]}")
        shutil.rmtree(self.folder / _ROWS_DIR)
        shards: dict[str, dict[str, Any]] = {key: {"split": True} for key in self.splits}
        shards.update({key: {"file": shard_file(key), "rows": self.counts[key]} for key in self.counts})
        index = {"version": SEARCH_VERSION, "columns": list(SEARCH_COLUMNS), "prefix": SHARD_PREFIX,
                 "buildings": self.buildings, "shards": dict(sorted(shards.items())), "broad": sorted(self.broad)}
        (self.folder / SEARCH_INDEX).write_text(_dumps(index), encoding="utf-8")
        return {"file": SEARCH_FILE, "buildings": self.buildings, "shards": len(self.counts)}


def write_shards(folder: Path, rows: Callable[[], Iterable[Sequence[Any]]], flush_lines: int = FLUSH_LINES,
                 shard_rows: int = SHARD_ROWS) -> dict[str, Any]:
    """Write the sharded index ``folder/search/`` of the rows ``rows()`` makes (``SEARCH_COLUMNS``, in id order):
    their words written to a file once, the split shards and too broad words planned from it (``plan_splits``),
    then the rows written by a ``ShardWriter``.

    Args:
        folder: the tileset folder.
        rows: makes an iterator over the index rows, sorted by id (called twice).
        flush_lines: the shard rows held in memory at most.
        shard_rows: the most buildings a shard lists (a fuller one whose words are all one word is not written).

    Returns:
        ``{"file": "search/index.json", "buildings": n, "shards": k}`` for the export report.

    Example:
        >>> import tempfile
        >>> write_shards(Path(tempfile.mkdtemp()), lambda: [["B1", "", "", 8.4, 49.0, 1.0, 1.0]])
        {'file': 'search/index.json', 'buildings': 1, 'shards': 1}
    """
    Path(folder).mkdir(parents=True, exist_ok=True)
    words_file = Path(folder) / f".{SEARCH_DIR}-words"   # each row's words, one line each, for the passes

    def word_lists() -> Iterator[list[str]]:
        with open(words_file, encoding="utf-8") as lines:
            for line in lines:
                yield line[:-1].split(" ") if line != "\n" else []

    try:
        with open(words_file, "w", encoding="utf-8") as out:
            for row in rows():
                out.write(" ".join(words(f"{row[0]} {row[1]} {row[2]}")) + "\n")
        writer = ShardWriter(folder, flush_lines, *plan_splits(words_file, shard_rows))
        for row, found in zip(rows(), word_lists()):
            writer.add(row, found)
    finally:
        words_file.unlink(missing_ok=True)
    return writer.close()


def _text(value: Any) -> str:
    """A stored value as text: None, NaN and blanks become ''."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def address_text(row: dict[str, Any]) -> str:
    """A building's address as one line: street and house number, postal code and city.

    Args:
        row: the building's attributes (``street``, ``house_number``, ``postal_code``, ``city``; any may be missing).

    Returns:
        The address, '' without any part.

    Example:
        >>> address_text({"street": "Kaiserstraße", "house_number": "57", "postal_code": "76133", "city": "Karlsruhe"})
        'Kaiserstraße 57, 76133 Karlsruhe'
        >>> address_text({"street": None, "city": "Karlsruhe"}), address_text({})
        ('Karlsruhe', '')
    """
    street = " ".join(p for p in (_text(row.get("street")), _text(row.get("house_number"))) if p)
    town = " ".join(p for p in (_text(row.get("postal_code")), _text(row.get("city"))) if p)
    return ", ".join(p for p in (street, town) if p)


def part_rows(rows: Sequence[dict[str, Any]], lo: NDArray[Any], hi: NDArray[Any],
              frame: EnuFrame) -> list[list[Any]]:
    """The index's rows (``SEARCH_COLUMNS``) of the buildings ``rows``, every part kept, each row followed by
    the building's ``parent_id`` ('' without): what ``search_rows`` filters, in the given order.

    Args:
        rows: the buildings' attributes, in the order of ``lo`` and ``hi``.
        lo: (N, 3) the boxes' lower corners in ``frame``.
        hi: (N, 3) their upper corners.
        frame: the export's ENU frame.

    Returns:
        One row per building with an id (a repeated id once).

    Example:
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))
        >>> rows = [{"id": "B1", "name": "Rathaus"}, {"id": "B1_p", "parent_id": "B1"}]
        >>> [r[:2] + r[-2:] for r in part_rows(rows, np.zeros((2, 3)), np.ones((2, 3)), frame)]
        [['B1', 'Rathaus', 0.9, ''], ['B1_p', '', 0.9, 'B1']]
    """
    centres = frame.to_ecef((np.asarray(lo, np.float64) + np.asarray(hi, np.float64)) / 2)
    lon, lat, h = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(
        centres[:, 0], centres[:, 1], centres[:, 2])
    radius = np.linalg.norm(np.asarray(hi, np.float64) - np.asarray(lo, np.float64), axis=1) / 2
    out: list[list[Any]] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        fid = _text(row.get("id"))
        if not fid or fid in seen:
            continue
        seen.add(fid)
        out.append([fid, _text(row.get("name")), address_text(row), round(float(lon[i]), 7),
                    round(float(lat[i]), 7), round(float(h[i]), 2), round(float(radius[i]), 1),
                    _text(row.get("parent_id"))])
    return out


def search_rows(rows: Sequence[dict[str, Any]], lo: NDArray[Any], hi: NDArray[Any], frame: EnuFrame) -> list[list[Any]]:
    """The index's rows (``SEARCH_COLUMNS``) of the buildings ``rows`` with their ENU boxes ``lo``..``hi``.

    Args:
        rows: the buildings' attributes, in the order of ``lo`` and ``hi``.
        lo: (N, 3) the boxes' lower corners in ``frame``.
        hi: (N, 3) their upper corners.
        frame: the export's ENU frame.

    Returns:
        One row per building with an id (parts of a building that has geometry left out), in the given order.

    Example:
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))        # Karlsruhe
        >>> rows = [{"id": "B1", "name": "Rathaus", "street": "Marktplatz", "house_number": "1"},
        ...         {"id": "B1_p", "parent_id": "B1"}, {"id": "B2", "parent_id": "gone"}]
        >>> lo = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [30.0, 40.0, 0.0]])
        >>> hi = np.array([[20.0, 10.0, 20.0], [5.0, 5.0, 5.0], [36.0, 48.0, 0.0]])
        >>> [r[:3] + [r[6]] for r in search_rows(rows, lo, hi, frame)]
        [['B1', 'Rathaus', 'Marktplatz 1', 15.0], ['B2', '', '', 5.0]]
    """
    ids = {_text(r.get("id")) for r in rows}
    return [r[:-1] for r in part_rows(rows, lo, hi, frame) if not (r[-1] and r[-1] in ids)]


def sort_key(fid: str) -> str:
    """An id as text that sorts as the id does when a line starts with it and ``\\x00`` ends it: each character
    below U+0010 (line breaks, tabs) written as U+0001 and one printable character, so no line break, tab or
    ``\\x00`` is left in it.

    Args:
        fid: a building's id.

    Returns:
        The sort key.

    Example:
        >>> sorted(["a", "a!", "a\\n"], key=sort_key) == sorted(["a", "a!", "a\\n"])
        True
        >>> sort_key("B\\n1")
        'B\\x01*1'
    """
    if fid.isprintable():
        return fid
    return "".join(f"\x01{chr(0x20 + ord(c))}" if c < "\x10" else c for c in fid)


def _tally(found: Sequence[str], n: int, count: Counter[str], whole: Counter[str]) -> None:
    """Add ``n`` buildings whose words of one shard prefix (``w[:SHARD_PREFIX]``) are ``found`` to the counts of
    every prefix a planning pass counts (``plan_splits``: the first ``SHARD_PREFIX`` characters, then each longer
    one), and to ``whole`` of the prefixes that are their only word starting so (the rest have a longer one)."""
    if len(found) == 1:   # most: no prefix shared by two words
        word = found[0]
        for k in range(SHARD_PREFIX, len(word)):
            count[word[:k]] += n
        count[word] += n
        whole[word] += n
        return
    keys = set(found)
    longs = {word[:k] for word in found for k in range(SHARD_PREFIX, len(word))}
    for key in keys | longs:
        count[key] += n
    for key in keys - longs:
        whole[key] += n


def _grouped(found: Sequence[str]) -> list[tuple[str, ...]]:
    """The sorted words ``found`` grouped by their first ``SHARD_PREFIX`` characters."""
    groups: dict[str, list[str]] = {}
    for word in found:
        groups.setdefault(word[:SHARD_PREFIX], []).append(word)
    return [tuple(g) for g in groups.values()]


def write_part_table(path: Path, table: Iterable[Sequence[Any]]) -> int:
    """Write one partition's rows (``part_rows``: each row followed by its building's parent id) to ``path``
    as the root merges them (``merge_search_index``), reading it once: a header line (JSON: the format, the byte
    size of each section), then the sections. ``pending``: a row whose parent is in another partition (or in
    none; a row whose parent is here is left out): ``sort key \\x00 parent's sort key \\x00 words``. ``ids``: the
    sort key of every row (``sort_key``), which the pending rows of other partitions look up. ``levels``: per
    prefix length from ``SHARD_PREFIX`` on, one line ``prefix:buildings:with a longer word`` (space separated,
    sorted) that the root sums to plan the split shards. ``rows``: one line per listed row in id order,
    ``sort key \\x00 its words' shard prefixes \\x00 its words longer than those \\x00 the shard row (JSON)``.

    Args:
        path: the file (its folder is created).
        table: the rows (``SEARCH_COLUMNS`` and the parent id), any order, each id once.

    Returns:
        The number of rows.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / PARTS_DIR / f"0-0-0{PART_SUFFIX}"
        >>> row = ["", "", 8.4, 49.0, 1.0, 1.0]
        >>> write_part_table(path, [["B2", *row, ""], ["B1_p", *row, "B1"]])
        2
        >>> path.read_text(encoding="utf-8").splitlines()[1]
        'B1_p\\x00B1\\x00b1 p'
    """
    keyed = [(sort_key(str(r[0])), r) for r in table]
    keyed.sort(key=itemgetter(0))
    local = {str(r[0]) for _, r in keyed}
    pending: list[str] = []
    rows: list[str] = []
    singles: Counter[str] = Counter()   # a word alone under its prefix in a row: the rows
    tally: Counter[tuple[str, ...]] = Counter()   # the words under one prefix of a row: the rows
    for key, row in keyed:
        parent = str(row[-1])
        if parent and parent in local:
            continue   # its building stands for it (as the root would decide)
        found = sorted(set(words(f"{row[0]} {row[1]} {row[2]}")))
        groups = dict.fromkeys([w[:SHARD_PREFIX] for w in found])   # sorted, as the words are
        if len(groups) == len(found):
            singles.update(found)
        else:
            tally.update(_grouped(found))
        long = " ".join([w for w in found if len(w) > SHARD_PREFIX])
        rows.append(f"{key}\x00{' '.join(groups)}\x00{long}\x00{_dumps(list(row[:-1]))}\n")
        if parent:
            pending.append(f"{key}\x00{sort_key(parent)}\x00{' '.join(found)}\n")
    count: Counter[str] = Counter()
    whole: Counter[str] = Counter()
    for word, n in singles.items():
        _tally((word,), n, count, whole)
    for found_words, n in tally.items():
        _tally(found_words, n, count, whole)
    levels: dict[int, list[str]] = {}
    for prefix, n in sorted(count.items()):   # n: buildings with a word starting so; the last: with a longer one
        levels.setdefault(max(SHARD_PREFIX, len(prefix)), []).append(f"{prefix}:{n}:{n - whole[prefix]}")
    sections = ["".join(pending), "".join(f"{k}\n" for k, _ in keyed)]
    sections += [" ".join(levels.get(k, [])) + "\n" for k in range(SHARD_PREFIX, max(levels, default=1) + 1)]
    blobs = [s.encode("utf-8") for s in [*sections, "".join(rows)]]
    head = {"format": PART_FORMAT, "rows": len(rows), "pending": len(blobs[0]), "ids": len(blobs[1]),
            "levels": [len(b) for b in blobs[2:-1]], "bytes": len(blobs[-1])}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        out.write((_dumps(head) + "\n").encode("utf-8"))
        for blob in blobs:
            out.write(blob)
    return len(keyed)


def write_part_rows(path: Path, rows: Sequence[dict[str, Any]], lo: NDArray[Any], hi: NDArray[Any],
                    frame: EnuFrame) -> int:
    """Write one partition's ``part_rows`` to ``path`` for the root's merge (``write_part_table``).

    Args:
        path: the file (its folder is created).
        rows: the partition's buildings' attributes, in the order of ``lo`` and ``hi``.
        lo: (N, 3) their ENU boxes' lower corners.
        hi: (N, 3) their upper corners.
        frame: the export's ENU frame.

    Returns:
        The number of rows written.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / PARTS_DIR / f"0-0-0{PART_SUFFIX}"
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))
        >>> write_part_rows(path, [{"id": "B2"}, {"id": "B1"}], np.zeros((2, 3)), np.ones((2, 3)), frame)
        2
        >>> [line.split("\\x00")[0] for line in path.read_text(encoding="utf-8").splitlines()[-2:]]
        ['B1', 'B2']
    """
    return write_part_table(path, part_rows(rows, lo, hi, frame))


class _Part:
    """One partition's file (``write_part_table``) read once, section by section."""

    def __init__(self, path: Path, stack: ExitStack) -> None:
        self.path = path
        try:
            self.file = stack.enter_context(open(path, "rb"))
        except OSError as err:
            raise GeoTwinError(f"{path}: no search index rows ({err.strerror}): export its partition again") from err
        try:
            head = json.loads(self.file.readline(1 << 16))
            ok = head["format"] == PART_FORMAT and os.fstat(self.file.fileno()).st_size == self.file.tell() + \
                head["pending"] + head["ids"] + sum(head["levels"]) + head["bytes"]
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise GeoTwinError(f"{path}: not a whole search index rows file of format {PART_FORMAT}: "
                               "export its partition again")
        self.head = head
        self.level = SHARD_PREFIX   # the next level line

    def lines(self, name: str) -> list[str]:
        """The lines of the section ``name`` (pending or ids)."""
        return self.file.read(self.head[name]).decode("utf-8").split("\n")[:-1]

    def skip(self, name: str) -> None:
        self.file.seek(self.head[name], os.SEEK_CUR)

    def entries(self) -> list[str]:
        """The next level's prefix counts (sorted ``prefix:buildings:longer``), the first ``SHARD_PREFIX``."""
        sizes = self.head["levels"]
        index = self.level - SHARD_PREFIX
        self.level += 1
        if index >= len(sizes):
            return []
        text = self.file.read(sizes[index]).decode("utf-8").rstrip("\n")
        return text.split(" ") if text else []

    def rows(self) -> Iterator[str]:
        """The rows section's lines (after the levels not read)."""
        self.file.seek(sum(self.head["levels"][self.level - SHARD_PREFIX:]), os.SEEK_CUR)
        self.level = SHARD_PREFIX + len(self.head["levels"])
        yield from io.TextIOWrapper(self.file, encoding="utf-8", newline="\n")


def _dropped(parts: Sequence[_Part]) -> dict[str, list[str]]:
    """The pending rows whose parent some partition lists (their building stands for them): sort key -> words."""
    pending = [line for p in parts for line in p.lines("pending")]   # one text each
    wanted = {line.split("\x00", 2)[1] for line in pending}
    present: set[str] = set()
    for part in parts:
        if wanted:
            present |= wanted.intersection(part.lines("ids"))
        else:
            part.skip("ids")
    dropped: dict[str, list[str]] = {}
    for line in pending:
        key, parent, found = line.split("\x00")
        if parent in present:
            dropped[key] = found.split(" ") if found else []
    return dropped


def _plan_parts(parts: Sequence[_Part], dropped: Iterable[list[str]],
                shard_rows: int) -> tuple[frozenset[str], frozenset[str]]:
    """``plan_splits`` from the partitions' prefix counts (less those of the dropped rows): the first level summed
    whole, each later one only under the prefixes split by the level before."""
    minus: Counter[str] = Counter()
    minus_whole: Counter[str] = Counter()
    for found in dropped:
        for group in _grouped(found):
            _tally(group, 1, minus, minus_whole)
    splits: set[str] = set()
    broad: set[str] = set()
    grown: list[str] | None = None
    while grown is None or grown:
        count: Counter[str] = Counter()
        longer: Counter[str] = Counter()
        for part in parts:
            entries = part.entries()
            if grown is not None:
                entries = [e for q in grown
                           for e in entries[bisect_left(entries, q):bisect_left(entries, q + "\U0010ffff")]]
            for entry in entries:
                prefix, n, m = entry.rsplit(":", 2)
                count[prefix] += int(n)
                longer[prefix] += int(m)
        full = {k for k, n in count.items() if n - minus[k] > shard_rows}
        broad |= {k for k in full if longer[k] - (minus[k] - minus_whole[k]) <= 0}
        grown = sorted(full - broad)
        splits.update(grown)
    return frozenset(splits), frozenset(broad)


def merge_search_index(folder: Path, parts: Sequence[Path], flush_lines: int = FLUSH_LINES,
                       shard_rows: int = SHARD_ROWS) -> dict[str, Any]:
    """Write the sharded index ``folder/search/`` from the partitions' files (``write_part_table``), each read
    once, streaming: the pending rows whose parent another partition lists left out, the split shards and too
    broad words planned from the partitions' prefix counts (``plan_splits``' result), then the rows merged in id
    order (as the single export lists them) and appended to their shards in bounded batches (``ShardWriter``);
    the same bytes as ``write_search_index`` of all buildings at once.

    Args:
        folder: the tileset folder.
        parts: the partitions' files (an id in one file only).
        flush_lines: the shard rows held in memory at most.
        shard_rows: the most buildings a shard lists (a fuller one whose words are all one word is not written).

    Returns:
        ``{"file": "search/index.json", "buildings": n, "shards": k}`` for the export report.

    Raises:
        GeoTwinError: a file is missing or not a whole rows file of this format (named by path).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))
        >>> a, b = folder / f"a{PART_SUFFIX}", folder / f"b{PART_SUFFIX}"
        >>> write_part_rows(a, [{"id": "B3"}, {"id": "B1_p", "parent_id": "B1"}], np.zeros((2, 3)),
        ...                 np.ones((2, 3)), frame)
        2
        >>> write_part_rows(b, [{"id": "B1"}, {"id": "B2_p", "parent_id": "B2"}], np.zeros((2, 3)),
        ...                 np.ones((2, 3)), frame)
        2
        >>> merge_search_index(folder, [a, b])
        {'file': 'search/index.json', 'buildings': 3, 'shards': 4}
        >>> [r[0] for r in json.loads((folder / SEARCH_DIR / "b2.json").read_text(encoding="utf-8"))["rows"]]
        ['B2_p']
    """
    with ExitStack() as stack:
        opened = [_Part(Path(p), stack) for p in parts]
        dropped = _dropped(opened)
        writer = ShardWriter(folder, flush_lines, *_plan_parts(opened, dropped.values(), shard_rows))
        splits, skip = writer.splits, writer.skip
        known: dict[str, str] = {}   # the shard of a word under a split prefix (a bounded memo)
        for row in heapq.merge(*(p.rows() for p in opened)):
            key, groups, long, line = row.split("\x00")
            if key in dropped:
                continue
            found = groups.split(" ") if groups else []
            keys = [g for g in found if g not in skip]
            if splits and not splits.isdisjoint(found):
                if len(known) > _MEMO_WORDS:
                    known.clear()
                deeper = {known.get(w) or known.setdefault(w, shard_key(w, splits))
                          for w in long.split(" ") if w[:SHARD_PREFIX] in splits}
                keys = sorted(set(keys) | (deeper - skip))
            writer.add_line(line[:-1], keys)
    return writer.close()


def write_search_index(folder: Path, rows: Sequence[dict[str, Any]], lo: NDArray[Any], hi: NDArray[Any],
                       frame: EnuFrame) -> dict[str, Any]:
    """Write ``folder/search/``, the viewer's sharded search index of the buildings (see ``search_rows``,
    ``ShardWriter``), the rows sorted by id.

    Args:
        folder: the tileset folder.
        rows: the buildings' attributes, in the order of ``lo`` and ``hi``.
        lo: (N, 3) the buildings' ENU boxes' lower corners.
        hi: (N, 3) their upper corners.
        frame: the export's ENU frame.

    Returns:
        ``{"file": "search/index.json", "buildings": n, "shards": k}`` for the export report.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))
        >>> write_search_index(folder, [{"id": "B1", "street": "Marktplatz"}], np.zeros((1, 3)), np.ones((1, 3)), frame)
        {'file': 'search/index.json', 'buildings': 1, 'shards': 2}
        >>> doc = json.loads((folder / SEARCH_DIR / "ma.json").read_text(encoding="utf-8"))
        >>> doc["columns"][:3], doc["rows"][0][:3]
        (['id', 'name', 'address'], ['B1', '', 'Marktplatz'])
    """
    table = sorted(search_rows(rows, lo, hi, frame), key=lambda r: str(r[0]))
    return write_shards(folder, lambda: table)
