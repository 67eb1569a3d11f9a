"""The locator's index for this process, kept in step with the database.

The base index comes from a snapshot shared by every worker (snapshot.py): built once from
compact arrays, then mapped read-only. Changes are patched in, never rebuilt in a request:
at most every LOCATOR_REFRESH_S seconds (1 by default) one indexed query lists the stations
whose `updated_at` moved (a facility change moves it too, models._touch_stations); only
those are read, and they go into a small overlay index that shadows their base rows. The
window looks back LOCATOR_CHANGE_WINDOW_S seconds, so a transaction that committed late with
an earlier time is still caught; a change already applied is not applied twice.

Once the overlay holds LOCATOR_COMPACT_AT stations, one worker has a fresh snapshot built in
a process of its own, and every worker switches to it when it appears (then patches in only
what changed since). Station records for answers are cached per process and dropped as their
stations change.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from flask import current_app
from sqlalchemy import String, select, type_coerce

from ..catalogue import cached_catalogue
from ..extensions import db
from ..models import Facility, FacilityState, Station, StationFacility, StationStatus, utcnow
from . import index as idx
from . import snapshot

ID_CHUNK = 5_000


class LiveIndex:
    def __init__(self, config: dict, folder: Path | None, url: str) -> None:
        self.check_every_s = config.get("LOCATOR_REFRESH_S", 1.0)
        self.window = timedelta(seconds=config.get("LOCATOR_CHANGE_WINDOW_S", 10))
        # beyond this many changed stations, a fresh base is cheaper than an overlay
        self.most_changed = config.get("LOCATOR_MOST_CHANGED", 20_000)
        # from this many changed stations on, a fresh snapshot is built in the background
        self.compact_at = config.get("LOCATOR_COMPACT_AT", 5_000)
        self.path: Path | None = None  # the snapshot mapped now
        self.builder = None  # the background build this process started, if any
        self.folder, self.url = folder, url
        self.index: idx.StationIndex | None = None
        self.base: idx.StationIndex | None = None
        self.version: snapshot.Version | None = None
        self.changed: dict[int, idx.Record | None] = {}  # overlay: None when retired
        self.applied: dict[int, datetime] = {}  # id -> updated_at already patched in
        self.high: datetime | None = None  # the newest updated_at seen
        self.floor: datetime | None = None  # every change up to this is in the base
        self.checked = 0.0
        self.generation = 0  # counts every new index (opened or patched): what pages key on
        self.lock = threading.RLock()
        self.records = RecordCache(config.get("LOCATOR_RECORD_CACHE", 20_000))

    def get(self) -> idx.StationIndex:
        if self.index is not None and time.monotonic() - self.checked < self.check_every_s:
            return self.index
        with self.lock:
            if self.index is None:
                self._open()
            elif time.monotonic() - self.checked >= self.check_every_s:
                self._poll()
            self.checked = time.monotonic()
        return self.index

    def _open(self) -> None:
        connection = db.session.connection()
        base = None
        if self.folder is not None:
            try:
                base, version, self.path = snapshot.open_shared(
                    connection, self.folder, self.url, self.most_changed
                )
            except OSError as error:  # no writable instance folder: this process alone
                current_app.logger.warning("locator snapshot not shared: %s", error)
        if base is None:
            base, version = snapshot.read(connection)
            self.folder = self.path = None
        self._start(base, version)

    def _start(self, base: idx.StationIndex, version: snapshot.Version) -> None:
        self.base, self.version, self.index = base, version, base
        self.generation += 1
        self.changed, self.applied = {}, dict(version.recent or {})
        self.high, self.floor = version.stamp, version.floor()
        self.records.clear()
        self._poll(reopen=False)

    def _since(self) -> datetime | None:
        """Look for changes after the newest seen, and back over the last few seconds (a
        transaction may commit after a later one), never before the snapshot's floor."""
        if self.high is None:
            return None
        since = min(self.high, utcnow() - self.window)
        return since if self.floor is None else max(since, self.floor)

    def _poll(self, reopen: bool = True) -> None:
        """Patch in the stations changed since the last look (one indexed range query)."""
        if reopen and self.folder is not None:
            self._take_newer_snapshot()
        query = select(Station.id, Station.updated_at)
        since = self._since()
        if since is not None:
            query = query.where(Station.updated_at > since)
        if reopen:
            query = query.limit(self.most_changed + 1)
        rows = db.session.execute(query).all()
        if reopen and len(rows) > self.most_changed:
            self.index = None  # a bulk change: open a fresh (shared) base instead
            self._open()
            return
        fresh = {i: stamp for i, stamp in rows if self.applied.get(i) != stamp}
        if not fresh:
            return
        if reopen and len(self.changed) + len(fresh) > self.most_changed:
            self.index = None  # too many to patch: open a fresh (shared) base instead
            self._open()
            return
        self.patch(fresh)

    def patch(self, fresh: dict[int, datetime]) -> None:
        for record_id, record in _records(list(fresh)).items():
            self.changed[record_id] = record
        for station_id in fresh:
            self.changed.setdefault(station_id, None)  # gone from the table: out of the index
        self.applied.update(fresh)
        newest = max(fresh.values())
        self.high = newest if self.high is None else max(self.high, newest)
        old = min(self.high, utcnow()) - self.window * 2
        self.applied = {k: v for k, v in self.applied.items() if v > old}
        self.index = overlaid(self.base, self.changed, _codes())
        self.generation += 1
        self.records.forget(fresh)
        if self.folder is not None and len(self.changed) >= self.compact_at:
            self._compact()

    def _compact(self) -> None:
        """The overlay has grown: have a fresh snapshot built beside us, once for all workers
        (a process of its own; every worker maps it when it is there)."""
        if self.builder is not None and self.builder.poll() is None:
            return
        try:
            self.builder = snapshot.compact_in_background(self.folder, self.url)
        except OSError as error:
            current_app.logger.warning("locator snapshot not rebuilt: %s", error)

    def _take_newer_snapshot(self) -> None:
        """Switch to a snapshot newer than ours (one a background build just wrote), then
        patch in only what changed since it was taken."""
        newer = snapshot.newest(self.folder, snapshot.database_key(self.url))
        if newer is None or newer == self.path:
            return
        try:
            base, version = snapshot.load(newer)
        except (OSError, ValueError, KeyError, EOFError):
            return  # half pruned, or being replaced: the next look tries again
        ours = self.version.stamp if self.version is not None else None
        if ours is not None and (version.stamp is None or version.stamp < ours):
            return  # an older one (ours was built in-process after it)
        self.path = newer
        self._start(base, version)


