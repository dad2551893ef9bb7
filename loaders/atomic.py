"""Crash-safe writing: one lock per store, files written aside and fsynced, folders swapped atomically.

Every writer of ``$BORDERWATCH_HOME`` (``borderwatch refresh``, the history collector) uses this module, so
that two writers never interleave and a kill -9 at any instruction leaves either the old or the new data,
never a mix and never nothing. The API is small on purpose:

``file_lock(path, timeout=...)``
    An exclusive ``fcntl.flock`` on ``path`` (created if needed), held for the ``with`` block. The kernel
    drops it when the process dies, so a killed writer never leaves a stale lock. Raises :class:`LockTimeout`
    (a :class:`~loaders.errors.BorderwatchError`, one line naming the lock file) after ``timeout`` seconds.
``atomic_write_bytes(path, data)`` / ``atomic_write_text(path, text)``
    Write a uniquely named temporary file in the same folder, fsync it, ``os.replace`` it over ``path``,
    fsync the folder. Readers see the old file or the new one.
``staged_dir(target)`` (context manager) and ``publish_dir(staged, target)``
    For a folder of files that must change together (a snapshot): build the new version in a private
    folder next to ``target`` (unique per process, never shared), then publish it. ``target`` is a symlink
    to the current version, replaced with one ``rename(2)``; earlier versions are kept for ``keep``
    publishes so a reader that resolved the old link finishes reading consistent files.
``repair_dir(target)``
    Finish or undo whatever a killed writer left: unpublished staging folders, stray links, a missing link
    (pointed back at the newest complete version), the pre-versioning layout. Call it under the lock before
    reading the current version for an update; ``publish_dir`` calls it too.

Layout for ``target = HOME/snapshot``: ``HOME/snapshot -> .snapshot.versions/<stamp>`` and
``HOME/.snapshot.versions/`` holding complete versions (``<stamp>``) and staging folders (``<stamp>.partial``).
A version becomes complete by one rename after all its files and the folder are fsynced.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator

from .errors import BorderwatchError

PARTIAL = ".partial"


class LockTimeout(BorderwatchError):
    """Another writer held the lock for longer than we were willing to wait."""


class WriteError(BorderwatchError):
    """A write failed (disk full, read-only, missing folder); nothing that was there before was changed."""


def write_error(path: Path | str, exc: OSError) -> WriteError:
    """One line naming ``path`` and what the OS said (e.g. 'No space left on device')."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EFBIG:
        reason = "file too large for the file system or the process's file-size limit"
    return WriteError(f"{path}: cannot write: {reason}; the previous data is unchanged")


# ---------------------------------------------------------------------------------------------- lock
@contextlib.contextmanager
def file_lock(path: Path | str, *, timeout: float | None = 600.0, poll: float = 0.05) -> Iterator[Path]:
    """Hold an exclusive advisory lock on ``path`` for the ``with`` block.

    ``timeout`` None waits forever; 0 tries once. Raises :class:`LockTimeout` when it expires and
    :class:`WriteError` when the lock file cannot be created (missing or read-only folder)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise write_error(path, exc) from exc
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise LockTimeout(f"{path}: another borderwatch writer holds this lock "
                                      f"(waited {timeout:g} s); try again when it has finished") from None
                time.sleep(poll)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the pid is informative only
        yield path
    finally:
        os.close(fd)  # releases the lock


# ---------------------------------------------------------------------------------------------- files
def fsync_dir(path: Path | str) -> None:
    """fsync a folder so that renames and new names in it survive a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path | str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably. Raises :class:`WriteError`."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
        fsync_dir(path.parent)
    except OSError as exc:
        raise write_error(path, exc) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def atomic_write_text(path: Path | str, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def fsync_tree(root: Path | str) -> None:
    """fsync every file and folder under ``root`` (folders after their contents)."""
    for dirpath, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            fsync_file(os.path.join(dirpath, name))
        fsync_dir(dirpath)


# ---------------------------------------------------------------------------------------------- folders
def versions_dir(target: Path) -> Path:
    return target.parent / f".{target.name}.versions"


def _complete_versions(target: Path) -> list[Path]:
    vdir = versions_dir(target)
    if not vdir.is_dir():
        return []
    return sorted((p for p in vdir.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL)),
                  key=lambda p: p.name)


def _new_stamp() -> str:
    # Sortable, unique across processes and across quick successive publishes.
    return f"{time.time_ns():020d}-{os.getpid()}"


