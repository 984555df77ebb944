"""City model deliveries as offices ship them: files, folders, gzip files and zip archives of tiles.

:func:`collect_delivery` turns the inputs into :class:`InputFile`\\ s. A zip archive is never
extracted: each member is streamed (``zipfile.open``), gzip inside a member too. Every stream the
readers get is a :class:`Stream` that counts the bytes it inflates and refuses, with an
:class:`InputError`, a member or file that inflates beyond ``Limits.max_inflated`` bytes, a
delivery whose members together inflate beyond ``Limits.max_total_inflated``, or a stream whose
inflated/compressed ratio exceeds ``Limits.max_ratio`` (checked from ``RATIO_GRACE`` inflated bytes
on; real XML/JSON compresses 5-30:1, a bomb of blanks about 1000:1). The counts are of the bytes
actually read, not of the sizes a header claims.

Within a folder or an archive, files that are not city models (PDF, readme, .xsd, ``__MACOSX``,
XML/JSON of another kind) are listed, not read. A zip archive inside a zip archive is not opened
(one level: a zip in a folder is read): it becomes a ``skipped_objects`` row.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from ..kernel.errors import InputError
from .model import Skipped

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MB = 1 << 20
DEFAULT_MAX_INFLATED_MB = 4096          # per file or zip member: no real tile comes near it
DEFAULT_MAX_TOTAL_INFLATED_MB = 262144  # per delivery (256 GiB)
DEFAULT_MAX_JSON_MB = 1024              # a CityJSON document is parsed whole: about 5-10x this in memory
DEFAULT_MAX_RATIO = 200
RATIO_GRACE = 16 * MB
CITY_MODEL_SUFFIXES = (".gml", ".xml", ".json", ".jsonl")
_ZIP_SUFFIXES = (".zip",)
_CITYGML_NS = re.compile(rb"http://www\.opengis\.net/citygml/")
_SNIFF_BYTES = 65536


@dataclass(frozen=True)
class Limits:
    """Size limits of one import run, in bytes (see the module docstring)."""

    max_inflated: int = DEFAULT_MAX_INFLATED_MB * MB
    max_total_inflated: int = DEFAULT_MAX_TOTAL_INFLATED_MB * MB
    max_json: int = DEFAULT_MAX_JSON_MB * MB
    max_ratio: float = DEFAULT_MAX_RATIO

    @classmethod
    def from_mb(cls, max_inflated_mb: float | None = None, max_json_mb: float | None = None) -> Limits:
        """Limits with the per-file inflated size and the JSON document size given in MiB (None: default)."""
        for name, value in (("MAX_INFLATED_MB", max_inflated_mb), ("MAX_JSON_MB", max_json_mb)):
            if value is not None and not value > 0:
                raise InputError(f"{name} must be a positive number of MiB, got {value!r}")
        return cls(max_inflated=int((max_inflated_mb or DEFAULT_MAX_INFLATED_MB) * MB),
                   max_json=int((max_json_mb or DEFAULT_MAX_JSON_MB) * MB))


@dataclass
class Budget:
    """Inflated bytes of a whole delivery so far (shared by its files)."""

    inflated: int = 0


class _Counter(io.RawIOBase):
    """Reads ``inner`` and counts the bytes; ``on_read(n)`` may raise to stop reading."""

    def __init__(self, inner: IO[bytes] | gzip.GzipFile, on_read: Callable[[int], None] | None = None,
                 closables: tuple[zipfile.ZipFile | io.BufferedReader[_Counter], ...] = ()) -> None:
        super().__init__()
        self.inner, self.count, self.on_read, self.closables = inner, 0, on_read, closables

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        # straight into the caller's buffer: a read() would allocate each block anew (a large read by a fresh mmap,
        # page faults that cost three times the reading) and copy it once more
        n = cast(io.BufferedIOBase, self.inner).readinto(buffer) or 0
        self.count += n
        if self.on_read is not None and n:
            self.on_read(n)
        return n

    def close(self) -> None:
        if not self.closed:
            try:
                self.inner.close()
                for item in self.closables:
                    item.close()
            finally:
                super().close()


class Stream(io.BufferedReader):
    """The decompressed bytes of one input file; ``progress`` is the share of its stored bytes read."""

    stored: _Counter
    stored_size: int
    plain: bool = False   # no decompression: bytes handed out = bytes of the file
    delivered: int = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.delivered += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.delivered += len(data)
        return data

    @property
    def progress(self) -> float:
        done = self.delivered if self.plain else self.stored.count
        return min(done / max(self.stored_size, 1), 1.0)


class _Inflation:
    """Refuses a stream that inflates beyond the limits (checked on every read)."""

    def __init__(self, display: str, limits: Limits, budget: Budget, compressed: Callable[[], int]) -> None:
        self.display, self.limits, self.budget, self.compressed = display, limits, budget, compressed
        self.inflated = 0

    def __call__(self, n: int) -> None:
        self.inflated += n
        self.budget.inflated += n
        limits = self.limits
        if self.inflated > limits.max_inflated:
            raise InputError(f"refused: inflates to more than {limits.max_inflated / MB:g} MiB (a zip/gzip bomb, "
                             "or raise the limit MAX_INFLATED_MB)", path=self.display)
        if self.budget.inflated > limits.max_total_inflated:
            raise InputError(f"refused: the delivery inflates to more than {limits.max_total_inflated / MB:g} MiB "
                             "in total", path=self.display)
        if self.inflated > RATIO_GRACE and self.inflated > limits.max_ratio * max(self.compressed(), 1):
            raise InputError(f"refused: compression ratio above {limits.max_ratio:g}:1 after "
                             f"{self.inflated / MB:.0f} MiB inflated (a zip/gzip bomb; real city models "
                             "compress far less)", path=self.display)


@dataclass
class InputFile:
    """One city model file: on disk (``member`` None) or a member of the zip archive ``path``."""

    path: Path
    member: zipfile.ZipInfo | None = None
    limits: Limits = field(default_factory=Limits)
    budget: Budget = field(default_factory=Budget)

    @property
    def display(self) -> str:
        """How logs and ``sources`` name it: the path, or ``archive.zip!/folder/tile.gml``."""
        return f"{self.path}!/{self.member.filename}" if self.member is not None else str(self.path)

    @property
    def name(self) -> str:
        return Path(self.member.filename).name if self.member is not None else self.path.name

    def __str__(self) -> str:
        return self.display

    def _open_stored(self) -> tuple[IO[bytes], int, tuple[zipfile.ZipFile, ...], bool]:
        """(stream of the stored bytes, their size, what to close with it, whether zip inflates them)."""
        try:
            if self.member is None:
                return open(self.path, "rb"), os.path.getsize(self.path), (), False  # noqa: SIM115
            archive = zipfile.ZipFile(self.path)
            try:
                handle = archive.open(self.member)
            except BaseException:
                archive.close()
                raise
            return handle, self.member.compress_size, (archive,), self.member.compress_type != zipfile.ZIP_STORED
        except FileNotFoundError:
            raise InputError("no such file", path=self.display) from None
        except (OSError, zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as err:
            raise InputError(f"cannot open: {err}", path=self.display) from None

    def open(self) -> Stream:
        """The decompressed bytes (gzip and zip inflated on the fly), bounded by the limits."""
        handle, size, closables, inflating = self._open_stored()
        if not inflating:
            stored = _Counter(handle, closables=closables)
            reader: io.BufferedReader[_Counter] = io.BufferedReader(stored, 1 << 16)
        else:  # a deflated zip member: the zip module inflates, we count what comes out
            guard = _Inflation(self.display, self.limits, self.budget, _consumed(handle, size))
            stored = _Counter(handle, guard, closables)
            reader = io.BufferedReader(stored, 1 << 16)
        try:
            magic = reader.peek(2)[:2]
        except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as err:
            reader.close()
            raise InputError(f"cannot read: {err}", path=self.display) from None
        if magic == b"\x1f\x8b":
            below = reader
            guard = _Inflation(self.display, self.limits, self.budget, lambda: below.raw.count)
            top = _Counter(gzip.GzipFile(fileobj=reader, mode="rb"), guard, (reader,))
        else:
            top = _Counter(reader)
        stream = Stream(top, 1 << 16)
        stream.stored, stream.stored_size = stored, max(size, 1)
        stream.plain = not inflating and magic != b"\x1f\x8b"
        return stream

    def sha256(self) -> str:
        """SHA-256 of the file's bytes as stored (a member: its bytes inside the archive, uncompressed by zip)."""
        digest = hashlib.sha256()
        if self.member is None:
            with open(self.path, "rb") as fh:
                for block in iter(lambda: fh.read(MB), b""):
                    digest.update(block)
            return digest.hexdigest()
        handle, size, closables, inflating = self._open_stored()
        guard = _Inflation(self.display, self.limits, Budget(), _consumed(handle, size)) if inflating else None
        with _Counter(handle, guard, closables) as counted:
            try:
                for block in iter(lambda: counted.read(MB), b""):
                    digest.update(block)
            except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as err:
                raise InputError(f"cannot read: {err}", path=self.display) from None
        return digest.hexdigest()

    def head(self, size: int = _SNIFF_BYTES) -> bytes:
        """The first decompressed bytes (for sniffing the format)."""
        try:
            with self.open() as fh:
                return fh.read(size)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as err:
            raise InputError(f"cannot read the file: {err}", path=self.display) from None


