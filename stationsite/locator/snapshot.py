"""The locator's index as files, built once and shared by every worker.

Building the index from ORM objects took a minute and 6 GB at 2,000,000 stations. Here one
SQL query reads compact columns (the working facilities already folded into a bit mask by the
database), the arrays are saved as .npy files in the instance folder, and every worker maps
them read-only (numpy memmap): the page cache holds one copy for all of them. The KD-tree is
saved beside them (pickled; loading it takes a tenth of a second).

A snapshot is named after the database (a hash of its URL) and the data version it was taken
at (the newest `Station.updated_at`); later changes are patched in by service.LiveIndex. Only
one process builds at a time (an exclusive file lock); the others wait and then map its files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import String, case, func, select, type_coerce

from ..models import Facility, FacilityState, Station, StationFacility, StationStatus
from . import index as idx
from . import viewport as view

ARRAYS = ("ids", "lat", "lon", "kind", "bits", "hours_id", "closed_until", "own_bits")
OWN = ("own_rows", "own_starts", "own_codes", "own_texts")
FORMAT = 2
CHUNK = 100_000


@dataclass(frozen=True)
class Version:
    """What a snapshot was taken at: the newest change, every station row, the catalogue."""

    stamp: datetime | None
    rows: int  # stations in the table when it was built, retired ones too (for the record)
    codes: tuple[str, ...]
    # id -> updated_at of the stations changed in the minute before `stamp`: already in the
    # snapshot, so the first look for changes (which looks back a while) skips them. None
    # when there were too many to list: then only changes after `stamp` are looked for.
    recent: dict[int, datetime] | None = field(default_factory=dict, compare=False)

    def floor(self) -> datetime | None:
        """Changes at or before this time are all in the snapshot."""
        if self.stamp is None:
            return None
        return self.stamp if self.recent is None else self.stamp - RECENT

    def to_json(self) -> dict:
        stamp = self.stamp.isoformat() if self.stamp else None
        recent = None
        if self.recent is not None:
            recent = {str(k): v.isoformat() for k, v in self.recent.items()}
        return {"stamp": stamp, "rows": self.rows, "codes": list(self.codes), "recent": recent}

    @classmethod
    def from_json(cls, data: dict) -> Version:
        stamp = datetime.fromisoformat(data["stamp"]) if data["stamp"] else None
        recent = data.get("recent")
        if recent is not None:
            recent = {int(k): datetime.fromisoformat(v) for k, v in recent.items()}
        return cls(stamp, data["rows"], tuple(data["codes"]), recent)


def _raw(column):
    return type_coerce(column, String)


def catalogue_codes(connection) -> dict[int, str]:
    return dict(connection.execute(select(Facility.id, Facility.code)).all())


def current_version(connection, *, rows: bool = True) -> Version:
    """The data version; `rows` counts the stations too (a full index scan: 0.6 s at
    2,000,000), which only a build needs."""
    stamp = connection.execute(select(func.max(Station.updated_at))).scalar()
    count = connection.execute(select(func.count()).select_from(Station)).scalar() if rows else 0
    return Version(stamp, count, tuple(sorted(catalogue_codes(connection).values())))


RECENT = timedelta(seconds=60)  # at least LiveIndex's look-back window
MOST_RECENT = 5_000


def read(connection) -> tuple[idx.StationIndex, Version]:
    """The index of every station not retired, from two plain queries (no ORM objects)."""
    version = current_version(connection)
    if version.stamp is not None:
        query = (
            select(Station.id, Station.updated_at)
            .where(Station.updated_at > version.stamp - RECENT)
            .limit(MOST_RECENT + 1)
        )
        recent = dict(connection.execute(query).all())
        # a bulk change (an import) just before: too many to list, look only after it
        version = replace(version, recent=recent if len(recent) <= MOST_RECENT else None)
    code_of = catalogue_codes(connection)
    facility_bits = idx.bit_map(code_of.values())
    bit_of_id = {fid: facility_bits[code] for fid, code in code_of.items() if code in facility_bits}
    bit = case(bit_of_id, value=StationFacility.facility_id, else_=0) if bit_of_id else 0
    working = (
        select(func.coalesce(func.sum(bit), 0))
        .where(
            StationFacility.station_id == Station.id,
            StationFacility.state == FacilityState.WORKING,
        )
        .scalar_subquery()
    )
    query = (
        select(
            Station.id,
            Station.lat,
            Station.lon,
            _raw(Station.kind),
            Station.opening_hours,
            _raw(Station.status),
            Station.closed_until,
            working,
        )
        .where(Station.status != StationStatus.CLOSED)
        .order_by(Station.id)
    )
    columns: dict[str, list] = {name: [] for name in ARRAYS if name != "own_bits"}
    hours_pos: dict[str, int] = {}
    kinds = {kind: i for i, kind in enumerate(idx.KINDS)}
    for chunk in connection.execute(query).yield_per(CHUNK).partitions():
        ids, lat, lon, kind, opening, status, until, bits = zip(*chunk, strict=True)
        columns["ids"].append(np.array(ids, np.int64))
        columns["lat"].append(np.array(lat, float))
        columns["lon"].append(np.array(lon, float))
        columns["kind"].append(np.array([kinds[k] for k in kind], np.int8))
        columns["bits"].append(np.array(bits, np.uint64))
        columns["hours_id"].append(
            np.array([hours_pos.setdefault(h or "", len(hours_pos)) for h in opening], np.int32)
        )
        columns["closed_until"].append(
            np.array([_closed_until(s, u) for s, u in zip(status, until, strict=True)], float)
        )
    arrays = {
        name: np.concatenate(parts) if parts else np.empty(0, _DTYPES[name])
        for name, parts in columns.items()
    }
    own = _own_hours(connection, arrays["ids"], code_of, facility_bits)
    arrays["own_bits"] = own.bits(len(arrays["ids"]), facility_bits)
    index = assemble(arrays, [h.strip() for h in hours_pos], facility_bits, own)
    index.grids = view.build_grids(index.lat, index.lon)
    return index, version


_DTYPES = {
    "ids": np.int64,
    "lat": float,
    "lon": float,
    "kind": np.int8,
    "bits": np.uint64,
    "hours_id": np.int32,
    "closed_until": float,
    "own_bits": np.uint64,
}


def _closed_until(status: str, until: datetime | None) -> float:
    if status != StationStatus.TEMPORARILY_CLOSED.value:
        return np.nan
    return until.timestamp() if until else idx.NO_END


def _own_hours(connection, ids: np.ndarray, code_of: dict[int, str], facility_bits):
    """Working facilities with their own hours, as sparse arrays by index row."""
    query = select(
        StationFacility.station_id, StationFacility.facility_id, StationFacility.hours
    ).where(StationFacility.state == FacilityState.WORKING, StationFacility.hours != "")
    codes = sorted(code_of.values())
    code_pos = {fid: codes.index(code) for fid, code in code_of.items()}
    texts: dict[str, int] = {}
    station, code, text = [], [], []
    for chunk in connection.execute(query).yield_per(CHUNK).partitions():
        for station_id, facility_id, hours_text in chunk:
            hours_text = (hours_text or "").strip()
            if hours_text:
                station.append(station_id)
                code.append(code_pos[facility_id])
                text.append(texts.setdefault(hours_text, len(texts)))
    station_ids = np.array(station, np.int64)
    rows = np.searchsorted(ids, station_ids)
    known = (rows < len(ids)) & (ids[np.minimum(rows, len(ids) - 1)] == station_ids)
    if not len(ids):
        known = np.zeros(len(station_ids), bool)
    rows = rows[known]
    return idx.OwnHours.from_entries(
        rows, np.array(code, np.int16)[known], np.array(text, np.int32)[known], codes, list(texts)
    )


def assemble(arrays: dict, hours_strings, facility_bits, own: idx.OwnHours, tree=None):
    return idx.StationIndex(
        ids=arrays["ids"],
        lat=arrays["lat"],
        lon=arrays["lon"],
        kind=arrays["kind"],
        bits=arrays["bits"],
        hours_id=arrays["hours_id"],
        closed_until=arrays["closed_until"],
        hours_strings=list(hours_strings),
        facility_bits=dict(facility_bits),
        tree=tree if tree is not None else idx.tree_of(arrays["lat"], arrays["lon"]),
        own_hours=own,
        own_bits=arrays["own_bits"],
    )


# Files ------------------------------------------------------------------------------------


def database_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def save(folder: Path, key: str, index: idx.StationIndex, version: Version) -> Path:
    """Write the snapshot beside a temporary name, then rename: readers never see half."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = int(version.stamp.timestamp() * 1e6) if version.stamp else 0
    final = folder / f"{key}-{stamp}-{version.rows}-{os.getpid()}-{time.time_ns()}"
    partial = final.with_name(final.name + ".partial")
    partial.mkdir()
    for name in ARRAYS:
        np.save(partial / f"{name}.npy", np.ascontiguousarray(getattr(index, name)))
    for name in OWN:
        np.save(partial / f"{name}.npy", getattr(index.own_hours, name[4:]))
    for name in view.Grids.NAMES:
        np.save(partial / f"grid_{name}.npy", getattr(index.grids, name))
    with open(partial / "tree.pickle", "wb") as out:
        pickle.dump(index.tree, out, protocol=pickle.HIGHEST_PROTOCOL)
    meta = {
        "format": FORMAT,
        "version": version.to_json(),
        "hours_strings": index.hours_strings,
        "facility_bits": index.facility_bits,
        "own_code_names": index.own_hours.code_names,
        "own_text_strings": index.own_hours.strings,
    }
    (partial / "meta.json").write_text(json.dumps(meta))
    partial.rename(final)
    return final


