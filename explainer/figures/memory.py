"""Figures of the memory lab (live training curves, the longest-lag sweep).

Builders take `presentation=` and `labels=` like every figure; their own label keys are registered
in both languages with `register_labels` below.
"""

from __future__ import annotations

from explainer.figures.style import register_labels

LABELS: dict[str, str] = {}
LABELS_ZH: dict[str, str] = {}
register_labels(LABELS, LABELS_ZH)
