"""Where an ingest's instruments come from: the venue's own metadata, cached in the catalog, or the user's spec file.

:func:`resolve_instruments` looks each wanted instrument up, in this order:

1. the instrument-spec files the user gave (``--instrument-spec FILE``, :mod:`.instruments`);
2. the venue metadata files the user gave (``--exchange-info FILE``: a saved Binance ``exchangeInfo`` response);
3. the target catalog's own instruments (a definition written by an earlier run: later runs work offline);
4. the venue, online (unless ``online=False``, and never when ``exchange_info_files`` are given: an instrument they
   do not list, nor the catalog, is refused with :class:`~liqheat_nautilus.persistence.errors.IngestOptionError`
   naming them and the symbol): Binance's ``exchangeInfo`` (USD-M or COIN-M) through ccxt, or ccxt's markets for
   Bybit and OKX.

Whatever is found is written into the catalog with the data, so the catalog is the cache. Nothing is looked up in a
table of the code: any Binance USD-M/COIN-M, Bybit or OKX perpetual works.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nautilus_trader.model.instruments import CryptoPerpetual

from liqheat_nautilus.adapters.common.instruments import load_instrument_specs
from liqheat_nautilus.persistence.errors import IngestError, IngestOptionError

CCXT_VENUES = {"BINANCE": "binance", "BYBIT": "bybit", "OKX": "okx", "HYPERLIQUID": "hyperliquid"}
"""Nautilus venue -> the ccxt venue name of :data:`~liqheat_nautilus.adapters.ccxt.config.VENUES`."""


@dataclass(frozen=True)
class InstrumentSources:
    """
    Where :func:`resolve_instruments` may find instrument definitions besides the catalog.

    Attributes
    ----------
    spec_files : tuple[Path, ...]
        Instrument-spec files (``.toml``/``.json``), first match wins.
    exchange_info_files : tuple[Path, ...]
        Saved venue metadata: Binance ``GET /fapi/v1/exchangeInfo`` or ``GET /dapi/v1/exchangeInfo`` responses.
    online : bool
        Ask the venue when no file and no catalog has the instrument; not when ``exchange_info_files`` are given
        (the venue's answer was given as a file: one that lacks the instrument is the wrong file).
    api_base : str or None
        Another origin for the online requests (a proxy; the tests' local recorded-response server).
    exchange_info_option : bool
        Whether the command has an ``--exchange-info`` option (the Binance and Coinglass ingests): the error for an
        instrument found nowhere offers that option only then (``liqheat catalog ingest csv`` has none).
    """

    spec_files: tuple[Path, ...] = ()
    exchange_info_files: tuple[Path, ...] = ()
    online: bool = True
    api_base: str | None = field(default=None, repr=False)
    exchange_info_option: bool = True

    @classmethod
    def offline(cls, *spec_files: str | Path, exchange_info: Iterable[str | Path] = ()) -> "InstrumentSources":
        """
        Return sources that never touch the network.

        Parameters
        ----------
        *spec_files : str or Path
            Instrument-spec files.
        exchange_info : iterable of str or Path, optional
            Saved Binance ``exchangeInfo`` responses.

        Returns
        -------
        InstrumentSources
        """
        return cls(tuple(Path(p) for p in spec_files), tuple(Path(p) for p in exchange_info), online=False)


def with_folder_spec(sources: InstrumentSources | None, folder: str | Path,
                     name: str = "instrument.toml") -> InstrumentSources:
    """
    Return the sources plus a data folder's own instrument-spec file (after the user's), when the folder has one.

    Parameters
    ----------
    sources : InstrumentSources or None
        The user's sources (``None``: none, online allowed).
    folder : str or Path
        A data set's folder (the OKX sample, the Coinglass set).
    name : str, default "instrument.toml"
        The file name.

    Returns
    -------
    InstrumentSources
    """
    sources = sources or InstrumentSources()
    own = Path(folder) / name
    if not own.is_file():
        return sources
    return InstrumentSources((*sources.spec_files, own), sources.exchange_info_files, sources.online,
                             sources.api_base, sources.exchange_info_option)


def catalog_instruments(catalog_dir: str | Path) -> dict[str, CryptoPerpetual]:
    """
    Return the perpetual definitions a catalog already holds (the cache of earlier runs).

    Parameters
    ----------
    catalog_dir : str or Path
        A catalog folder (need not exist).

    Returns
    -------
    dict[str, CryptoPerpetual]
        By instrument id; empty when the folder is not a catalog.
    """
    from liqheat_nautilus.persistence.reader import read_instruments

    return {iid: i for iid, i in read_instruments(catalog_dir).items() if isinstance(i, CryptoPerpetual)}


def _exchange_info_file(path: Path) -> dict[str, CryptoPerpetual]:
    from liqheat_nautilus.adapters.binance.providers import perpetuals_from_exchange_info

    if not path.is_file():
        raise IngestError(path, "exchangeInfo file not found")
    return perpetuals_from_exchange_info(path.read_bytes(), path)


def online_instruments(venue: str, raw_symbols: Iterable[str],
                       api_base: str | None = None) -> dict[str, CryptoPerpetual]:
    """
    Ask a venue for its perpetuals (public endpoints, ccxt's rate limiter on).

    Parameters
    ----------
    venue : str
        Nautilus venue name: ``BINANCE`` (the ``exchangeInfo`` of USD-M, and of COIN-M when a wanted symbol is
        COIN-M), ``BYBIT``, ``OKX`` or ``HYPERLIQUID`` (ccxt's markets).
    raw_symbols : iterable of str
        The venue symbols wanted (decides which Binance endpoints are asked).
    api_base : str, optional
        Another origin for the requests.

    Returns
    -------
    dict[str, CryptoPerpetual]
        Every perpetual the answers define, by instrument id.

    Raises
    ------
    ValueError
        For a venue without an online source.
    ccxt.BaseError
        If a request fails.
    """
    if venue == "BINANCE":
        from liqheat_nautilus.adapters.binance.providers import (
            fetch_exchange_info,
            is_coin_margined,
            perpetuals_from_exchange_info,
        )

        out: dict[str, CryptoPerpetual] = {}
        for coin in sorted({is_coin_margined(s) for s in raw_symbols}):
            endpoint = "dapi" if coin else "fapi"
            out.update(perpetuals_from_exchange_info(fetch_exchange_info(coin, api_base), f"Binance {endpoint} "
                                                     "exchangeInfo"))
        return out
    if venue not in CCXT_VENUES:
        raise ValueError(f"no online instrument source for venue {venue!r}; known: {sorted(CCXT_VENUES)}")
    from liqheat_nautilus.adapters.ccxt.client import make_exchange
    from liqheat_nautilus.adapters.ccxt.providers import perpetuals_from_markets

    exchange = make_exchange(CCXT_VENUES[venue], api_base=api_base)
    exchange.load_markets()
    return perpetuals_from_markets(exchange, venue)


def resolve_instruments(wanted: dict[str, str], catalog_dir: str | Path, sources: InstrumentSources | None = None,
                        where: str | Path | Mapping[str, str | Path] = "") -> dict[str, tuple[CryptoPerpetual, str]]:
    """
    Find the definition of each wanted instrument (see the module docstring for the order).

    Parameters
    ----------
    wanted : dict[str, str]
        ``{instrument id: venue symbol}``, e.g. ``{"SOLUSDT-PERP.BINANCE": "SOLUSDT"}``.
    catalog_dir : str or Path
        The target catalog (its instruments are the cache).
    sources : InstrumentSources, optional
        Files and whether to go online (default: none, online).
    where : str, Path or Mapping[str, str | Path], default ""
        Named in the error (the input file or folder), or ``{instrument id: its input file}`` when the inputs
        are for several instruments: the error then names the file of the (first) instrument not found.

    Returns
    -------
    dict[str, tuple[CryptoPerpetual, str]]
        ``{instrument id: (instrument, where it came from)}``, the origin being the file path, ``"catalog"`` or
        ``"<VENUE> online"``.

    Raises
    ------
    IngestOptionError
        If ``sources.exchange_info_files`` are given and an instrument is in none of them (nor in a spec file or the
        catalog): the message names the instrument, its venue symbol and the files (the error's path is the input
        file, as for :class:`IngestError`); the venue is not asked.
    IngestError
        If a file is bad, a definition's venue symbol differs from the wanted one, or an instrument is found
        nowhere (the message says what was tried and how to give a definition).
    """
    sources = sources or InstrumentSources()
    found: dict[str, tuple[CryptoPerpetual, str]] = {}
    missing = dict(wanted)

    def take(defs: dict[str, CryptoPerpetual], origin: str) -> None:
        for iid in list(missing):
            if iid in defs:
                instrument = defs[iid]
                if instrument.raw_symbol.value != missing[iid]:
                    raise IngestError(origin, f"{iid} is the venue symbol {instrument.raw_symbol.value!r} there, "
                                              f"not {missing[iid]!r}", field="raw_symbol")
                found[iid] = (instrument, origin)
                del missing[iid]

    for path in sources.spec_files:
        take(load_instrument_specs(path), str(path))
    for path in sources.exchange_info_files:
        if missing:
            take(_exchange_info_file(Path(path)), str(path))
    if missing:
        take(catalog_instruments(catalog_dir), "catalog")
    errors: list[str] = []
    given = sources.exchange_info_files  # the venue's answer given as files: the venue is not asked again
    if missing and sources.online and not given:
        by_venue: dict[str, list[str]] = {}
        for iid, raw in missing.items():
            by_venue.setdefault(iid.rsplit(".", 1)[1], []).append(raw)
        for venue, raws in sorted(by_venue.items()):
            try:
                defs = online_instruments(venue, sorted(raws), sources.api_base)
            except Exception as exc:  # noqa: BLE001 - any network/venue failure becomes the one clear error below
                errors.append(f"{venue} could not be asked ({type(exc).__name__}: {str(exc)[:160]})")
                continue
            take(defs, f"{venue} online")
    if missing:
        named = where.get(min(missing), "") if isinstance(where, Mapping) else where
        if given:  # the wrong file, or a symbol the venue does not list: the user's to fix (a usage error)
            symbols = ", ".join(repr(missing[iid]) for iid in sorted(missing))
            files = ", ".join(str(p) for p in given)
            them = "them" if len(missing) > 1 else "it"
            raise IngestOptionError(named or catalog_dir, f"no instrument definition for {sorted(missing)} (venue "
                                    f"symbol {symbols}): --exchange-info {files} does not list {them}, nor "
                                    f"{'do the instrument-spec files or ' if sources.spec_files else 'does '}the "
                                    "catalog; the venue is not asked when --exchange-info is given. Give the "
                                    "exchangeInfo file that lists it (Binance GET /fapi/v1/exchangeInfo for USD-M, "
                                    "/dapi/v1/exchangeInfo for COIN-M), --instrument-spec FILE (TOML, see "
                                    "docs/data.md), or no --exchange-info to ask the venue online",
                                    field="instrument")
        tried = ["the instrument-spec files" if sources.spec_files else "", "the catalog",
                 "the venue online" if sources.online else ""]
        # --exchange-info only reads Binance's answer, and only the commands that have the option offer it
        offer = sources.exchange_info_option and any(iid.endswith(".BINANCE") for iid in missing)
        exchange_info = (" or --exchange-info FILE (a saved Binance GET /fapi/v1/exchangeInfo or /dapi/v1/exchangeInfo "
                         "response)") if offer else ""
        raise IngestError(named or catalog_dir, f"no instrument definition for {sorted(missing)}: not found in "
                          f"{', '.join(t for t in tried if t)}{'; ' + '; '.join(errors) if errors else ''}. Give "
                          f"one with --instrument-spec FILE (TOML, see docs/data.md){exchange_info}",
                          field="instrument")
    return found


def refuse_legacy_ids(catalog_dir: str | Path, instruments: Iterable[CryptoPerpetual], where: str | Path = "") -> None:
    """
    Stop when the catalog holds a contract under the id of earlier versions (``SYMBOL.VENUE``).

    E.g. ``BTCUSDT.BINANCE``, while it is now written under NautilusTrader's id (``BTCUSDT-PERP.BINANCE``).

    Writing both would leave one contract under two ids in one catalog; such catalogs are rebuilt, never rewritten
    silently (docs/data.md, "Catalogs with the ids of earlier versions").

    Parameters
    ----------
    catalog_dir : str or Path
        The target catalog.
    instruments : iterable of CryptoPerpetual
        The instruments about to be written.
    where : str or Path, default ""
        Named in the error.

    Raises
    ------
    IngestError
        If a legacy id of one of the instruments is in the catalog.
    """
    held = catalog_instruments(catalog_dir)
    for instrument in instruments:
        legacy = f"{instrument.raw_symbol.value}.{instrument.id.venue.value}"
        if legacy != instrument.id.value and legacy in held:
            raise IngestError(where or catalog_dir,
                              f"the catalog {catalog_dir} holds {legacy}, the id earlier versions gave this contract; "
                              f"it is now {instrument.id.value} (NautilusTrader's adapter id). Rebuild the catalog "
                              "into a new folder (docs/data.md, 'Catalogs with the ids of earlier versions'); it is "
                              "not rewritten in place", field="instrument_id")


def known_perpetual(instrument_id: str) -> CryptoPerpetual:
    """
    Return the instrument of one of the data sets the project ships, from the set's instrument-spec file.

    The embedded OKX sample (``catalog/okx_sol_usdt_swap_2026-06/instrument.toml``: ``SOL-USDT-SWAP.OKX``) and the
    Coinglass BTC set (``catalog/coinglass_btc_4h/instrument.toml``: ``BTCUSDT-PERP.BINANCE``).

    Parameters
    ----------
    instrument_id : str
        One of those ids.

    Returns
    -------
    CryptoPerpetual

    Raises
    ------
    KeyError
        For any other instrument (the message lists the shipped ones).
    """
    specs = shipped_instruments()
    try:
        return specs[instrument_id]
    except KeyError:
        raise KeyError(f"{instrument_id!r} is not an instrument of a shipped data set; shipped: {sorted(specs)}; "
                       "other instruments come from the venue's metadata (resolve_instruments)") from None


@cache
def shipped_instruments() -> dict[str, CryptoPerpetual]:
    """
    Return the instruments of every shipped data set (``catalog/*/instrument.toml`` under the project root).

    Returns
    -------
    dict[str, CryptoPerpetual]
        By instrument id.
    """
    from liqheat_nautilus.paths import project_root

    out: dict[str, CryptoPerpetual] = {}
    for path in sorted((project_root() / "catalog").glob("*/instrument.toml")):
        out.update(load_instrument_specs(path))
    return out
