"""What a memory-lab run shows: the verdict on the lesson's contrast, and why, in the reference.

The verdict (`outcome`): the lesson says the gated cells (LSTM, GRU) solve a long-lag task that the
plain RNN does not. Each cell's final held-out metric gets a state, which a page translates:
    "solved"      the task's solved threshold was reached (`Baseline.is_solved`)
    "flat"        the plain RNN stayed at the baseline (`Baseline.is_flat`)
    "part"        the plain RNN learned part of it (neither solved nor flat)
    "not_solved"  a gated cell did not solve it
The run went as the lesson says when no plain RNN solved it and every gated cell did.

Why (`why`): one example sequence traced through each trained network loaded into the NumPy
reference, and the gradient of the readout with respect to every hidden state,

    adding: y_hat = W h_{T-1} + b, so dy_hat/dh_{T-1} = W[0]; recall: the target symbol s's
    logit W[s] h_{T-1} + b[s], so dlogit/dh_{T-1} = W[s],

carried back through the steps by `model.backward`: ||dy_hat/dh_t|| at the first marked step t0,
against ||dy_hat/dh_{T-1}||, says how much of the readout's signal still reaches the input that
matters. `forget_wait` names the LSTM unit whose forget gates keep the most of c_{t0} until the end
(the largest product of f over the steps after t0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from explainer.torch_backend.memory.models import MemoryNet, readout_arrays, to_reference
from explainer.torch_backend.memory.tasks import Baseline, example_sequence

GATED = ("lstm", "gru")  # the cells the lesson expects to solve a long lag


@dataclass(frozen=True)
class Outcome:
    """Did a run show the lesson's contrast? Per cell its state and final metric."""

    as_expected: bool  # the plain RNN did not solve it, every gated cell did
    states: dict[str, str]  # cell -> "solved", "flat", "part" (the RNN) or "not_solved" (gated)
    finals: dict[str, float]  # cell -> final held-out metric
    baseline: Baseline


def cell_state(cell: str, baseline: Baseline, final: float) -> str:
    """One cell's state (see the module docstring)."""
    if baseline.is_solved(final):
        return "solved"
    if cell in GATED:
        return "not_solved"
    return "flat" if baseline.is_flat(final) else "part"


def outcome(finals: Mapping[str, float], baseline: Baseline) -> Outcome:
    """The verdict on a run from each cell's final held-out metric (`RunResult.final_metric`)."""
    states = {cell: cell_state(cell, baseline, m) for cell, m in finals.items()}
    as_expected = all((s == "solved") == (cell in GATED) for cell, s in states.items())
    return Outcome(as_expected, states, dict(finals), baseline)


@dataclass(frozen=True)
class Why:
    """One example traced through each trained network in the reference."""

    x: np.ndarray  # (T, D) the example's inputs
    target: float | int  # its target: the sum (adding) or the symbol (recall)
    marks: list[int]  # the steps the target depends on (the markers; recall: step 0)
    runs: dict[str, tuple[Any, Any]]  # network -> (trace, grads) of `model.forward/backward`
    preds: dict[str, float | int]  # network -> its prediction for this example
    diverged: list[str]  # networks with NaN or infinite weights: nothing to trace


def why(
    models: Mapping[str, MemoryNet], task: str, lag: int, example: int, symbols: int = 8
) -> Why:
    """Trace example number `example` (its seed) through each trained network; the gradient of
    the prediction (adding) or of the target symbol's logit (recall) with respect to every h_t."""
    x, target = example_sequence(task, lag, seed=example, symbols=symbols)
    marks = np.flatnonzero(x[:, 1] > 0.5).tolist() if task == "adding" else [0]
    runs, preds, diverged = {}, {}, []
    for name, model in models.items():
        try:
            ref = to_reference(model)
        except ValueError:  # NaN or infinite weights (a diverged run)
            diverged.append(name)
            continue
        trace = ref.forward(x)  # (T, D) -> one unbatched trace
        W, b = readout_arrays(model)  # (O, H), (O,)
        row = 0 if task == "adding" else int(target)
        grad_h = np.zeros(trace.h.shape)  # (T, H): only the last step feeds the readout
        grad_h[-1] = W[row]
        runs[name] = (trace, ref.backward(trace, grad_h))
        out = W @ trace.h[-1] + b  # (O,)
        preds[name] = float(out[0]) if task == "adding" else int(np.argmax(out))
    return Why(x, target, marks, runs, preds, diverged)


@dataclass(frozen=True)
class ForgetWait:
    """How the LSTM's forget gates treat c_{t0} while it waits for the end of the sequence."""

    steps: int  # n = T - 1 - t0 steps after the first marked step
    mean_f: float  # f averaged over those steps and all units
    unit: int  # the unit with the largest product of f over those steps
    unit_mean_f: float  # that unit's mean f
    kept: float  # that unit's product of f: the share of c_{t0} left in c_{T-1} by forgetting
    unit_f: np.ndarray  # (T,) that unit's f at every step


def forget_wait(trace: Any, t0: int) -> ForgetWait | None:
    """The forget gates after step t0 of an LSTM trace; None when t0 is the last step."""
    f = trace.layers[0].gates["f"]  # (T, H)
    f_wait = f[t0 + 1 :]  # (n, H)
    if len(f_wait) == 0:
        return None
    with np.errstate(divide="ignore"):
        unit = int(np.argmax(np.log(f_wait).sum(axis=0)))  # the largest product of f
    return ForgetWait(
        len(f_wait),
        float(f_wait.mean()),
        unit,
        float(f_wait[:, unit].mean()),
        float(np.prod(f_wait[:, unit])),
        f[:, unit],
    )
