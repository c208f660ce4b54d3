"""Assemble docs/benchmarks.md from the latest output of every benchmark script.

Each script under benchmarks/ saves its markdown output to benchmarks/results/NAME.md
(``python benchmarks/NAME.py | tee benchmarks/results/NAME.md``); this stitches them
together, in a fixed order, under a description of the machine.
"""

import platform
from pathlib import Path

HERE = Path(__file__).parent
ORDER = [
    ("speed", "Training speed (issue: performance)"),
    (
        "compare_revisions",
        "Before and after the engine package: the same fits, alternating",
    ),
    ("linear_equivalence", "Exact objectives: skreg vs scikit-learn's linear models"),
    (
        "linear_equivalence_losses",
        "Exact objectives: Poisson and quantile, against scikit-learn's GLMs",
    ),
    ("selection_quality", "LassoNet selection quality on known truth (friedman1)"),
    ("groups_and_factors", "Groups, penalty factors and L1 on every weight"),
    ("feature_selection", "LassoNet feature selection vs the lassonet package"),
    ("paths", "Choosing lambda: CV estimators vs GridSearchCV, sklearn and lassonet"),
    ("sparse_input", "Sparse input"),
    ("realdata", "Real data: every estimator at its defaults on 30 data sets"),
    ("intervals", "Prediction intervals: quantile networks and MC dropout"),
    ("quantile_solvers", "Training quantile networks: Adam or smoothed L-BFGS"),
]

# Results written by another script than benchmarks/NAME.py.
SCRIPTS = {
    "linear_equivalence_losses": "linear_equivalence.py --part losses",
    "compare_revisions": "compare_revisions.py 8aa525a^1 1dd9298",
}

INTRO = """# Benchmarks

Every number below was printed by a script in `benchmarks/`, run on the machine
described here; each script compares its contenders side by side in one process and
reports ratios. Re-run one with `python benchmarks/NAME.py` (see `make benchmarks`).
Tests never check wall-clock time: these tables are where speed goals live.

Machine: {machine}, 2 cores, 24 GiB RAM, no GPU (torch {torch} CPU build, scikit-learn
{sklearn}), except the section "GPU against CPU" of the speed benchmark: an NVIDIA
H100 80GB HBM3 machine with 16 CPU cores (torch 2.11.0+cu130), both devices measured
there in one run.
"""


def main():
    import sklearn
    import torch

    parts = [
        INTRO.format(
            machine=platform.machine(),
            torch=torch.__version__,
            sklearn=sklearn.__version__,
        )
    ]
    for name, title in ORDER:
        path = HERE / "results" / f"{name}.md"
        if path.exists():
            script = SCRIPTS.get(name, f"{name}.py")
            parts.append(f"## {title}\n\n`benchmarks/{script}`\n\n{path.read_text()}")
    (HERE.parent / "docs" / "benchmarks.md").write_text("\n".join(parts))


if __name__ == "__main__":
    main()
