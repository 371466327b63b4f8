"""
OKX perpetuals: ids are the venue's ``instId`` with venue ``OKX`` (``SOL-USDT-SWAP.OKX``), as in Nautilus' adapter.

Definitions come from a sample folder's ``instrument.toml``, the catalog or OKX's instruments through ccxt
(:func:`~liqheat_nautilus.adapters.common.providers.resolve_instruments`).
"""

OKX_VENUE = "OKX"
