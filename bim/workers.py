"""Triangulation in worker processes beside the import.

ifcopenshell's geometry iterator holds Python's global interpreter lock, so in one process the
kernel and the import's own work (attributes, footprints, GeoPackage) take turns. A worker process
opens the same file, triangulates its share of the products and streams the meshes back through
a pipe while the import works on the ones already received; the import triangulates a fifth of the
products itself whenever nothing has arrived. A kernel crash ends the worker, not
the import (nor QGIS): the products it did not deliver are triangulated in the import's own thread.

The interpreter is ``sys.executable`` when that is Python, else the ``python3`` of the running
installation; the environment variable GEOTWIN_PYTHON names another one.
"""
from __future__ import annotations

import contextlib
import os
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

import numpy as np

from ..twin.kernel.progress import Reporter, Stage
from . import geometry
from .geometry import FAST_KERNEL, Failure, Mesh

# product id, vertex count, triangle count, length of the failure reason (0: a mesh follows)
_HEADER = struct.Struct("<qiiI")
_END = -1                      # product id of the frame that closes a complete stream
_PACKAGE = __package__.rpartition(".")[0]  # the plugin package, whatever its folder is called
_QUEUE_SIZE = 2000             # meshes waiting for the import; a full queue makes the workers wait
_READ_SIZE = 1 << 20           # bytes per read, and the pipe's capacity where the system allows it
_OWN_EVERY = 5                 # every fifth product is the import's own, triangulated while it would wait


def python_executable() -> str | None:
    """Find the Python interpreter that runs the geometry workers: ``GEOTWIN_PYTHON``, else this process's own
    when it is Python (not QGIS), else the installation's python3.

    Returns:
        The interpreter's path, None when none is found (the import then triangulates in its own thread).

    Example:
        >>> import os, sys
        >>> "GEOTWIN_PYTHON" in os.environ or python_executable() == sys.executable   # run from Python itself
        True
    """
    override = os.environ.get("GEOTWIN_PYTHON")
    if override:
        return override
    if Path(sys.executable).name.lower().startswith("python"):
        return sys.executable
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (Path(sys.exec_prefix) / "bin" / f"python{version}", Path(sys.exec_prefix) / "bin" / "python3",
                      Path(sys.exec_prefix) / "python.exe"):
        if candidate.is_file():
            return str(candidate)
    return shutil.which("python3")


def share_of(products: list[Any], k: int, processes: int) -> list[Any]:
    """Split the products between the worker processes and the import's own thread: every fifth product is the
    import's, the others go round the workers.

    Args:
        products: the products in import order.
        k: the worker (0 to processes - 1), or ``processes`` for the import's own share.
        processes: the number of workers.

    Returns:
        The products of that share, in import order.

    Example:
        >>> products = list(range(12))
        >>> share_of(products, 0, 2), share_of(products, 1, 2), share_of(products, 2, 2)
        ([1, 3, 6, 8, 11], [2, 4, 7, 9], [0, 5, 10])
    """
    if k == processes:
        return products[::_OWN_EVERY]
    return [p for i, p in enumerate(products) if i % _OWN_EVERY][k::processes]


