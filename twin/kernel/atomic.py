"""Write outputs to a temporary path and move them into place only on success.

The temporary sibling is named ``.<name>.geotwin-<host>-<boot>-<pid>-<random>.tmp``: a run that was killed
(SIGKILL, power loss) leaves it behind, and the next run writing into the same folder removes it once that
process is gone (same host, and either another boot or no such process). Nothing else is ever removed.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import GeoTwinError

_STALE = re.compile(r"^\.(?P<name>.+)\.geotwin-(?P<host>[0-9a-f]{8})-(?P<boot>[0-9a-f]{8})-(?P<pid>\d+)-"
                    r"(?P<rest>[A-Za-z0-9_]+)\.tmp$")


def _tag(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:8]


def _host_tag() -> str:
    return _tag(socket.gethostname())


def _boot_tag() -> str:
    try:
        return _tag(Path("/proc/sys/kernel/random/boot_id").read_text().strip())
    except OSError:
        return "0" * 8   # no boot id (not Linux): only the pid tells whether the writer is gone


def _pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (on this host); True when that cannot be told."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":   # os.kill would terminate the process on Windows: ask for its exit code instead
        try:
            import ctypes

            kernel32 = ctypes.windll.kernel32
            handle = kernel32.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
            if not handle:
                return kernel32.GetLastError() == 5   # access denied: it exists
            try:
                code = ctypes.c_ulong()
                return not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)) or code.value == 259  # STILL_ACTIVE
            finally:
                kernel32.CloseHandle(handle)
        except Exception:  # noqa: BLE001 - when in doubt, the temporary is kept
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True   # a process of another user
    except OSError:
        return True
    return True


def umask() -> int:
    """Read the process's umask without changing it (where /proc tells it).

    Returns:
        The umask, e.g. 0o022.

    Example:
        >>> import os
        >>> mask = umask()
        >>> os.umask(mask) == mask   # setting it back returns the mask in force
        True
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale(folder: Path) -> list[Path]:
    """Remove this host's GeoTwin temporaries in a folder whose process is gone (an output run that was killed).

    A stale ``-old`` backup (a folder output moved aside in the instant before its replacement) is put back
    when its output is missing, else removed. Temporaries of running processes and other files are kept.

    Args:
        folder: the folder of an output.

    Returns:
        The removed paths.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     _ = (Path(tmp) / "twin.gpkg").write_bytes(b"")
        ...     remove_stale(Path(tmp)), sorted(p.name for p in Path(tmp).iterdir())
        ([], ['twin.gpkg'])
    """
    removed: list[Path] = []
    host, boot = _host_tag(), _boot_tag()
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _STALE.match(entry.name)
        if not match or match["host"] != host:
            continue
        if match["boot"] == boot and _pid_alive(int(match["pid"])):
            continue
        target = folder / match["name"]
        try:
            if match["rest"] == "old" and not os.path.lexists(target):
                os.replace(entry, target)
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            continue   # another run is cleaning up too, or no permission: not ours to force
    return removed


def make_parents(path: Path, root: Path) -> None:
    """Create the folders between ``root`` and ``path`` (exclusive), never ``root`` itself.

    A task writing into a run's temporary folder uses it: once the run has removed the folder (cancelled), the
    task's next write fails instead of creating the folder anew and leaving it behind.

    Args:
        path: a file below ``root``.
        root: an existing folder.

    Raises:
        FileNotFoundError: ``root`` is gone.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> root = Path(tempfile.mkdtemp())
        >>> make_parents(root / "a" / "b" / "tile.glb", root)
        >>> (root / "a" / "b").is_dir()
        True
        >>> make_parents(root / "gone" / "x" / "tile.glb", root / "gone")
        Traceback (most recent call last):
        ...
        FileNotFoundError: ...
    """
    current = root
    for part in path.parent.relative_to(root).parts:
        current = current / part
        try:
            current.mkdir()
        except FileExistsError:
            pass
    if not root.is_dir():
        raise FileNotFoundError(errno.ENOENT, "the folder is gone", str(root))


def discard_folder(folder: Path) -> None:
    """Remove a run's temporary folder: renamed aside first, so a task still writing into it (a cancelled
    cluster task runs to its end) finds it gone instead of adding files while it is removed.

    Args:
        folder: the folder (it may be gone already).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> parent = Path(tempfile.mkdtemp())
        >>> (parent / "work" / "tiles").mkdir(parents=True)
        >>> discard_folder(parent / "work"); discard_folder(parent / "work"); list(parent.iterdir())
        []
    """
    trash = folder.with_name(f"{folder.name}.discard")
    try:
        os.rename(folder, trash)
    except OSError:
        trash = folder   # gone already, or not renamable: removed where it is
    shutil.rmtree(trash, ignore_errors=True)


def temp_prefix(target: Path) -> str:
    """Give the name prefix of a run's temporary files and folders beside ``target``: hidden, with the host, the
    boot and the process, so that a later run can tell a crashed run's leftovers (that it may remove) from those
    of a run still alive.

    Args:
        target: the output the temporary files are for.

    Returns:
        The prefix (for ``tempfile.mkdtemp(prefix=...)``).

    Example:
        >>> prefix = temp_prefix(Path("/data/tiles"))
        >>> prefix.startswith(".tiles.geotwin-"), prefix.endswith(f"-{os.getpid()}-")
        (True, True)
    """
    return f".{target.name}.geotwin-{_host_tag()}-{_boot_tag()}-{os.getpid()}-"