@contextlib.contextmanager
def staged_dir(target: Path | str) -> Iterator[Path]:
    """A fresh private folder to build the next version of ``target`` in (removed if the block fails).

    Hold the writer's lock around the ``with`` block and :func:`publish_dir` inside it."""
    target = Path(target)
    vdir = versions_dir(target)
    try:
        vdir.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(dir=vdir, prefix=_new_stamp() + "-", suffix=PARTIAL))
    except OSError as exc:
        raise write_error(vdir, exc) from exc
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


def _point(target: Path, version: Path) -> None:
    """Make the symlink ``target`` point at ``version`` with one rename; fsync the parent."""
    rel = os.path.relpath(version, target.parent)
    link = target.parent / f".{target.name}.link-{os.getpid()}-{time.time_ns()}"
    os.symlink(rel, link)
    os.replace(link, target)
    fsync_dir(target.parent)


def publish_dir(staged: Path | str, target: Path | str, *, keep: int = 2) -> Path:
    """Make ``staged`` (from :func:`staged_dir`) the current version of ``target``; return its path.

    fsyncs every file, renames ``<stamp>.partial`` to ``<stamp>`` (now complete), swaps the link, and
    removes complete versions beyond the ``keep`` newest. Raises :class:`WriteError` on an OS error, in
    which case ``target`` still points at the previous version."""
    staged, target = Path(staged), Path(target)
    try:
        fsync_tree(staged)
        final = staged.with_name(staged.name[: -len(PARTIAL)])
        os.rename(staged, final)
        fsync_dir(final.parent)
        _migrate_legacy(target)
        _point(target, final)
    except OSError as exc:
        shutil.rmtree(staged, ignore_errors=True)
        raise write_error(target, exc) from exc
    _prune(target, keep=keep, current=final)
    return final


def current_version(target: Path | str) -> Path | None:
    """The folder ``target`` currently resolves to, or None."""
    target = Path(target)
    if target.is_dir():
        return Path(os.path.realpath(target))
    return None


def _migrate_legacy(target: Path) -> None:
    """A real folder at ``target`` (written before versioning) becomes a version, then a link."""
    if target.is_dir() and not target.is_symlink():
        vdir = versions_dir(target)
        vdir.mkdir(parents=True, exist_ok=True)
        version = vdir / (_new_stamp() + "-legacy")
        os.rename(target, version)  # a crash here leaves no link: repair_dir re-links the newest version
        fsync_dir(target.parent)
        _point(target, version)


def repair_dir(target: Path | str, *, legacy_names: tuple[str, ...] = ()) -> list[str]:
    """Undo or finish what an interrupted writer left around ``target``. Returns what was done (for logs).

    Call under the writer's lock. ``legacy_names``: folders an older writer used for its two-rename swap
    (newest first, e.g. ``(".snapshot.tmp", ".snapshot.old")``): when ``target`` is missing, the first of
    them holding a complete snapshot (``complete(path)`` — here: has a manifest.json) is put back."""
    target = Path(target)
    done: list[str] = []
    parent = target.parent
    if not parent.is_dir():
        return done
    for p in parent.glob(f".{target.name}.link-*"):
        with contextlib.suppress(OSError):
            p.unlink()
            done.append(f"removed stray link {p.name}")
    vdir = versions_dir(target)
    if vdir.is_dir():
        for p in vdir.iterdir():
            if p.name.endswith(PARTIAL):
                shutil.rmtree(p, ignore_errors=True)
                done.append(f"removed unpublished {p.name}")
    if not target.exists():  # missing, or a link to a version that is gone
        legacy = [parent / n for n in legacy_names if (parent / n / "manifest.json").is_file()]
        if legacy and not target.is_symlink():
            os.rename(legacy[0], target)
            fsync_dir(parent)
            done.append(f"restored {legacy[0].name} left by an interrupted refresh")
        else:
            versions = _complete_versions(target)
            if versions:
                _point(target, versions[-1])
                done.append(f"re-linked {target.name} to {versions[-1].name}")
    for n in legacy_names:
        if (parent / n).exists() and target.exists():
            shutil.rmtree(parent / n, ignore_errors=True)
            done.append(f"removed {n}")
    return done


def _prune(target: Path, *, keep: int, current: Path) -> None:
    versions = [v for v in _complete_versions(target) if v.name != current.name]
    for v in versions[: max(0, len(versions) - (keep - 1))]:
        shutil.rmtree(v, ignore_errors=True)
