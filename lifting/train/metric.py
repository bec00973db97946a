"""Validation metric for mmengine: MPJPE, symmetry gap and segment-length std (mm), per action then averaged."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from mmengine.evaluator import BaseMetric

from lifting import metrics


class PoseMetric(BaseMetric):
    default_prefix = ""

    def process(self, data_batch: dict, data_samples: list[dict]) -> None:
        actions = data_batch.get("action") or ["all"] * len(data_samples)
        for action, s in zip(actions, data_samples):
            self.results.append(
                (action, s["pred"].cpu().numpy().astype(np.float64), s["target"].cpu().numpy().astype(np.float64))
            )

    def compute_metrics(self, results: list) -> dict:
        by_action = defaultdict(lambda: ([], []))
        for action, pred, target in results:
            by_action[action][0].append(pred)
            by_action[action][1].append(target)
        per_action = {
            a: metrics.evaluate_windows(np.stack(p), np.stack(t)) for a, (p, t) in sorted(by_action.items())
        }
        return metrics.average_over_actions(per_action)
