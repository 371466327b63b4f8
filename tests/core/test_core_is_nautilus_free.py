"""``import liqheat_nautilus.core`` does not import NautilusTrader (the maths is testable and usable alone)."""

import subprocess
import sys


def test_importing_the_core_does_not_import_nautilus():
    code = ("import sys, liqheat_nautilus.core, liqheat_nautilus.replay, liqheat_nautilus.times, "
            "liqheat_nautilus.evaluation.calibration; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'nautilus_trader'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_the_package_still_exports_the_nautilus_classes():
    import liqheat_nautilus

    assert liqheat_nautilus.LiquidationMap.__name__ == "LiquidationMap"
    assert liqheat_nautilus.LiquidationMapActor.__module__ == "liqheat_nautilus.actor"