_REASONS = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
            errno.EROFS: "read-only file system", errno.EACCES: "permission denied", errno.EPERM: "permission denied",
            errno.EFBIG: "file too large"}


def failure_reason(err: BaseException, *hidden: str | os.PathLike[str], shown: str | os.PathLike[str] = "") -> str:
    """Write a one-line reason for an OS or database error, with temporary paths replaced by the real output.

    Args:
        err: the error.
        hidden: temporary paths that must not appear in the message.
        shown: what to show in their place.

    Returns:
        The reason (``no space left on the device``, ``permission denied``, the error's first line...).

    Example:
        >>> import errno
        >>> failure_reason(OSError(errno.ENOSPC, "No space left on device"))
        'no space left on the device'
        >>> failure_reason(RuntimeError("cannot open /out/.t.tmp/t.gpkg"), "/out/.t.tmp/t.gpkg", shown="/out/t.gpkg")
        'cannot open /out/t.gpkg'
    """
    code = getattr(err, "errno", None)
    if isinstance(err, OSError) and code in _REASONS:
        text = _REASONS[code]
    elif isinstance(err, OSError) and err.strerror:
        text = err.strerror[0].lower() + err.strerror[1:]
    else:
        lines = [ln.strip() for ln in str(err).strip().splitlines() if ln.strip()]
        text = lines[0] if lines else type(err).__name__
        lowered = text.lower()
        if "disk is full" in lowered or "no space left" in lowered or "failed to commit" in lowered:
            text = f"{text} (is the disk full?)"
    for path in sorted((str(h) for h in hidden if h), key=len, reverse=True):
        text = text.replace(path, str(shown))
    return text


def is_storage_error(err: BaseException) -> bool:
    """Tell a fault of the storage (OS, SQLite, GDAL via pyogrio, PostgreSQL via psycopg) from a bug.

    Args:
        err: the error.

    Returns:
        True for a storage fault.

    Example:
        >>> import sqlite3
        >>> [is_storage_error(err) for err in (PermissionError(), sqlite3.OperationalError(), KeyError())]
        [True, True, False]
    """
    if isinstance(err, (OSError, sqlite3.Error)):
        return True
    root = type(err).__module__.split(".")[0]
    return root in ("pyogrio", "psycopg", "fiona")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, directory: bool = False) -> Iterator[Path]:
    """Write an output atomically: yield a temporary sibling of ``target`` and replace ``target`` with it only
    when the block succeeds.

    On any exception (including Cancelled) the temporary output is removed and an existing ``target`` is left
    exactly as it was. OS, SQLite and GDAL errors become one GeoTwinError naming ``target`` (never the temporary
    path). The output gets the permissions the umask gives a new file or folder.

    Args:
        target: the output file or folder.
        directory: the output is a folder.

    Yields:
        The temporary path to write.

    Raises:
        GeoTwinError: the output cannot be written (the reason names ``target``).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     target = Path(tmp) / "report.txt"
        ...     with atomic_path(target) as part:
        ...         _ = part.write_text("first")
        ...     try:
        ...         with atomic_path(target) as part:
        ...             _ = part.write_text("second")
        ...             raise RuntimeError("the run failed")
        ...     except RuntimeError:
        ...         pass
        ...     target.read_text(), sorted(p.name for p in Path(tmp).iterdir())
        ('first', ['report.txt'])
    """
    target = Path(target).resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target.parent)
        tmp_dir = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent))
    except OSError as err:
        blocking = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
        reason = f"{blocking} is a file, not a folder" if blocking else failure_reason(err, shown=target)
        raise GeoTwinError(f"cannot write the output: {reason}", path=str(target)) from None
    tmp = tmp_dir if directory else tmp_dir / target.name
    try:
        try:
            yield tmp
            if directory:
                tmp_dir.chmod(0o777 & ~umask())   # mkdtemp's folder is private (0700)
                backup = None
                if target.exists():
                    backup = target.parent / f"{temp_prefix(target)}old.tmp"
                    os.replace(target, backup)
                os.replace(tmp, target)
                if backup is not None:
                    shutil.rmtree(backup, ignore_errors=True)
            else:
                if tmp.is_file():   # SQLite creates its files 0644 whatever the umask allows
                    tmp.chmod(0o666 & ~umask())
                os.replace(tmp, target)
        except GeoTwinError as err:
            if str(tmp_dir) in str(err):   # the message names the real output, not its temporary copy
                err.args = (str(err).replace(str(tmp), str(target)).replace(str(tmp_dir), str(target)),)
            raise
        except Exception as err:  # noqa: BLE001 - storage faults become one message; bugs keep their traceback
            if not is_storage_error(err):
                raise
            raise GeoTwinError(f"cannot write the output: {failure_reason(err, tmp, tmp_dir, shown=target)}",
                               path=str(target)) from None
    finally:
        if tmp_dir.exists():
            shutil.rmtree(tmp_dir, ignore_errors=True)
