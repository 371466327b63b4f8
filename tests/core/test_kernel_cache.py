"""numba's on-disk kernel cache follows every kernel source, not only each function's own file.

numba invalidates a cached function only when its own file changes; a kernel compiled against a constant or a
function of another file kept the old machine code after that file changed (a ``git pull`` into an editable
install), silently. ``kernels._base.drop_stale_caches`` drops the caches when any kernel source changes.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import liqheat_nautilus

PACKAGE = Path(liqheat_nautilus.__file__).parent

# SYNTHETIC one-level cohort: scatter_cohort (scatter.py) marks the bin it fills with _base.STATUS_ACTIVE
SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import liqheat_nautilus.core.kernels as kernels
assert kernels.__file__.startswith(sys.argv[1]), kernels.__file__
status = np.full(4, 9, dtype=np.int8)
one = np.ones(1)
kernels.scatter_cohort(one, np.full((1, 1, 1), 1.5), True, np.ones((1, 1)), np.ones(1), one, 1.0, 0.0, 1.0, 0,
                       np.zeros((4, 1)), np.zeros((0, 4, 1)), -1, status, np.zeros(4), np.full(1, 10.0), 1, False,
                       np.zeros(1), np.zeros(1))
print(int(status[1]))
"""


def _status_written(root: Path) -> int:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(root)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout.split()[-1])


def test_a_changed_constant_of_another_kernel_file_reaches_the_cached_kernel(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "liqheat_nautilus", ignore=shutil.ignore_patterns("__pycache__"))
    kernels = tmp_path / "liqheat_nautilus" / "core" / "kernels"
    assert _status_written(tmp_path) == 0  # compiled and cached: bin 1 (level 1.5) is ACTIVE (0)
    assert any((kernels / "__pycache__").glob("scatter.scatter_cohort-*.nbc"))
    base = kernels / "_base.py"
    base.write_text(base.read_text().replace("STATUS_ACTIVE = 0\n", "STATUS_ACTIVE = 5\n", 1))
    # scatter.py is unchanged, so numba alone loads its cached code and writes 0 again
    assert _status_written(tmp_path) == 5
    assert _status_written(tmp_path) == 5  # and caches the new code (the stamp now matches)
