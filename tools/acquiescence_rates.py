"""How often the acquiescence indices flag a known acquiescent respondent and a known content respondent.

Simulated truth for issue 14: ``sim/acquiescent`` (a 1 SD shift toward agreement whatever the keying) and
``sim/steady?extraversion=1.5`` (content only, the README's planted run), each audited with the README's default
design (BFI-44, 3 templates × 2 orders × 1 sample: 6 respondents) under ``--seeds`` seeds. Prints, per model, the
share of seeds whose whole-inventory net acquiescence (balanced mean) and agreement share are flagged, and how
many of its scales read as traits.

    python tools/acquiescence_rates.py --seeds 20
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from psychometrics.administer import audit
from psychometrics.score import score

MODELS = ("sim/acquiescent", "sim/steady?extraversion=1.5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'rates.db'}"
        for model in MODELS:
            mean_flags = share_flags = readable = scales = 0
            for seed in range(args.seeds):
                joiner = "&" if "?" in model else "?"
                run = audit(f"{model}{joiner}seed={seed}", ["bfi44"], db=db).run
                s = score(run.run_id, db=db, n_boot=0)
                acq = s.response_styles[0].overall.acquiescence
                mean_flags += acq.balanced_mean is not None and acq.balanced_mean.verdict == "flagged"
                share_flags += acq.index.verdict == "flagged"
                readable += sum(sc.interpretable is True for sc in s.scales)
                scales += len(s.scales)
            print(f"{model}: net acquiescence flagged in {mean_flags} of {args.seeds} seeds, agreement share "
                  f"flagged in {share_flags} of {args.seeds}; {readable} of {scales} scale scores readable")


if __name__ == "__main__":
    main()
