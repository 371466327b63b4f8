"""Atomic catalog updates: write into a staging copy, then swap it in."""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nautilus_trader.persistence.catalog import ParquetDataCatalog


@contextmanager
def staged_catalog(target: str | Path, fresh: bool = False) -> Iterator[ParquetDataCatalog]:
    """
    Yield a ``ParquetDataCatalog`` on a staging folder that replaces ``target`` only if the block succeeds.

    The staging folder is a sibling of ``target`` (same filesystem, so the final renames are atomic). On any
    exception the staging folder is deleted and ``target`` is left exactly as it was.

    Parameters
    ----------
    target : str or Path
        The catalog folder to create or update.
    fresh : bool, default False
        Start from an empty catalog instead of a copy of the existing one (a full rebuild).

    Yields
    ------
    ParquetDataCatalog
        The staging catalog to write to.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging = target.with_name(f"{target.name}.staging-{tag}")
    if target.exists() and not fresh:
        shutil.copytree(target, staging)
    else:
        staging.mkdir()
    try:
        yield ParquetDataCatalog(str(staging))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = target.with_name(f"{target.name}.old-{tag}")
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
