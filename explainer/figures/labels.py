"""The figures' label strings in English, by stable key: the builders' defaults. Every builder
takes `labels`, a mapping that overrides entries (`style.merge_labels`); values may hold
`{placeholders}` that the builders fill with `str.format`, and a translation must keep them. The
Chinese is `explainer.i18n.labels.FIGURE_LABELS_ZH`, under the same keys."""

from __future__ import annotations

DEFAULT_LABELS: dict[str, str] = {
    # shared by several figures
    "play": "▶ Play",  # play button of the forward animation
    "pause": "❚❚ Pause",  # pause button of every animation
    "time_step": "time step t",  # axis title and slider prefix
    "unit": "unit",  # axis title: index of a hidden unit
    "layer": "layer {layer}",  # {layer}: layer index, from 0
    "subsample_note": "showing {shown} of {steps} steps",  # when frames are subsampled
    "cell.rnn": "RNN",  # the cell names, as shown in titles
    "cell.lstm": "LSTM",
    "cell.gru": "GRU",
    "gate.i": "i input gate",  # one entry per gate/state: symbol and name, as in the code
    "gate.f": "f forget gate",
    "gate.g": "g candidate",
    "gate.o": "o output gate",
    "gate.r": "r reset gate",
    "gate.z": "z update gate",
    "gate.n": "n new state",
    "gate.h": "h hidden state",
    "gate.c": "c cell state",
    "gate.x": "x input",
    # unrolled_figure
    "unrolled.title": "{cell} unrolled over {steps} time steps (unit {unit})",
    "unrolled.backward": "◀ Backward pass",  # button running the backward animation
    "unrolled.backward_slider": "backward pass at t = ",  # slider prefix
    "unrolled.row_x": "x (input)",  # y-axis tick of the input row
    "unrolled.row_h": "h (layer {layer})",  # y-axis tick of layer {layer}'s hidden-state row
    "unrolled.row_c": "c (layer {layer})",  # y-axis tick of layer {layer}'s cell-state row
    "unrolled.hover": "{row}<br>t = %{customdata[0]}<br>value = %{marker.color:.4g}<extra></extra>",
    "unrolled.hover_grad": (  # {row}: the row's name; customdata[1]: the gradient norm there
        "{row}<br>t = %{customdata[0]}<br>value = %{marker.color:.4g}"
        "<br>‖∂L/∂{row}‖ = %{customdata[1]:.3g}<extra></extra>"
    ),
    "unrolled.grad_legend": "‖∂L/∂·‖ on edges:",  # legend title of the backward pass
    "unrolled.grad_bin": "{lo}–{hi}",  # legend entry of one edge-width class
    "unrolled.grad_zero": "≈ 0",  # legend entry: edges carrying (almost) no gradient
    "unrolled.overflow": "inf/nan",  # legend entry: edges whose gradient overflowed
    "unrolled.edges": "recurrent edges",  # legend entry of the plain (forward) edges
    "unrolled.value_colorbar": "h value",  # colour bar title of the nodes
    "unrolled.grad_text": "‖∂L/∂·‖ = {value}",  # written over the current step in the backward pass
    "unrolled.x_colorbar": "x value",  # colour bar title of the input row
    # cell_figure
    "cell.title": "{cell} cell, layer {layer}, unit {unit}, step t = {t}",
    "cell.variant": "variant: {variant}",  # shown when trace.variant != "standard"
    "cell.variant_forget_one": "forget gate clamped to 1 (f = 1)",  # {variant} of cell.variant
    "cell.variant_no_output": "no output gate (o = 1)",
    "cell.variant_coupled": "coupled input and forget gates (i = 1 − f)",
    "cell.variant_textbook": "textbook form, W_hn (r ⊙ h)",
    "cell.x_note": "(feature 0 of {features}; x_t = {values})",  # when the layer input has several features
    "cell.compact_title": "{cell} cell, step t = {t}",  # compact=True: three side by side
    # gate_heatmaps_figure
    "heatmaps.title": "{cell} gates and states over time, layer {layer}",
    "heatmaps.hover": "{name}<br>t = %{x}<br>unit = %{y}<br>value = %{z}<extra></extra>",
    "heatmaps.colorbar_sigmoid": "σ gates",
    "heatmaps.colorbar_tanh": "tanh values",
    "heatmaps.colorbar_c": "c",
    "heatmaps.colorbar_relu": "relu h",
    # gradient_decay_figure
    "decay.title": "How far back does the gradient reach?",
    "decay.y": "gradient norm (log scale)",
    "decay.h_norm": "{run}: ‖∂L/∂h_t‖",  # one curve per run
    "decay.c_norm": "{run}: ‖∂L/∂c_t‖",  # LSTM runs
    "decay.jac_h": "{run}: ‖∂h_T/∂h_t‖ (Jacobian)",  # dashed curves
    "decay.jac_c": "{run}: ‖∂c_T/∂c_t‖ (Jacobian)",
    "decay.overflow": "overflow",  # text on markers where a value is inf/nan
    "decay.zero": "0",  # text on markers where a value is exactly zero
    "decay.hover": "{name}<br>t = %{x}<br>%{y:.4g}<extra></extra>",
    # saturation_figure
    "saturation.title": "Saturated units over time, layer {layer} (within {threshold} of a limit)",
    "saturation.y": "fraction of units saturated",
    "saturation.hover": "{name}<br>t = %{x}<br>%{y:.0%} saturated<extra></extra>",
    "saturation.relu": "h = 0 (dead relu)",  # relu RNN: units stuck at zero
    "saturation.note": "a saturated gate's own weights get almost no gradient: σ'(a) ≈ 0, tanh'(a) ≈ 0",
    # forget_product_figure
    "forget.title": "What carries the gradient back from step {last}?",
    "forget.y": "product back to step t (log scale)",
    "forget.product": "{run}: ∏ f (forget gates, unit {unit})",
    "forget.jacobian": "{run}: ‖∂h_T/∂h_t‖",
    # reach_figure
    "reach.title": "How far back does the gradient carry signal?",
    # the definition, under the title: {ratio} the fraction, {of} what the gradient is of
    "reach.subtitle": "steps back from the last one while ‖∂{of}/∂h_t‖ ≥ {ratio} × its value there",
    "reach.x": "spectral radius of W_hh",  # the knob on the x-axis
    "reach.y": "steps back with signal",
    "reach.never": "all {steps} steps",  # the gradient never fell that low within the sequence
    "reach.current": "this page's setting",  # legend entry of the current knob value
    "reach.hover": "{x} = %{{x}}<br>%{{y}} steps<extra></extra>",  # {x}: the knob's name
    # sequence_figure
    "sequence.title": "The input: {task}",  # {task}: what the sequence is an example of
    "sequence.target": "target y = {y}",
    "sequence.output": "the network's output ŷ = {y}",  # given the output
    "sequence.value": "x_t (value)",  # y-axis title of the input row
    "sequence.marker": "marked step",  # legend entry of the marked bars
    "sequence.plain": "unmarked step",  # legend entry of the other bars
    "sequence.sens_title": "‖∂y/∂x_t‖: how much the output depends on each input step",
    "sequence.colorbar": "log₁₀ ‖∂y/∂x_t‖",
    "sequence.hover": "t = %{x}<br>x_t = %{y:.3f}<extra></extra>",
    "sequence.sens_hover": "{name}<br>t = %{x}<br>‖∂y/∂x_t‖ = %{customdata:.3g}<extra></extra>",
    # forecast_figure, loss_figure
    "forecast.title.series": "The series and its train/test split",
    "forecast.title.point": "Point-by-point: each test window predicts its next value",
    "forecast.title.full": "Full sequence: one run feeding its own predictions back",
    "forecast.title.multi": "Multi-sequence: {runs} runs of {length} steps, each from true data",
    "forecast.actual": "real series",  # legend entry of the data
    "forecast.predicted": "prediction",  # legend entry of the (first) prediction trace
    "forecast.run": "run {run}",  # legend entry of one recursive run (multi-sequence)
    "forecast.train": "train",  # written left of the boundary
    "forecast.test": "test",  # written right of the boundary
    "forecast.x": "time step",  # x-axis title without a date column
    "forecast.y": "value (original units)",  # y-axis title without a series name
    "forecast.y_named": "{name} (original units)",  # {name}: the value column's name
    "forecast.hover": "%{x}<br>%{y:.5g}<extra>{name}</extra>",  # {name}: the trace's name
    "loss.title": "Loss per epoch (mean squared error, normalised units)",
    "loss.train": "training loss",
    "loss.val": "validation loss",
    "loss.x": "epoch",
    "loss.y": "MSE (log scale)",
    "loss.hover": "{name}<br>epoch %{x}<br>%{y:.4g}<extra></extra>",
    # the memory lab's figures
    "memory.task.adding": "adding problem",
    "memory.task.recall": "delayed recall",
    "memory.metric.mse": "held-out MSE",  # the adding problem's metric (lower is better)
    "memory.metric.accuracy": "held-out accuracy",  # delayed recall's metric
    "memory.curves_title": "{task}, lag {lag}: {metric} while training",
    "memory.stopped": "(stopped)",  # appended to a title when the user stopped the run
    "memory.loss_title": "training loss",  # right panel's title
    "memory.loss_y": "training loss (log scale)",
    "memory.x.step": "training steps",
    "memory.x.seconds": "seconds (each network's own clock)",
    "memory.log": "{metric} (log scale)",  # y-axis title of a log axis
    "memory.baseline.mse": "baseline: always predict 1 (MSE {value})",
    "memory.baseline.accuracy": "chance: guess a symbol (accuracy {value})",
    "memory.solved.mse": "solved: MSE below {value}",
    "memory.solved.accuracy": "solved: accuracy {value} or more",
    "memory.hover": (  # {name}: the network; customdata: step, seconds
        "{name}<br>step %{customdata[0]}<br>%{customdata[1]:.1f} s<br>%{y:.4g}<extra></extra>"
    ),
    "memory.sweep_title": "Longest lag solved: {task},<br>within {budget} per network",
    "memory.sweep_budget_s": "{seconds} s",  # the sweep's wall-clock budget
    "memory.sweep_budget_steps": "{steps} steps",  # the sweep's step budget
    "memory.sweep_x": "lag (log scale)",
    "memory.sweep_legend": "{cell}, {lr}: longest lag solved {lag}",  # one entry per network
    "memory.sweep_lr": "lr {lr}",  # the one learning rate drawn
    "memory.sweep_best": "best lr at each lag",  # each lag's point at the lr that did best there
    "memory.sweep_none": "none",  # no lag solved
    "memory.sweep_key": "filled marker: solved · open marker: not solved",
    "memory.sweep_hover": (  # customdata: lag, seed, steps, seconds, lr
        "{cell}<br>lag %{customdata[0]}, seed %{customdata[1]}, lr %{customdata[4]}<br>%{y:.4g}"
        "<br>%{customdata[2]} steps, %{customdata[3]:.1f} s<extra></extra>"
    ),
    "memory.live": "{cell}: rerun live",  # legend entry of a point rerun in this session
    "memory.why_title": "How much of the prediction's gradient reaches step t?",
    "memory.why_h": "{run}: ‖∂ŷ/∂h_t‖",  # ŷ: the network's prediction (not a loss)
    "memory.why_c": "{run}: ‖∂ŷ/∂c_t‖",
    "memory.gates_title": "The LSTM's gates on this example (mean over {units} units)",
    "memory.gates_y": "mean gate value",
    "memory.gates_unit": "f of unit {unit} (the highest while waiting)",  # one unit's forget gate
    "memory.mark.adding": "marked number",  # vertical line at a marked step (adding problem)
    "memory.mark.recall": "symbol to recall",  # vertical line at t = 0 (delayed recall)
    # the text lab's figures
    "text.bits_title": "{cell}: bits per character while training",
    "text.bits_y": "bits per character",
    "text.x": "training steps",
    "text.train": "training text",
    "text.val": "validation text",
    "text.unigram": "unigram baseline {value}",
    "text.bigram": "bigram baseline {value}",
    "text.stopped": "(stopped)",
}
"""Default English strings of every figure, by stable key (see the comments for placeholders)."""