def overlaid(
    base: idx.StationIndex, changed: dict[int, idx.Record | None], codes: list[str]
) -> idx.StationIndex:
    """`base` with the changed stations shadowed and searched in an overlay of their own."""
    dead = np.zeros(len(base), bool)
    ids = np.fromiter(changed, np.int64, len(changed))
    rows = np.searchsorted(base.ids, ids)
    inside = rows < len(base)
    rows, ids = rows[inside], ids[inside]
    dead_rows = np.sort(rows[base.ids[rows] == ids])
    dead[dead_rows] = True
    overlay = idx.build([r for r in changed.values() if r is not None], codes)
    return replace(base, dead=dead, overlay=overlay, dead_rows=dead_rows)


def _codes() -> list[str]:
    return sorted(entry.code for entry in cached_catalogue().values())


def live_index() -> LiveIndex:
    live = current_app.extensions.get("station_index")
    if live is None:
        config = current_app.config
        url = str(db.engine.url.render_as_string(hide_password=False))
        shared = config.get("LOCATOR_SNAPSHOT")
        if shared is None:
            shared = not current_app.testing and not url.endswith(":memory:")
        folder = config.get("LOCATOR_SNAPSHOT_DIR") or Path(current_app.instance_path) / "locator"
        folder = Path(folder)
        live = LiveIndex(config, folder if shared else None, url)
        current_app.extensions["station_index"] = live
    return live


