"""Figures of the memory lab: training curves, the longest-lag sweep, and the "why" charts.

    training_curves_figure({"RNN": rows, "LSTM": rows}, metric="mse", baseline=1/6,
                           solved_threshold=0.01, task="adding", lag=100)
    sweep_figure(json.load(open("assets/memory_sweep.json")))
    why_decay_figure({"LSTM": (trace, grads)}, marks=[12, 70])
    gate_means_figure({"f": f_mean, "i": i_mean, "o": o_mean}, marks=[12, 70], units=64)

A history row is `(step, seconds, train_loss, metric)`, the backend's `RunResult.summary()`
format: `metric` is the held-out MSE (adding problem, lower is better) or accuracy (delayed
recall, higher is better). MSE and loss axes are logarithmic. Every number drawn comes from the
caller; the builders only place it (plus a small horizontal offset per cell in the sweep, so the
markers of one lag do not hide each other). Builders take `presentation=` and `labels=` like
every figure; their label keys are in `explainer.figures.labels` (Chinese: `explainer.i18n.labels`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explainer.cells import CELL_NAMES
from explainer.figures.gradients import gradient_decay_figure, log_axis, log_range
from explainer.figures.style import (
    GATE_COLORS,
    RUN_COLORS,
    assemble,
    merge_labels,
    reference_line,
    style,
)
from explainer.trace import Grads, Trace

_OFFSET = {"rnn": 0.94, "lstm": 1.0, "gru": 1.06}  # sweep: spread the cells' markers at one lag


def _short(v: float) -> str:
    return f"{v:.3g}"


def _history(rows: Sequence[Sequence[float]]) -> dict[str, np.ndarray]:
    a = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    return {"step": a[:, 0], "seconds": a[:, 1], "train_loss": a[:, 2], "metric": a[:, 3]}


def _positive(y: np.ndarray) -> np.ndarray:
    """Values a log axis can draw (others become gaps)."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(y) & (y > 0), y, np.nan)


def _log_axis(values: list[np.ndarray]) -> dict[str, Any]:
    """A log axis fitted to `values` (non-positive ones dropped), with a tick on each decade
    written as a power of ten."""
    return log_axis(*log_range([_positive(a) for a in values]))


def _metric_axis(metric: str, values, lab: Mapping[str, str]) -> dict:
    """The y-axis of a metric: MSE on a log scale fitted to `values`, accuracy from 0 to 1."""
    name = lab[f"memory.metric.{metric}"]
    if metric == "mse":
        return dict(
            **_log_axis(values),
            title=dict(text=lab["memory.log"].format(metric=name)),
        )
    return dict(range=[-0.02, 1.05], title=dict(text=name))


def _reference_lines(
    metric: str,
    baseline: float,
    solved: float,
    lab: dict[str, str],
    width: float,
    sides: tuple[str, str] = ("left", "left"),
) -> tuple[list, list]:
    """The baseline (grey dashes) and "solved" (green dots) lines, with their text at the left or
    right end (`sides`): the baseline's on the side where the metric improves (empty early in
    training), the solved line's below it."""
    shapes, notes = [], []
    lines = (
        (baseline, "#777777", "dash", "baseline", metric == "accuracy"),
        (solved, "#009E73", "dot", "solved", False),
    )
    for (value, color, dash, key, above), side in zip(lines, sides, strict=True):
        # shapes take data values on a log axis, annotations take log10 positions
        shape, note = reference_line(
            value,
            lab[f"memory.{key}.{metric}"].format(value=_short(value)),
            color,
            dash=dash,
            width=width,
            side=side,
            above=above,
            label_y=np.log10(value) if metric == "mse" else value,
        )
        shapes.append(shape)
        notes.append(note)
    return shapes, notes


