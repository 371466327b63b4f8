"""Liquidation-price models of the map: where a position opened at an entry price would be liquidated.

One object, :class:`LevelModel`, turns entry prices into liquidation levels for every leverage point and every
assumed position size (or ensemble member) of one map configuration, with the weight of each size. The formulas
live in :mod:`~liqheat_nautilus.core.liquidation_price`; the bracket tables in :mod:`~.brackets`.

Every model except inverse ``isolated_mmr`` with a maintenance amount gives levels proportional to the entry
price: their levels per unit of entry are computed once (one multiply per opening instead of the formula).
"""

import numpy as np

from liqheat_nautilus.core.funding import tier_mmr
from liqheat_nautilus.core.liquidation_price import (
    inverse_isolated_liquidation_price,
    isolated_liquidation_price,
    simple_liquidation_price,
)
from liqheat_nautilus.core.params import STATIC_MODELS, MapParams

__all__ = ["LevelModel"]


class LevelModel:
    """
    Liquidation levels of a map configuration (model, leverage points, sizes, linear or inverse).

    Parameters
    ----------
    params : MapParams
        The configuration (``model``, ``funding_base_model``, ``mmr``, ``maintenance_amount``, ``buffer``,
        ``brackets``, ``position_sizes_usd``/``position_size_weights``, ``ensemble_weights``, ``inverse``).
    tiers : np.ndarray
        Shape ``(n_tiers,)`` leverage points (x), each >= 1.

    Attributes
    ----------
    static_model : str
        The static model behind the configuration (``funding_base_model`` under ``funding_adjusted``).
    tier_mmr : np.ndarray
        Shape ``(n_tiers,)`` maintenance margin rate per tier used by the funding shift (zeros unless
        ``funding_adjusted``).
    per_unit : dict[int, tuple[np.ndarray, np.ndarray]] or None
        For proportional models, per side (+1 long, -1 short) the levels per unit of entry, shape
        ``(1, n_tiers, n_sizes)``, and the size weights ``(n_sizes,)``; ``None`` otherwise.
    unit_factor : dict[int, np.ndarray]
        Per side, shape ``(n_tiers,)``: the size-weighted level per unit of entry of each tier among the levels
        that are liquidatable (> 0). ``entry ≈ level / unit_factor[t]``, used to count a bin's notional in base
        units (exact for one size; within the spread of the sizes' maintenance rates otherwise).
    """

    def __init__(self, params: MapParams, tiers: np.ndarray) -> None:
        p = params
        self.params = p
        self.tiers = np.asarray(tiers, dtype=np.float64)
        sizes = np.asarray(p.position_sizes_usd, dtype=np.float64)
        weights = np.asarray(p.position_size_weights, dtype=np.float64)
        self._sizes = sizes
        self._size_weights = weights / weights.sum()
        self.static_model = p.funding_base_model if p.model == "funding_adjusted" else p.model
        members = p.ensemble_weights or {m: 1.0 for m in STATIC_MODELS}
        total = sum(members.values())
        self._ensemble = [(m, w / total) for m, w in members.items() if w > 0.0]
        self.tier_mmr = (
            tier_mmr(self.static_model, self.tiers.size, p.mmr, p.brackets, self._sizes, self._size_weights)
            if p.model == "funding_adjusted"
            else np.zeros(self.tiers.size)
        )
        models = [m for m, _ in self._ensemble] if self.static_model == "ensemble" else [self.static_model]
        proportional = not (p.inverse and p.maintenance_amount > 0.0 and "isolated_mmr" in models)
        self.per_unit: dict[int, tuple[np.ndarray, np.ndarray]] | None = None
        if proportional:
            self.per_unit = {side: self.formula_levels(np.ones(1), side) for side in (1, -1)}
        self.unit_factor = {side: self._unit_factor(side) for side in (1, -1)}

    def _unit_factor(self, side: int) -> np.ndarray:
        levels, size_w = self.per_unit[side] if self.per_unit is not None else self.formula_levels(np.ones(1), side)
        f = levels[0]  # (n_tiers, n_sizes) levels of an entry at 1
        live = (f > 0.0) & np.isfinite(f)
        w = np.where(live, size_w[None, :], 0.0)
        wsum = w.sum(axis=1)
        mean = np.where(wsum > 0.0, (np.where(live, f, 0.0) * w).sum(axis=1) / np.where(wsum > 0.0, wsum, 1.0), 1.0)
        return mean

    def closest_distance(self, side: int) -> float:
        """
        Return the smallest distance from entry to liquidation among the configuration's levels.

        Over every leverage point and position size of the static formulas (``funding_adjusted`` shifts its levels
        with funding; its base model is used): the reach of the most leveraged position the map can hold. A move
        smaller than this cannot liquidate a position opened at the start of the move.

        Parameters
        ----------
        side : int
            +1 long (``1 − level/entry``), -1 short (``level/entry − 1``).

        Returns
        -------
        float
            Fraction of the entry price (e.g. 0.004 for Binance's 125× with its 0.40 % maintenance margin rate);
            ``inf`` when no level is liquidatable.
        """
        levels, _ = self.per_unit[side] if self.per_unit is not None else self.formula_levels(np.ones(1), side)
        f = levels[0]
        reach = (1.0 - f) if side > 0 else (f - 1.0)
        live = np.isfinite(f) & (f > 0.0) & (reach > 0.0)
        return float(reach[live].min()) if live.any() else float("inf")

    def levels(self, entries: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray, bool]:
        """
        Liquidation levels of entries for every tier and size, in the form the scatter kernel takes.

        Parameters
        ----------
        entries : np.ndarray
            Shape ``(n,)`` entry prices (> 0).
        side : int
            +1 long, -1 short.

        Returns
        -------
        tuple[np.ndarray, np.ndarray, bool]
            ``(levels, size_weights, per_unit)``: with ``per_unit`` the levels per unit of entry
            ``(1, n_tiers, n_sizes)``, otherwise the levels themselves ``(n, n_tiers, n_sizes)``.
        """
        if self.per_unit is not None:
            levels, size_w = self.per_unit[side]
            return levels, size_w, True
        levels, size_w = self.formula_levels(entries, side)
        return levels, size_w, False

    def liquidation_prices(self, entries: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        """
        Liquidation prices of the configured model for entries × tiers × sizes (× ensemble members).

        Parameters
        ----------
        entries : np.ndarray
            Shape ``(n,)`` entry prices.
        side : int
            +1 long, -1 short.

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
            ``(prices, size_weights)``: prices of shape ``(n, n_tiers, n_sizes)`` and the weight of each size,
            shape ``(n_sizes,)`` summing to 1 (``n_sizes`` is 1 for ``simple``/``isolated_mmr``, the number of
            assumed position sizes for ``binance_standard``, and the concatenation over the members, weighted by
            ``ensemble_weights``, for ``ensemble``). ``funding_adjusted`` opens at its base model's prices.
        """
        if self.per_unit is not None:
            levels, size_w = self.per_unit[side]
            return np.asarray(entries, dtype=np.float64)[:, None, None] * levels, size_w
        return self.formula_levels(entries, side)

    def formula_levels(self, entries: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        """
        :meth:`liquidation_prices` evaluated through the formulas (no per-unit shortcut).

        The tests check the per-unit shortcut against it; the formulas' sources are in
        :mod:`liqheat_nautilus.core.liquidation_price`.

        Parameters
        ----------
        entries : np.ndarray
            Shape ``(n,)`` entry prices (price).
        side : int
            +1 long, -1 short.

        Returns
        -------
        tuple[np.ndarray, np.ndarray]
            ``(prices, size_weights)``: shape ``(n, n_tiers, n_sizes)`` liquidation prices and ``(n_sizes,)`` weights
            (:meth:`~liqheat_nautilus.core.models.LevelModel.liquidation_prices` gives the layout per model).
        """
        if self.static_model == "ensemble":
            parts = [self._static(m, entries, side) for m, _ in self._ensemble]
            prices = np.concatenate([pr for pr, _ in parts], axis=2)
            weights = np.concatenate([sw * w for (_, sw), (_, w) in zip(parts, self._ensemble, strict=True)])
            return prices, weights
        return self._static(self.static_model, entries, side)

    def _static(self, model: str, entries: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
        p = self.params
        e = np.asarray(entries, dtype=np.float64)[:, None, None]
        lev = self.tiers[None, :, None]
        formula = inverse_isolated_liquidation_price if p.inverse else isolated_liquidation_price
        with np.errstate(divide="ignore", invalid="ignore"):
            if model == "simple":
                return simple_liquidation_price(e, lev, side, p.buffer), np.ones(1)
            if model == "isolated_mmr":
                return formula(e, lev, side, p.mmr, p.maintenance_amount, p.avg_position_usd), np.ones(1)
            # binance_standard: per assumed position size, the bracket's MMR and maintenance amount; a tier above
            # the bracket's maximum leverage is capped at that maximum (Binance does not allow it).
            sizes = self._sizes[None, None, :]
            mmr, cum, max_lev = p.brackets.lookup(sizes)
            if p.inverse:
                cum = cum / e  # the table's USD maintenance amount in coin at the entry price
            return formula(e, np.minimum(lev, max_lev), side, mmr, cum, sizes), self._size_weights