def newest(folder: Path, key: str) -> Path | None:
    found = [p for p in folder.glob(f"{key}-*") if not p.name.endswith(".partial")]
    found = [p for p in found if (p / "meta.json").exists()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def load(path: Path) -> tuple[idx.StationIndex, Version]:
    """Map a snapshot's arrays read-only: every worker shares the same pages."""
    meta = json.loads((path / "meta.json").read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"snapshot format {meta.get('format')}")
    arrays = {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
    own = idx.OwnHours(
        *(np.load(path / f"{name}.npy", mmap_mode="r") for name in OWN),
        meta["own_code_names"],
        meta["own_text_strings"],
    )
    with open(path / "tree.pickle", "rb") as src:
        tree = pickle.load(src)  # our own file, written by save() above
    index = assemble(arrays, meta["hours_strings"], meta["facility_bits"], own, tree)
    index.grids = view.Grids(
        *(np.load(path / f"grid_{name}.npy", mmap_mode="r") for name in view.Grids.NAMES)
    )
    return index, Version.from_json(meta["version"])


def prune(folder: Path, key: str, keep: Path) -> None:
    """Older snapshots of this database go (workers that mapped them keep their pages)."""
    for path in folder.glob(f"{key}-*"):
        if path != keep:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def exclusive(folder: Path, key: str) -> Iterator[None]:
    """One builder at a time across processes; the others wait here, then load its files."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{key}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def usable(found: Version, now: Version, changed: int, most_changed: int) -> bool:
    """A snapshot can be patched up to date unless the catalogue changed or too many
    stations changed since (patching those would cost more than building)."""
    return found.codes == now.codes and changed <= most_changed


def changed_since(connection, stamp: datetime | None) -> int:
    if stamp is None:
        return connection.execute(select(func.count()).select_from(Station)).scalar_one()
    query = select(func.count()).where(Station.updated_at > stamp)
    return connection.execute(query).scalar_one()


def open_shared(connection, folder: Path, url: str, most_changed: int):
    """The newest usable snapshot of this database, building (and saving) one if none is:
    (index, version, its folder)."""
    key = database_key(url)
    now = current_version(connection, rows=False)
    with exclusive(folder, key):
        found = newest(folder, key)
        if found is not None:
            try:
                index, version = load(found)
            except (OSError, ValueError, KeyError, pickle.UnpicklingError, EOFError):
                index = None
            if index is not None:
                changed = changed_since(connection, version.stamp)
                if usable(version, now, changed, most_changed):
                    return index, version, found
        path = build_and_save(connection, folder, key)
    return (*load(path), path)


def build_and_save(connection, folder: Path, key: str) -> Path:
    """A fresh snapshot from the database; older ones of this database go. Hold exclusive()."""
    index, version = read(connection)
    path = save(folder, key, index, version)
    prune(folder, key, path)
    return path


def compact_in_background(folder: Path, url: str) -> subprocess.Popen | None:
    """Start building a fresh snapshot in a process of its own (no request waits for it,
    nor shares its interpreter), unless one is being built already: None then."""
    key = database_key(url)
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / f"{key}.compact.lock", "a")  # noqa: SIM115 - the child's now
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    try:
        # the child inherits the lock and holds it until it ends
        return subprocess.Popen(
            [sys.executable, "-m", __name__, str(folder)],
            env={**os.environ, URL_VARIABLE: url},  # not in argv: ps would show a password
            pass_fds=(handle.fileno(),),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        handle.close()


def _main(folder: str, url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection, exclusive(Path(folder), database_key(url)):
            build_and_save(connection, Path(folder), database_key(url))
    finally:
        engine.dispose()


URL_VARIABLE = "STATIONSITE_SNAPSHOT_URL"

if __name__ == "__main__":
    _main(sys.argv[1], os.environ[URL_VARIABLE])
