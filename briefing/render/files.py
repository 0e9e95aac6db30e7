"""Writing outputs: each file appears whole or not at all (temp file, fsync, rename, fsync dir)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import DeliveryError


def write_files(out_dir: Path, files: Mapping[str, str | bytes]) -> tuple[Path, ...]:
    """Write each `name: content` into `out_dir` atomically; return the paths in the given order."""
    for name in files:
        if not name or Path(name).name != name or name in {".", ".."}:
            raise DeliveryError(f"output name {name!r} is not a plain file name", path=out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeliveryError(f"cannot create the output folder: {exc}", path=out_dir) from exc
    written = []
    for name, content in files.items():
        # Lone surrogates from odd feeds must not abort the write (RELIABILITY 44).
        data = content.encode("utf-8", errors="replace") if isinstance(content, str) else content
        written.append(write_atomic(out_dir / name, data))
    _sync_dir(out_dir)
    return tuple(written)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write via a temp file in the same folder, fsync, then os.replace: never a torn file."""
    tmp_name = ""
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private; an edition is meant to be read like any other file.
        os.chmod(tmp_name, 0o666 & ~_umask())
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        raise DeliveryError(f"cannot write output: {exc.strerror or exc}", path=path) from exc
    return path


def _sync_dir(folder: Path) -> None:
    """fsync the folder so the renames themselves survive a crash (rss2email's pattern)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the files themselves are synced
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
