"""Verification of data.binance.vision ``.CHECKSUM`` files."""

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from liqheat_nautilus.persistence.errors import IngestError


def sha256_of(path: str | Path, block_size: int = 1 << 20) -> str:
    """
    Return the SHA-256 hex digest of a file, read in blocks.

    Parameters
    ----------
    path : str or Path
        The file.
    block_size : int, default 1 MiB
        Read size.

    Returns
    -------
    str
        64 lowercase hex digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(block_size):
            digest.update(block)
    return digest.hexdigest()


def verify_checksum(path: str | Path) -> bool:
    """
    Check a file against its sibling ``<name>.CHECKSUM`` when there is one.

    data.binance.vision publishes, next to each archive ``X.zip``, a file ``X.zip.CHECKSUM`` with the line
    ``<sha256 hex>  X.zip`` (the ``sha256sum`` format).

    Parameters
    ----------
    path : str or Path
        The archive.

    Returns
    -------
    bool
        True if a checksum file existed and matched, False if there was none.

    Raises
    ------
    IngestError
        If the checksum file is unreadable or the digest differs.
    """
    path = Path(path)
    sidecar = path.with_name(path.name + ".CHECKSUM")
    if not sidecar.is_file():
        return False
    text = sidecar.read_text(encoding="ascii", errors="replace").strip()
    expected = text.split()[0].lower() if text else ""
    if len(expected) != 64 or any(ch not in "0123456789abcdef" for ch in expected):
        raise IngestError(sidecar, f"not a sha256 checksum line: {text[:80]!r}", row=1)
    actual = sha256_of(path)
    if actual != expected:
        raise IngestError(path, f"sha256 {actual} does not match {sidecar.name} ({expected}); file corrupt or "
                                "truncated")
    return True


NOTE_MAX_FILES = 5
"""Most file names :func:`unverified_note` lists; more are counted."""


def verify_checksums(paths: Iterable[str | Path]) -> list[Path]:
    """
    Verify every file that has a ``.CHECKSUM`` sibling; return those that have none.

    Parameters
    ----------
    paths : iterable of str or Path
        The archives.

    Returns
    -------
    list[Path]
        The files without a checksum file (not verified), in the given order.

    Raises
    ------
    IngestError
        As :func:`verify_checksum`, for the first unreadable checksum file or mismatching digest.
    """
    return [Path(p) for p in paths if not verify_checksum(p)]


def unverified_note(paths: Sequence[Path]) -> str:
    """
    Return the one line saying which files were ingested without verification, or ``""`` when none was.

    Parameters
    ----------
    paths : sequence of Path
        The files without a ``.CHECKSUM`` sibling (:func:`verify_checksums`).

    Returns
    -------
    str
        Their count and names (the first :data:`NOTE_MAX_FILES`), and how to have them verified.
    """
    if not paths:
        return ""
    names = ", ".join(str(p) for p in paths[:NOTE_MAX_FILES])
    more = f" and {len(paths) - NOTE_MAX_FILES:,} more" if len(paths) > NOTE_MAX_FILES else ""
    them = "these" if len(paths) > 1 else "this"
    return (f"note: {len(paths):,} file(s) not verified, no .CHECKSUM file next to {them}: {names}{more} (ingested "
            "all the same; download each archive's .CHECKSUM from data.binance.vision next to it to have it "
            "verified, or give --no-verify to skip verification without this note)")