def current_index() -> idx.StationIndex:
    return live_index().get()


def _raw(column):
    return type_coerce(column, String).label(column.key)


def _records(ids: list[int]) -> dict[int, idx.Record | None]:
    """The index's view of these stations now: None for a retired one."""
    found: dict[int, idx.Record | None] = {}
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        query = select(
            Station.id,
            Station.lat,
            Station.lon,
            _raw(Station.kind),
            Station.opening_hours,
            _raw(Station.status),
            Station.closed_until,
        ).where(Station.id.in_(chunk))
        facility_query = (
            select(StationFacility.station_id, Facility.code, StationFacility.hours)
            .join(Facility)
            .where(
                StationFacility.state == FacilityState.WORKING,
                StationFacility.station_id.in_(chunk),
            )
        )
        working: dict[int, dict[str, str]] = defaultdict(dict)
        for station_id, code, own_hours in db.session.execute(facility_query):
            working[station_id][code] = (own_hours or "").strip()
        for row in db.session.execute(query):
            found[row.id] = _record(row, working[row.id])
    return found


def _record(row, working: dict[str, str]) -> idx.Record | None:
    if row.status == StationStatus.CLOSED.value:  # retired: dropped from the index
        return None
    return idx.Record(
        row.id,
        row.lat,
        row.lon,
        row.kind,
        row.opening_hours or "",
        frozenset(working),
        _closed_until(row),
        tuple(sorted((code, text) for code, text in working.items() if text)),
    )


def _closed_until(row) -> float | None:
    if row.status != StationStatus.TEMPORARILY_CLOSED.value:
        return None
    return row.closed_until.timestamp() if row.closed_until else idx.NO_END


def _records_of(index: idx.StationIndex) -> list[idx.Record]:
    """The index's own rows as records (its overlay's changes applied)."""
    out = []
    for part in index.layers():
        bit_codes = {bit: code for code, bit in part.facility_bits.items()}
        for row in range(len(part)):
            if part.dead is not None and part.dead[row]:
                continue
            bits = int(part.bits[row])
            closed = part.closed_until[row]
            out.append(
                idx.Record(
                    int(part.ids[row]),
                    float(part.lat[row]),
                    float(part.lon[row]),
                    idx.KINDS[part.kind[row]],
                    part.hours_strings[part.hours_id[row]],
                    frozenset(code for bit, code in bit_codes.items() if bits & bit),
                    None if np.isnan(closed) else float(closed),
                    tuple(sorted(part.own(row).items())),
                )
            )
    return out


class RecordCache:
    """Station records for answers, by id: most answers need no database round trip. An
    entry goes when its station changes (LiveIndex.patch) or the catalogue's names do."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: dict[int, object] = {}
        self.catalogue: dict | None = None
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.items = {}

    def forget(self, ids: Iterable[int]) -> None:
        with self.lock:
            for station_id in ids:
                self.items.pop(station_id, None)

    def get_many(self, ids: list[int], load: Callable[[list[int]], dict]) -> dict:
        catalogue = cached_catalogue()
        if catalogue is not self.catalogue:
            if self.catalogue is not None and catalogue != self.catalogue:
                self.clear()  # names or order changed: records carry them
            self.catalogue = catalogue
        items = self.items
        found = {i: items[i] for i in ids if i in items}
        missing = [i for i in ids if i not in found]
        if missing:
            loaded = load(missing)
            with self.lock:
                if len(self.items) + len(loaded) > self.size:
                    keep = list(self.items.items())[len(self.items) // 2 :]  # the newer half
                    self.items = dict(keep)
                self.items.update(loaded)
            found.update(loaded)
        return found
