"""OKX perpetuals known offline (the OKX sample's instrument), from OKX's published instrument definition."""

from liqheat_nautilus.adapters.common.instruments import PerpetualSpec, spec_table

OKX_VENUE = "OKX"

OKX_PERPETUALS: dict[str, PerpetualSpec] = spec_table(
    # OKX public instrument definition (GET /api/v5/public/instruments?instType=SWAP): tickSz 0.01,
    # lotSz 0.01, ctVal 1 SOL; base-tier fees maker 0.02 % / taker 0.05 %.
    PerpetualSpec("SOL-USDT-SWAP", OKX_VENUE, "SOL", "USDT", "USDT", "0.01", "0.01",
                  source="OKX /api/v5/public/instruments SOL-USDT-SWAP (tickSz 0.01, lotSz 0.01, ctVal 1)"),
)
"""Known OKX perpetuals by instrument id (``SOL-USDT-SWAP.OKX``)."""

