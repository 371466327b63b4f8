"""Where the project's shipped files live (the sample, the default catalog, the configs) and where results go."""

import os
from pathlib import Path

OKX_SAMPLE_NAME = "okx_sol_usdt_swap_2026-06"
"""Folder (under ``catalog/``) of the raw real OKX SOL-USDT-SWAP CSVs the project ships."""

OKX_CATALOG_NAME = "okx_sol_usdt_swap"
"""Folder (under ``catalog/build/``) of the Nautilus catalog built from them."""


def project_root() -> Path:
    """
    Return the project folder holding ``catalog/`` and ``config/``.

    ``$LIQHEAT_HOME`` when set, else the checkout the package was installed from (editable install), else the
    current directory.

    Returns
    -------
    Path
    """
    env = os.environ.get("LIQHEAT_HOME")
    if env:
        return Path(env).resolve()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "catalog" / OKX_SAMPLE_NAME).is_dir():
        return checkout
    return Path.cwd()


def sample_dir() -> Path:
    """
    Return the raw OKX sample folder ``catalog/okx_sol_usdt_swap_2026-06``.

    Returns
    -------
    Path
    """
    return project_root() / "catalog" / OKX_SAMPLE_NAME


def default_catalog_dir() -> Path:
    """
    Return the default (embedded) Nautilus catalog ``catalog/build/okx_sol_usdt_swap``.

    Returns
    -------
    Path
    """
    return project_root() / "catalog" / "build" / OKX_CATALOG_NAME


def config_dir() -> Path:
    """
    Return the shipped configuration folder ``config/``.

    Returns
    -------
    Path
    """
    return project_root() / "config"


def default_results_dir() -> Path:
    """
    Return the folder every command writes its results under by default: ``results/`` of the project root.

    :func:`project_root` decides where that is (``$LIQHEAT_HOME``, else the editable install's checkout, else the
    current directory), for ``backtest`` (``results/<name>-<UTC time>/``), ``plot`` (``results/charts/``),
    ``sweep`` (``results/sweeps/<grid name>/``) and ``calibrate`` (``results/calibrated_profile.toml``) alike. An
    explicit ``--out`` (``--results-dir``) path is used as given, relative to the current directory.

    Returns
    -------
    Path
    """
    return project_root() / "results"
