"""Verification of data.binance.vision ``.CHECKSUM`` files."""

import hashlib
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
