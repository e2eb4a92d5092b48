"""An explainer of recurrent networks: NumPy RNN/LSTM/GRU exact to PyTorch, every gate recorded.

    from explainer import LSTM
    model = LSTM(input_size=1, hidden_size=8, seed=0)
    trace = model.forward(x)               # every gate, cell state and hidden state, per step
    grads = model.backward(trace, dL_dh)   # exact BPTT: every parameter, x, h0, c0, per-step norms

Figures live in `explainer.figures` (Plotly), training in `explainer.torch_backend` (PyTorch).
"""

from explainer.gradcheck import gradcheck, gradcheck_table
from explainer.models import GRU, LSTM, MODELS, RNN
from explainer.norms import Jacobians
from explainer.trace import CELL_GATES, GATE_NAMES, Grads, LayerGrads, LayerTrace, Trace

__all__ = [
    "CELL_GATES",
    "GATE_NAMES",
    "GRU",
    "Grads",
    "Jacobians",
    "LSTM",
    "LayerGrads",
    "LayerTrace",
    "MODELS",
    "RNN",
    "Trace",
    "gradcheck",
    "gradcheck_table",
]