class _Worker:
    """One worker process and the thread that turns its frames into meshes."""

    def __init__(self, python: str, path: Path, share: int, shares: int, kernel: str, out: queue.Queue[Any],
                 max_bytes: int) -> None:
        self.stderr = tempfile.TemporaryFile()
        root = str(Path(__file__).absolute().parents[2])   # the folder holding the plugin package
        code = (f"import sys; sys.path.insert(0, {root!r}); "
                f"from {_PACKAGE}.bim.workers import serve; serve(sys.argv[1:])")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "PYTHONSAFEPATH": "1"}
        self.process = subprocess.Popen([python, "-c", code, str(path), str(share), str(shares), kernel,
                                         str(max_bytes)],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.stderr, env=env,
                                        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))  # Windows
        assert self.process.stdout is not None   # stdout=PIPE
        self._stdout: IO[bytes] = self.process.stdout
        with contextlib.suppress(OSError, AttributeError, ValueError):   # Linux: a 1 MiB pipe, not 64 kB
            fcntl.fcntl(self._stdout.fileno(), fcntl.F_SETPIPE_SZ, _READ_SIZE)
        self.complete = False
        self.received: set[int] = set()
        self._out = out
        self._thread = threading.Thread(target=self._read, name=f"ifc worker {share}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        """Parse frames from large reads: while the import holds the interpreter lock this thread wakes
        rarely, so each wake-up takes all that the (enlarged) pipe holds, not one frame."""
        fd = self._stdout.fileno()
        buffer, pos = bytearray(), 0
        try:
            while chunk := os.read(fd, _READ_SIZE):
                del buffer[:pos]
                buffer += chunk
                pos = 0
                while len(buffer) - pos >= _HEADER.size:
                    product_id, n_verts, n_faces, n_reason = _HEADER.unpack_from(buffer, pos)
                    if product_id == _END:
                        self.complete = True
                        return
                    body = pos + _HEADER.size
                    end = body + (n_reason or 24 * n_verts + 12 * n_faces)
                    if end > len(buffer):
                        break   # the rest of the frame is still in the pipe
                    if n_reason:
                        result: Mesh | Failure = Failure(product_id, buffer[body:end].decode("utf-8", "replace"))
                    else:
                        split = body + 24 * n_verts
                        result = Mesh(product_id, np.frombuffer(buffer[body:split], dtype="<f8").reshape(-1, 3),
                                      np.frombuffer(buffer[split:end], dtype="<i4").reshape(-1, 3))
                    self.received.add(product_id)
                    self._out.put(result)
                    pos = end
        except OSError:  # the pipe was closed by kill(): the stream is incomplete
            pass
        finally:
            self._out.put(self)   # this worker has finished

    def failure(self) -> str:
        """Why the worker stopped early: its exit code and the end of its error output."""
        code = self.process.wait()
        self.stderr.seek(0)
        lines = self.stderr.read().decode("utf-8", "replace").strip().splitlines()
        return f"exit code {code}" + (f": {lines[-1]}" if lines else "")

    def is_alive(self) -> bool:
        """True while the thread reading the worker's frames runs (it ends when the stream does)."""
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        """Wait until the reading thread has ended, at most ``timeout`` seconds (None: as long as it takes)."""
        self._thread.join(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def close(self) -> None:
        self._stdout.close()
        self.stderr.close()


class Triangulation:
    """Worker processes started on entering (before the import opens the file itself), stopped on exit."""

    def __init__(self, path: str | os.PathLike[str], processes: int, kernel: str = FAST_KERNEL,
                 max_bytes: int | None = None) -> None:
        from .reader import MAX_IFC_BYTES

        self.path = Path(path)
        self.max_bytes = MAX_IFC_BYTES if max_bytes is None else max_bytes
        self.processes = max(0, processes)
        self.kernel = kernel
        self.workers: list[_Worker] = []
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=_QUEUE_SIZE)
        self.start_error: str | None = None

    def __enter__(self) -> Triangulation:
        python = python_executable() if self.processes else None
        if self.processes and python is None:
            self.start_error = "no Python interpreter found for the worker processes (set GEOTWIN_PYTHON)"
        if python:
            try:
                self.workers = [_Worker(python, self.path, k, self.processes, self.kernel, self._queue,
                                        self.max_bytes) for k in range(self.processes)]
            except OSError as err:
                self.start_error = f"cannot start {python}: {err}"
                self._stop()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _stop(self) -> None:
        for worker in self.workers:
            worker.kill()
        while any(w.is_alive() for w in self.workers):   # a reader may wait on a full queue
            try:
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass
            for worker in self.workers:
                worker.join(0.05)
        for worker in self.workers:
            worker.close()
        self.workers = []

    def results(self, model: Any, products: list[Any], reporter: Reporter) -> Iterator[Mesh | Failure]:
        """Each product's mesh (or failure), in the order they arrive; products without a body yield nothing."""
        if not self.workers:
            if self.start_error:
                reporter.warning(f"{self.start_error}; triangulating in the import's own thread")
            yield from geometry.iterate(model, products, reporter)
            return
        total, done, shown, running = max(1, len(products)), 0, -1, len(self.workers)
        own_share = share_of(products, self.processes, self.processes)   # its own progress is not passed on
        own: Iterator[Mesh | Failure] | None = geometry.iterate(model, own_share, Stage(reporter, None, None))
        while running or own is not None:
            reporter.check()
            try:
                result = self._queue.get_nowait() if own is not None else self._queue.get(timeout=0.2)
            except queue.Empty:
                if own is None:
                    continue
                result = next(own, None)   # nothing has arrived: triangulate one of the import's own
                if result is None:
                    own = None
                    continue
            if isinstance(result, _Worker):
                running -= 1
                continue
            done += 1
            percent = 100 * done // total
            if percent != shown:
                reporter.progress(float(percent))
                shown = percent
            yield result
        missing = []
        for k, worker in enumerate(self.workers):
            if not worker.complete:
                share = [p for p in share_of(products, k, self.processes) if p.id() not in worker.received]
                reporter.warning(f"the geometry worker stopped early ({worker.failure()}); triangulating its "
                                 f"{len(share)} remaining products in the import's own thread")
                missing += share
        if missing:
            yield from geometry.iterate(model, missing, reporter)


def serve(argv: list[str]) -> None:
    """Run a geometry worker: triangulate one share of an IFC file's products and write the meshes as binary frames
    to standard output (the process's file descriptor 1), for the import that started it (``Triangulation``).

    Each frame is a header (product id, vertex count, triangle count, length of a failure reason; ``<qiiI``) and
    then the reason (UTF-8), or the vertices (little-endian doubles) and the triangles (little-endian int32
    vertex indices); a frame with product id -1 ends a complete stream.

    Args:
        argv: ``PATH SHARE SHARES KERNEL [MAX_BYTES]``: the IFC file, this worker's share (0 to SHARES - 1) of
            the worker shares (see share_of), the geometry kernel, the largest file accepted.

    Example:
        >>> import os, subprocess, sys
        >>> from geotwin.twin.examples import shared_data
        >>> from .geometry import FAST_KERNEL
        >>> from .reader import import_products, open_ifc
        >>> path = shared_data("ifc/small/IfcOpenHouse_IFC4.ifc")
        >>> code = "import sys; from geotwin.bim.workers import serve; serve(sys.argv[1:])"
        >>> env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        >>> run = subprocess.run([sys.executable, "-c", code, str(path), "0", "1", FAST_KERNEL], env=env,
        ...                      stdin=subprocess.DEVNULL, capture_output=True, timeout=120, check=True)
        >>> frames, pos = [], 0
        >>> while True:
        ...     product_id, n_verts, n_faces, n_reason = _HEADER.unpack_from(run.stdout, pos)
        ...     pos += _HEADER.size + (n_reason or 24 * n_verts + 12 * n_faces)
        ...     if product_id == _END:
        ...         break
        ...     frames.append((product_id, n_verts, n_faces, n_reason))
        >>> len(frames), pos == len(run.stdout), frames[0]   # product #40, a wall: 24 vertices, 48 triangles
        (27, True, (40, 24, 48, 0))
        >>> share = share_of(import_products(open_ifc(path)), 0, 1)   # all but every fifth product
        >>> sorted(f[0] for f in frames) == sorted(p.id() for p in share if p.Representation)
        True
    """
    from .reader import MAX_IFC_BYTES, import_products, open_ifc

    path, share, shares, kernel = Path(argv[0]), int(argv[1]), int(argv[2]), argv[3]
    max_bytes = int(argv[4]) if len(argv) > 4 else MAX_IFC_BYTES
    out = open(sys.stdout.fileno(), "wb", buffering=_READ_SIZE // 4, closefd=False)  # noqa: SIM115 - flushed below
    model = open_ifc(path, check_types=False, max_bytes=max_bytes)   # the import checks the types itself
    products = share_of(import_products(model), share, shares)
    for result in geometry.iterate(model, products, Reporter(), kernel=kernel):
        if isinstance(result, Failure):
            reason = result.reason.encode("utf-8")
            out.write(_HEADER.pack(result.product_id, 0, 0, len(reason)) + reason)
        else:
            verts = np.ascontiguousarray(result.verts, dtype="<f8")
            faces = np.ascontiguousarray(result.faces, dtype="<i4")
            out.write(_HEADER.pack(result.product_id, len(verts), len(faces), 0))
            out.write(verts.tobytes())
            out.write(faces.tobytes())
    out.write(_HEADER.pack(_END, 0, 0, 0))
    out.flush()