def training_curves_figure(
    histories: Mapping[str, Sequence[Sequence[float]]],
    *,
    metric: str,
    baseline: float,
    solved_threshold: float,
    task: str,
    lag: int,
    x: str = "step",
    stopped: bool = False,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Held-out metric (left, with the baseline and "solved" lines) and training loss (right)
    of each run against training steps (`x="step"`) or its own seconds (`x="seconds"`).

    `histories` maps a run's name to its rows `(step, seconds, train_loss, metric)`; runs are
    coloured in order with `RUN_COLORS`. `stopped` adds "(stopped)" to the title."""
    if metric not in ("mse", "accuracy"):
        raise ValueError(f"metric must be 'mse' or 'accuracy', got {metric!r}")
    if x not in ("step", "seconds"):
        raise ValueError(f"x must be 'step' or 'seconds', got {x!r}")
    lab = merge_labels(labels)
    st = style(presentation)
    data: list[dict[str, Any]] = []
    metrics, losses = [np.array([baseline, solved_threshold])], []
    for j, (name, rows) in enumerate(histories.items()):
        h = _history(rows)
        data += _run_curves(name, h, RUN_COLORS[j % len(RUN_COLORS)], metric, x, lab, st)
        metrics.append(h["metric"])
        losses.append(h["train_loss"])
    shapes, notes = _reference_lines(metric, baseline, solved_threshold, lab, st.line * 0.75)
    metric_name = lab[f"memory.metric.{metric}"]
    title = lab["memory.curves_title"].format(
        task=lab[f"memory.task.{task}"], lag=lag, metric=metric_name
    )
    if stopped:
        title += " " + lab["memory.stopped"]
    x_title = lab[f"memory.x.{x}"]
    y1 = _metric_axis(metric, metrics, lab)
    notes.append(
        dict(
            xref="x2 domain",
            x=0.0,
            xanchor="left",
            yref="y2 domain",
            y=1.0,
            yanchor="bottom",
            showarrow=False,
            text=lab["memory.loss_title"],
            font=dict(size=st.font + 1),
        )
    )
    return assemble(
        data,
        st.layout(
            title=dict(text=title, font=dict(size=st.title)),
            xaxis=dict(domain=[0.0, 0.58], title=dict(text=x_title), rangemode="tozero"),
            yaxis=dict(anchor="x", **y1),
            xaxis2=dict(
                domain=[0.72, 1.0], anchor="y2", title=dict(text=x_title), rangemode="tozero"
            ),
            yaxis2=dict(
                anchor="x2",
                **_log_axis(losses),
                title=dict(text=lab["memory.loss_y"]),
            ),
            shapes=shapes,
            annotations=notes,
            height=430 if not presentation else 560,
            legend=dict(orientation="h", y=-0.22, x=0, font=dict(size=st.font)),
        ),
    )


def _run_curves(
    name: str, h: Mapping[str, np.ndarray], color: str, metric: str, x: str, lab, st: Any
) -> list[dict[str, Any]]:
    """One run's held-out metric (left, in the legend) and training loss (right)."""
    custom = np.stack([h["step"], h["seconds"]], axis=1)
    hover = lab["memory.hover"].replace("{name}", name)
    mode = "lines+markers" if len(h["step"]) <= 60 else "lines"
    y_metric = _positive(h["metric"]) if metric == "mse" else h["metric"]
    return [
        dict(
            type="scatter",
            x=h[x],
            y=y,
            name=name,
            legendgroup=name,
            showlegend=legend,
            mode=mode,
            customdata=custom,
            hovertemplate=hover,
            xaxis=axes[0],
            yaxis=axes[1],
            line=dict(color=color, width=st.line),
            marker=dict(size=st.marker * 0.45, color=color),
        )
        for y, axes, legend in (
            (y_metric, ("x", "y"), True),
            (_positive(h["train_loss"]), ("x2", "y2"), False),
        )
    ]


def sweep_points(sweep: Mapping[str, Any], lr: float | None = None) -> list[Mapping[str, Any]]:
    """The points of a sweep drawn at learning rate `lr`, or (None) each (network, lag)'s points
    at the learning rate that did best there (`sweep["summary"]["best_lr"]`, written by the
    sweep). A sweep without learning rates per point has one: all its points."""
    points = list(sweep["points"])
    if not any("lr" in p for p in points):
        return points
    if lr is not None:
        return [p for p in points if p["lr"] == lr]
    best = sweep["summary"]["best_lr"]
    return [p for p in points if best.get(p["cell"], {}).get(str(p["lag"])) == p["lr"]]


def sweep_figure(
    sweep: Mapping[str, Any],
    *,
    lr: float | None = None,
    live: Sequence[Mapping[str, Any]] = (),
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """The final held-out metric of every (lag, network, seed) point of a sweep
    (`assets/memory_sweep.json`) at learning rate `lr` (None: each network's best at each lag,
    see `sweep_points`), filled where solved and open where not, a line through each network's
    median per lag, the baseline and "solved" lines; the legend gives each network's longest lag
    solved on every seed (from the sweep's summary). `live` points (same keys as the sweep's
    `points`) are drawn as stars."""
    lab = merge_labels(labels)
    st = style(presentation)
    metric = sweep["metric"]
    points = sweep_points(sweep, lr)
    cells = [c for c in sweep.get("cells", CELL_NAMES) if c in CELL_NAMES]
    longest, lr_text = _longest_solved(sweep, lr, lab)
    data: list[dict[str, Any]] = []
    ys = [np.array([sweep["baseline"], sweep["solved_threshold"]])]
    for j, cell in enumerate(cells):
        color = RUN_COLORS[j % len(RUN_COLORS)]
        name = CELL_NAMES[cell]
        mine = [p for p in points if p["cell"] == cell]
        lags = sorted({p["lag"] for p in mine})
        median = [float(np.median([p["metric"] for p in mine if p["lag"] == lag])) for lag in lags]
        best = longest.get(cell)
        legend = lab["memory.sweep_legend"].format(
            cell=name, lr=lr_text, lag=lab["memory.sweep_none"] if best is None else best
        )
        data.append(
            dict(
                type="scatter",
                x=[lag * _OFFSET[cell] for lag in lags],
                y=median,
                name=legend,
                legendgroup=cell,
                mode="lines",
                hoverinfo="skip",
                line=dict(color=color, width=st.line),
            )
        )
        data.append(
            _points(sweep, mine, cell, color, lab, name=legend, showlegend=False, size=st.marker)
        )
        ys.append(np.array([p["metric"] for p in mine]))
        runs = [p for p in live if p["cell"] == cell]
        if runs:
            star = lab["memory.live"].format(cell=name)
            data.append(
                _points(sweep, runs, cell, color, lab, name=star, size=st.marker * 1.6, star=True)
            )
            ys.append(np.array([p["metric"] for p in runs]))
    all_lags = sorted({p["lag"] for p in sweep["points"]} | {p["lag"] for p in live})
    shapes, notes = _sweep_notes(sweep, lab, st)
    if sweep.get("budget_seconds") is not None:
        budget = lab["memory.sweep_budget_s"].format(seconds=_short(sweep["budget_seconds"]))
    else:
        budget = lab["memory.sweep_budget_steps"].format(steps=sweep.get("max_steps"))
    title = lab["memory.sweep_title"].format(
        task=lab[f"memory.task.{sweep['task']}"], budget=budget
    )
    y = _metric_axis(metric, ys, lab)
    return assemble(
        data,
        st.layout(
            title=dict(text=title, font=dict(size=st.title)),
            xaxis=dict(
                type="log",
                tickvals=all_lags,
                ticktext=[str(v) for v in all_lags],
                title=dict(text=lab["memory.sweep_x"]),
            ),
            yaxis=y,
            shapes=shapes,
            annotations=notes,
            height=440 if not presentation else 580,
            legend=dict(orientation="h", y=-0.2, x=0, font=dict(size=st.font)),
        ),
    )


def _longest_solved(
    sweep: Mapping[str, Any], lr: float | None, lab
) -> tuple[Mapping[str, Any], str]:
    """Each network's longest lag solved on every seed at `lr` (None: at its best), and the
    legend's words for which learning rate that is."""
    summary = sweep.get("summary", {})
    if lr is not None and "longest_lag_solved_by_lr" in summary:
        longest = {c: v.get(f"{lr:g}") for c, v in summary["longest_lag_solved_by_lr"].items()}
    else:
        longest = sweep.get("longest_lag_solved", {})
    lr_text = (
        lab["memory.sweep_best"] if lr is None else lab["memory.sweep_lr"].format(lr=f"{lr:g}")
    )
    if not any("lr" in p for p in sweep["points"]):
        lr_text = lab["memory.sweep_lr"].format(lr=f"{sweep['config']['lr']:g}")
    return longest, lr_text


def _points(
    sweep: Mapping[str, Any],
    ps: Sequence[Mapping[str, Any]],
    cell: str,
    color: str,
    lab,
    *,
    name: str,
    size: float,
    showlegend: bool = True,
    star: bool = False,
) -> dict[str, Any]:
    """One network's points (the sweep's, or as stars the live reruns'): filled where solved,
    open where not; the hover gives lag, seed, steps, seconds and learning rate."""
    custom = [
        [
            p["lag"],
            p["seed"],
            p["steps"],
            p["seconds"],
            f"{p['lr'] if 'lr' in p else sweep['config']['lr']:g}",
        ]
        for p in ps
    ]
    marker = dict(
        size=size,
        color=[color if p["solved"] else "white" for p in ps],
        line=dict(color=color, width=2),
    )
    return dict(
        type="scatter",
        x=[p["lag"] * _OFFSET[cell] for p in ps],
        y=[p["metric"] for p in ps],
        name=name,
        legendgroup=cell,
        showlegend=showlegend,
        mode="markers",
        customdata=custom,
        hovertemplate=lab["memory.sweep_hover"].replace("{cell}", CELL_NAMES[cell]),
        marker={"symbol": "star", **marker} if star else marker,
    )


def _sweep_notes(sweep: Mapping[str, Any], lab, st: Any) -> tuple[list, list]:
    """The baseline and "solved" lines and the key to the markers."""
    # short lags (left) are solved by most networks: the solved line's text goes right
    shapes, notes = _reference_lines(
        sweep["metric"],
        sweep["baseline"],
        sweep["solved_threshold"],
        lab,
        st.line * 0.75,
        ("left", "right"),
    )
    notes.append(
        dict(
            xref="paper",
            x=0.0,
            xanchor="left",
            yref="paper",
            y=1.0,
            yanchor="bottom",
            showarrow=False,
            text=lab["memory.sweep_key"],
            font=dict(size=st.font - 1, color="#555555"),
        )
    )
    return shapes, notes


def _add_marks(fig: go.Figure, marks: Sequence[int], text: str, width: float) -> None:
    for t in marks:
        fig.add_vline(x=int(t), line=dict(color="#E69F00", dash="dot", width=width))
        fig.add_annotation(
            x=int(t),
            y=1.0,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            text=text,
            font=dict(color="#b07800"),
        )


def why_decay_figure(
    runs: Mapping[str, tuple[Trace, Grads]],
    *,
    marks: Sequence[int] = (),
    task: str = "adding",
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """`gradient_decay_figure` of the trained networks (grads of the prediction, not of a
    loss) with dotted vertical lines at the steps that hold what must be remembered."""
    lab = merge_labels(labels)
    names = {"decay.h_norm": lab["memory.why_h"], "decay.c_norm": lab["memory.why_c"]}
    fig = gradient_decay_figure(runs, presentation=presentation, labels={**(labels or {}), **names})
    fig.update_layout(title_text=lab["memory.why_title"])
    _add_marks(fig, marks, lab[f"memory.mark.{task}"], style(presentation).line * 0.75)
    return fig


def gate_means_figure(
    means: Mapping[str, np.ndarray],
    *,
    units: int,
    unit_f: tuple[int, np.ndarray] | None = None,
    marks: Sequence[int] = (),
    task: str = "adding",
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Each gate's mean over the units (`means[name]`, shape (T,)) against t, on 0..1, with the
    same vertical marks as `why_decay_figure`; `unit_f = (unit, f)` adds one unit's forget gate,
    dashed (a mean can hide the few units that hold the memory)."""
    lab = merge_labels(labels)
    st = style(presentation)
    data = []
    for name, y in means.items():
        y = np.asarray(y, dtype=np.float64)
        data.append(
            dict(
                type="scatter",
                x=np.arange(y.shape[0]),
                y=y,
                name=lab[f"gate.{name}"],
                mode="lines",
                line=dict(color=GATE_COLORS[name], width=st.line),
                hovertemplate=f"{lab[f'gate.{name}']}<br>t = %{{x}}<br>%{{y:.3f}}<extra></extra>",
            )
        )
    if unit_f is not None:
        unit, f = unit_f
        name = lab["memory.gates_unit"].format(unit=unit)
        data.append(
            dict(
                type="scatter",
                x=np.arange(len(f)),
                y=np.asarray(f, dtype=np.float64),
                name=name,
                mode="lines",
                line=dict(color=GATE_COLORS["f"], width=st.line, dash="dash"),
                hovertemplate=f"{name}<br>t = %{{x}}<br>%{{y:.3f}}<extra></extra>",
            )
        )
    fig = assemble(
        data,
        st.layout(
            title=dict(
                text=lab["memory.gates_title"].format(units=units), font=dict(size=st.title)
            ),
            xaxis=dict(title=dict(text=lab["time_step"])),
            yaxis=dict(range=[-0.02, 1.05], title=dict(text=lab["memory.gates_y"])),
            height=380 if not presentation else 520,
            legend=dict(orientation="h", y=-0.25, x=0),
        ),
    )
    _add_marks(fig, marks, lab[f"memory.mark.{task}"], st.line * 0.75)
    return fig