def _consumed(handle: IO[bytes], size: int) -> Callable[[], int]:
    """Compressed bytes a zip member stream has read so far (the header's compress_size bounds it)."""
    def consumed() -> int:
        left = getattr(handle, "_compress_left", None)  # zipfile.ZipExtFile's own count of what is left
        return size - left if isinstance(left, int) and 0 <= left <= size else size
    return consumed


def as_input(item: str | os.PathLike[str] | InputFile, limits: Limits | None = None) -> InputFile:
    """Wrap a path as an InputFile, the form every city model reader takes.

    Args:
        item: a path, or an InputFile (returned as it is).
        limits: the size limits of the run (None: the defaults).

    Returns:
        The InputFile of a file on disk (``member`` None).

    Example:
        >>> from geotwin.twin.examples import shared_data
        >>> item = as_input(shared_data("citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"))
        >>> item.name, item.member is None, as_input(item) is item, item.limits.max_ratio
        ('FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml', True, True, 200)
        >>> item.head(38), item.sha256()[:16]
        (b'<?xml version="1.0" encoding="utf-8"?>', '977332fed5174e89')
        >>> as_input("tile.gml", Limits.from_mb(max_inflated_mb=1)).limits.max_inflated
        1048576
    """
    if isinstance(item, InputFile):
        return item
    return InputFile(Path(item), limits=limits or Limits())


