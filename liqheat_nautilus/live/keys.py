"""API keys come from the environment only: names per mode, presence checks that never reveal values."""

import os

KEY_ENV_VARS: dict[str, tuple[str, str]] = {
    "testnet": ("BINANCE_FUTURES_TESTNET_API_KEY", "BINANCE_FUTURES_TESTNET_API_SECRET"),
    "sandbox": ("BINANCE_API_KEY", "BINANCE_API_SECRET"),
    "mainnet": ("BINANCE_API_KEY", "BINANCE_API_SECRET"),
}
"""Environment variables Nautilus' Binance adapter reads per mode (``adapters/binance/common/credentials.py``).
In ``sandbox`` mode the data still comes from Binance mainnet, whose instrument loading calls the signed
``GET /fapi/v2/account``: a read-only key is enough."""


def missing_key_vars(mode: str, environ: dict[str, str] | None = None) -> list[str]:
    """
    Return the key variables of ``mode`` that are unset or empty.

    Parameters
    ----------
    mode : str
        ``"testnet"``, ``"sandbox"`` or ``"mainnet"``.
    environ : dict[str, str], optional
        Environment to check (default ``os.environ``).

    Returns
    -------
    list[str]
        Variable *names* (values are never read into messages or logs).

    Raises
    ------
    ValueError
        If ``mode`` is unknown.
    """
    if mode not in KEY_ENV_VARS:
        raise ValueError(f"unknown execution mode {mode!r}; expected one of {sorted(KEY_ENV_VARS)}")
    env = os.environ if environ is None else environ
    return [name for name in KEY_ENV_VARS[mode] if not env.get(name)]


def require_keys(mode: str, environ: dict[str, str] | None = None) -> None:
    """
    Fail early, naming the variables, when the keys of ``mode`` are not in the environment.

    Parameters
    ----------
    mode, environ
        As for :func:`missing_key_vars`.

    Raises
    ------
    RuntimeError
        If a variable is missing (the message names it, never a value).
    ValueError
        If ``mode`` is unknown.
    """
    missing = missing_key_vars(mode, environ)
    if missing:
        raise RuntimeError(f"execution mode {mode!r} needs the environment variable(s) {', '.join(missing)}; "
                           "API keys are read from the environment only, never from config files")
