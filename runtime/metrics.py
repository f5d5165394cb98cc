"""Prometheus metrics for every service: a registry built by each composition root, the /metrics endpoint, and
prometheus-client's multiprocess mode for the voice worker, whose calls each run in a LiveKit job process.

Names start with `camille_` and carry their unit; label values come from closed sets (tool names, error codes, end
reasons, categories), never from what a caller said or who they are.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, ProcessCollector, start_http_server
from prometheus_client.metrics_core import Metric
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

PREFIX = "camille_"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_FOLDED_TYPES = ("counter", "histogram", "summary")  # totals that outlive their process; gauges do not add up
_ARCHIVE = "archive"
_LOCK_FILE = "collect.lock"
_STOP_TIMEOUT_S = 5.0


def new_registry(*, process_metrics: bool = True) -> CollectorRegistry:
    """A registry of this process's metrics, with its CPU and memory as `camille_process_*`."""
    registry = CollectorRegistry()
    if process_metrics:
        ProcessCollector(namespace=PREFIX.rstrip("_"), registry=registry)
    return registry


@contextlib.contextmanager
def metrics_endpoint(registry: Collector, port: int, host: str) -> Iterator[int | None]:
    """Serve `registry` on http://host:port/metrics (in a thread) until the block ends; yields the port, or None
    when `port` is 0 (no endpoint). A port already taken is an error: a service never runs unobserved by mistake."""
    if not port:
        yield None
        return
    server, thread = start_http_server(port, addr=host, registry=registry)
    try:
        yield int(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(_STOP_TIMEOUT_S)


def use_multiprocess(directory: Path) -> None:
    """From now on, this process and every process it starts keep their metrics in files in `directory`.

    prometheus-client picks the mode once, when it is first imported (LiveKit imports it early); metrics created
    after this call use the files. Call it before any metric of this process exists."""
    from prometheus_client import values

    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory)  # inherited by LiveKit's forkserver and its job processes
    values.ValueClass = values.get_value_class()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class MetricFiles(Collector):
    """The metric files of every process that wrote to `directory`, collected as one set of totals.

    Each ended process leaves one file per metric type. `fold_ended` adds the counters and histograms of ended
    processes into one archive file per type and drops their "live" gauges, so a scrape reads the live processes
    plus one archive per type however many calls the worker has taken. Collecting and folding hold a file lock, so
    a scrape never counts a folded file twice or misses it."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._collector = MultiProcessCollector(None, path=str(directory))

    def collect(self) -> Iterable[Metric]:
        with self._locked():
            return list(self._collector.collect())

    def fold_ended(self, alive: Callable[[int], bool] = process_alive) -> list[int]:
        """Fold the files of processes that have ended; returns their pids."""
        ended = sorted(pid for pid in self._pids() if not alive(pid))
        if not ended:
            return []
        with self._locked():
            for pid in ended:
                mark_process_dead(pid, str(self.directory))
            for kind in _FOLDED_TYPES:
                self._fold(kind, [path for pid in ended if (path := self.directory / f"{kind}_{pid}.db").exists()])
        return ended

    def _fold(self, kind: str, sources: list[Path]) -> None:
        if not sources:
            return
        archive = self.directory / f"{kind}_{_ARCHIVE}.db"
        totals: dict[str, float] = defaultdict(float)
        for path in [archive, *sources] if archive.exists() else sources:
            for key, value, _timestamp, _position in MmapedDict.read_all_values_from_file(str(path)):
                totals[key] += value
        staging = self.directory / f"{kind}_{_ARCHIVE}.staging"  # not *.db: never collected half-written
        staging.unlink(missing_ok=True)
        merged = MmapedDict(str(staging))
        try:
            for key, value in totals.items():
                merged.write_value(key, value, 0.0)
        finally:
            merged.close()
        os.replace(staging, archive)
        for path in sources:
            path.unlink()

    def _pids(self) -> set[int]:
        pids = set()
        for path in self.directory.glob("*.db"):
            tail = path.stem.rsplit("_", 1)[-1]
            if tail.isdigit() and int(tail) != os.getpid():
                pids.add(int(tail))
        return pids

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.directory / _LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