@dataclass
class Delivery:
    """The city model files of a run, plus what was listed but not read."""

    files: list[InputFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)       # junk: named in the log
    skipped: list[Skipped] = field(default_factory=list)   # files that are city data but cannot be read


def city_suffix(name: str) -> str:
    """Give the suffix that tells the kind of a file, ignoring a trailing .gz.

    Args:
        name: the file name.

    Returns:
        The last suffix before any .gz, lower case ("" for none).

    Example:
        >>> city_suffix("x.city.json.gz"), city_suffix("LoD2_576_5950_1_HH.XML"), city_suffix("tiles.jsonl")
        ('.json', '.xml', '.jsonl')
        >>> city_suffix("README"), city_suffix("tile.gz")
        ('', '')
    """
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _hidden(name: str) -> bool:
    parts = Path(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _is_zip(path: Path) -> bool:
    return path.suffix.lower() in _ZIP_SUFFIXES or (path.is_file() and zipfile.is_zipfile(path))


def local_files(folder: str | os.PathLike[str]) -> list[Path]:
    """List what a folder delivers: its city model files (.gml, .xml, .json, .jsonl, each optionally .gz) and zip
    archives, recursively, without hidden files and ``__MACOSX``.

    Args:
        folder: the folder.

    Returns:
        The files, sorted (not yet checked to be city models: collect_delivery does that).

    Example:
        >>> from geotwin.twin.examples import city_delivery
        >>> folder = city_delivery()   # also holds .DS_Store
        >>> [p.relative_to(folder).as_posix() for p in local_files(folder)]
        ['hamburg.xml.gz', 'schema.xml', 'tiles.zip']
    """
    return sorted(p for p in Path(folder).rglob("*")
                  if p.is_file() and not _hidden(str(p.relative_to(folder)))
                  and (city_suffix(p.name) in CITY_MODEL_SUFFIXES or p.suffix.lower() in _ZIP_SUFFIXES))


def _looks_like_city_model(item: InputFile) -> str | None:
    """None when the head looks like CityGML/CityJSON, else why the file is not one."""
    head = item.head().lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return None if _CITYGML_NS.search(head) else "XML without a CityGML namespace"
    if head.startswith(b"{"):
        return None if (b'"CityJSON' in head or b'"CityObjects"' in head) else "JSON that is not CityJSON"
    return "neither XML nor JSON"


class _Collector:
    def __init__(self, limits: Limits) -> None:
        self.limits, self.budget, self.delivery = limits, Budget(), Delivery()

    def candidate(self, item: InputFile) -> None:
        """A file found in a folder or archive: kept when it looks like a city model, else listed."""
        why = _looks_like_city_model(item)
        if why is None:
            self.delivery.files.append(item)
        else:
            self.delivery.ignored.append(f"{item.display} ({why})")

    def archive(self, path: Path) -> None:
        try:
            with zipfile.ZipFile(path) as archive:
                members = archive.infolist()
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as err:
            raise InputError(f"not a readable zip archive: {err}", path=str(path)) from None
        found = 0
        for info in members:
            name = info.filename
            if not name or name.endswith("/"):  # a folder entry, or a nameless one (broken central directory)
                continue
            display = f"{path}!/{name}"
            if _hidden(name):
                self.delivery.ignored.append(f"{display} (hidden or __MACOSX)")
                continue
            suffix = city_suffix(name)
            if Path(name).suffix.lower() in _ZIP_SUFFIXES:
                self.delivery.skipped.append(Skipped(display, name, "zip archive inside a zip archive: not read "
                                                     "(unpack the outer archive and import its folder)"))
                continue
            if suffix not in CITY_MODEL_SUFFIXES:
                self.delivery.ignored.append(f"{display} (not a city model file)")
                continue
            if info.flag_bits & 0x1:
                raise InputError("refused: the member is encrypted (password-protected zip)", path=display)
            found += 1
            self.candidate(InputFile(path, info, self.limits, self.budget))
        if not found:
            raise InputError(f"no city model files ({', '.join(CITY_MODEL_SUFFIXES)}, optionally .gz) "
                             "in the zip archive", path=str(path))

    def add(self, item: str | os.PathLike[str] | InputFile) -> None:
        if isinstance(item, InputFile):   # one file or zip member, named directly (a partition of a delivery)
            self.delivery.files.append(InputFile(item.path, item.member, self.limits, self.budget))
            return
        path = Path(item)
        if path.exists():
            path = path.resolve()  # sources name files by their absolute path
        if path.is_dir():
            found = local_files(path)
            if not found:
                raise InputError(f"no city model files ({', '.join(CITY_MODEL_SUFFIXES)}, optionally .gz, "
                                 "or .zip archives of them) in the folder", path=str(path))
            for p in found:
                if p.suffix.lower() in _ZIP_SUFFIXES:
                    self.archive(p)
                else:
                    self.candidate(InputFile(p, None, self.limits, self.budget))
        elif path.is_file():
            if _is_zip(path):
                self.archive(path)
            else:
                self.delivery.files.append(InputFile(path, None, self.limits, self.budget))
        else:
            raise InputError("no such file or folder", path=str(path))


def collect_delivery(inputs: Iterable[str | os.PathLike[str] | InputFile], limits: Limits | None = None) -> Delivery:
    """Collect the city model files named by ``inputs``: files, folders (recursive) and zip archives, in order.

    A file named directly is always read (its format is checked by the reader); files found in a
    folder or archive are read when they look like CityGML/CityJSON and listed otherwise. A zip archive is
    never extracted (its members are streamed); an archive inside an archive becomes a ``skipped`` row. A file
    named twice is read once.

    Args:
        inputs: files, folders, zip archives, or InputFiles (one file or member each).
        limits: the size limits of the run (None: the defaults); all files share one inflation budget.

    Returns:
        The Delivery: ``files`` to read, ``ignored`` (named in the log), ``skipped`` (rows of skipped_objects).

    Raises:
        InputError: no such file or folder, a folder or archive without city model files, an unreadable or
            encrypted zip archive, no city model file at all.

    Example:
        >>> from geotwin.twin.examples import city_delivery
        >>> folder = city_delivery()
        >>> delivery = collect_delivery([folder])
        >>> [f.display.removeprefix(f"{folder}/") for f in delivery.files]
        ['hamburg.xml.gz', 'tiles.zip!/lod2/fzk-haus.gml']
        >>> [line.removeprefix(f"{folder}/") for line in delivery.ignored]
        ['schema.xml (XML without a CityGML namespace)', 'tiles.zip!/readme.txt (not a city model file)']
        >>> [(row.object_id, row.reason) for row in delivery.skipped]
        [('old.zip', 'zip archive inside a zip archive: not read (unpack the outer archive and import its folder)')]
        >>> len(collect_delivery([folder, folder / "hamburg.xml.gz"]).files)   # named twice, read once
        2
        >>> collect_delivery([folder / "schema.xml", folder / "missing.gml"])
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: .../missing.gml: no such file or folder
    """
    collector = _Collector(limits or Limits())
    for item in inputs:
        collector.add(item)
    delivery = collector.delivery
    if not delivery.files:
        raise InputError("no city model files found in the inputs"
                         + (f" (not read: {'; '.join(delivery.ignored[:5])})" if delivery.ignored else ""))
    unique: dict[tuple[str, str], InputFile] = {}
    for f in delivery.files:
        unique.setdefault((str(f.path.resolve()), f.member.filename if f.member else ""), f)
    delivery.files = list(unique.values())
    return delivery
