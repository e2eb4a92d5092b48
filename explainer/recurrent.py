"""`Recurrent`, the base of the NumPy models in `explainer.models`: parameters in PyTorch's
names and shapes, input checks, the forward and backward over layers, the Jacobian norms and the
connectivity; the cells fill in one layer's forward, backward and step Jacobians. With it, the
converters between the user's layout and the feature-major one inside, and `keep_freed_memory`."""

from __future__ import annotations

import ctypes
import platform
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from explainer import cells
from explainer.norms import Jacobians, matrix_norms, step_norms
from explainer.trace import CELL_GATES, Grads, LayerGrads, LayerTrace, Trace, frozen, frozen_map

if TYPE_CHECKING:
    from typing import Self

# turns an array between the user's layout and the feature-major one inside (None stays None)
Converter = Callable[[np.ndarray | None], np.ndarray | None]

_ERRSTATE = dict(
    over="ignore", invalid="ignore", divide="ignore"
)  # overflow shows as inf, not a warning


def _to_user(batched: bool) -> tuple[Converter, Converter]:
    """Converters from the feature-major arrays inside, (T, F, B) and (F, B), to the user's layout:
    batch-first (B, T, F) when the input was batched, (T, F) when it was not. Views, not copies."""
    if batched:
        return (lambda a: None if a is None else a.transpose(2, 0, 1)), (
            lambda a: None if a is None else a.T
        )
    return (lambda a: None if a is None else a[:, :, 0]), (lambda a: None if a is None else a[:, 0])


def _to_inside(batched: bool) -> tuple[Converter, Converter]:
    """The inverse of `_to_user`: (sequence converter, state converter)."""
    if batched:
        return (lambda a: None if a is None else a.transpose(1, 2, 0)), (
            lambda a: None if a is None else a.T
        )
    return (lambda a: None if a is None else a[:, :, None]), (
        lambda a: None if a is None else a[:, None]
    )


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse instead of handing it back to the OS; True if set.

    A forward allocates its trace afresh, a few MB of (T, ·, B) arrays, and frees them together
    when the trace goes. glibc's default (dynamic) thresholds then return those pages to the OS,
    and the next call faults every page in again: measured here, a third of a forward's time and
    half of a training step's went to page faults (torch, whose per-step tensors are small, had
    none). Arrays below 32 MiB therefore come from the heap (M_MMAP_THRESHOLD), and up to 64 MiB
    free at its top is kept (M_TRIM_THRESHOLD): the values glibc's own dynamic rule reaches
    after it has seen a 32 MiB array freed. Process-wide; done once, when this module is
    imported. Elsewhere than glibc (macOS, Windows, musl) nothing is changed."""
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # from glibc's malloc.h
    return bool(mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(M_TRIM_THRESHOLD, 64 << 20))


keep_freed_memory()


class Recurrent:
    cell: ClassVar[str] = ""
    variants: ClassVar[tuple[str, ...]] = ("standard",)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        seed: int = 0,
        variant: str = "standard",
    ) -> None:
        for name, v in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("num_layers", num_layers),
        ):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if variant not in self.variants:
            raise ValueError(
                f"unknown {cells.CELL_NAMES[self.cell]} variant {variant!r}: "
                f"expected one of {', '.join(self.variants)}"
            )
        self.input_size, self.hidden_size, self.num_layers = (
            int(input_size),
            int(hidden_size),
            int(num_layers),
        )
        self.variant = variant
        self.seed = seed
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(self.hidden_size)
        self.params: dict[str, np.ndarray] = {
            name: rng.uniform(-k, k, size=shape) for name, shape in self.param_shapes().items()
        }

    # --- parameters
    @property
    def gate_count(self) -> int:
        return len(CELL_GATES[self.cell])

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """PyTorch's parameter names and shapes, in PyTorch's order."""
        GH, H = self.gate_count * self.hidden_size, self.hidden_size
        shapes: dict[str, tuple[int, ...]] = {}
        for k in range(self.num_layers):
            D = self.input_size if k == 0 else H
            shapes[f"weight_ih_l{k}"] = (GH, D)
            shapes[f"weight_hh_l{k}"] = (GH, H)
            shapes[f"bias_ih_l{k}"] = (GH,)
            shapes[f"bias_hh_l{k}"] = (GH,)
        return shapes

    @property
    def num_params(self) -> int:
        return sum(int(np.prod(s)) for s in self.param_shapes().values())

    def _config(self) -> dict[str, Any]:
        return dict(
            input_size=self.input_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            seed=self.seed,
            variant=self.variant,
        )

    def with_params(self, params: Mapping[str, np.ndarray] | None = None, **config: Any) -> Self:
        """A copy with some parameters replaced (shapes checked) or another config (variant...)."""
        new = type(self)(**{**self._config(), **config})
        new.params = {k: v.copy() for k, v in self.params.items()}
        if params:
            new.load_params(params)
        return new

    def load_params(self, params: Mapping[str, Any]) -> None:
        """Copy `params` in after checking every name, shape and value (real, finite numbers);
        the parameters not named keep their values. Nothing is copied unless all pass."""
        shapes = self.param_shapes()
        unknown = set(params) - set(shapes)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}; expected {list(shapes)}")
        checked = {}
        for name, value in params.items():
            a = np.asarray(value)
            if a.dtype.kind not in "iuf":
                raise ValueError(f"{name} holds {a.dtype} values; expected real numbers")
            if a.shape != shapes[name]:
                raise ValueError(f"{name} has shape {a.shape}, expected {shapes[name]}")
            a = a.astype(np.float64)  # a copy, always
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} contains NaN or infinite values")
            checked[name] = a
        self.params.update(checked)

    def __repr__(self) -> str:
        extra = "" if self.variant == "standard" else f", variant={self.variant!r}"
        return (
            f"{type(self).__name__}(input_size={self.input_size}, hidden_size={self.hidden_size}, "
            f"num_layers={self.num_layers}{extra})"
        )

    # --- PyTorch interop (no torch import: the module's own tensors are read; the way back,
    # `explainer.torch_backend.to_torch`, lives in the backend)
    @classmethod
    def from_torch(cls, module: Any, **config: Any) -> Self:
        """Copy the weights of an `nn.RNN`/`nn.LSTM`/`nn.GRU` (any dtype, any batch_first) through
        `load_params`. A module built with `bias=False` gets zero biases (torch adds none). One
        that drops out between layers (`dropout > 0`, `num_layers > 1`) is refused in training
        mode, whose random masks the reference does not draw; in eval mode it is copied exactly."""
        kind = type(module).__name__
        if kind.lower() != cls.cell:
            raise ValueError(
                f"{cls.__name__}.from_torch needs a torch.nn.{cls.__name__}, got {kind}"
            )
        if getattr(module, "bidirectional", False):
            raise ValueError(
                "bidirectional modules are not supported: the reference runs one direction"
            )
        if getattr(module, "proj_size", 0):
            raise ValueError("LSTM with proj_size > 0 is not supported: h would be projected")
        dropout = float(getattr(module, "dropout", 0.0) or 0.0)
        if dropout > 0 and module.num_layers > 1 and module.training:
            raise ValueError(
                f"this module drops out {dropout:g} of each layer's outputs in training mode, "
                "and the reference has no dropout: call module.eval() first (in eval mode "
                "dropout is off, and the reference reproduces the module exactly)"
            )
        if cls.cell == "rnn":
            config.setdefault("nonlinearity", module.nonlinearity)
        model = cls(module.input_size, module.hidden_size, module.num_layers, **config)
        state = {k: v.detach().cpu().double().numpy() for k, v in module.state_dict().items()}
        for name, shape in model.param_shapes().items():
            if name not in state and name.startswith("bias_"):
                state[name] = np.zeros(shape)  # bias=False
        missing = [name for name in model.param_shapes() if name not in state]
        if missing:
            raise ValueError(f"the module has no {', '.join(missing)}")
        model.load_params(state)
        return model

    # --- validation
    def _check_x(self, x: Any) -> tuple[np.ndarray, bool]:
        expected = f"(T, {self.input_size}) or batch-first (B, T, {self.input_size})"
        try:
            a = np.asarray(x)
            if a.dtype.kind not in "biuf":
                raise TypeError
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"x must be a numeric array of shape {expected}") from None
        if a.ndim not in (2, 3):
            raise ValueError(f"x has shape {a.shape}; expected {expected}")
        if a.shape[-1] != self.input_size:
            raise ValueError(f"x has {a.shape[-1]} features per step; expected {expected}")
        if a.shape[-2] < 1 or (a.ndim == 3 and a.shape[0] < 1):
            raise ValueError(
                f"x has shape {a.shape}: it needs at least one step; expected {expected}"
            )
        if not np.all(np.isfinite(a)):
            raise ValueError("x contains NaN or infinite values")
        batched = a.ndim == 3
        return (a if batched else a[None]), batched

    def _check_state(self, s: Any, name: str, B: int, batched: bool) -> np.ndarray:
        L, H = self.num_layers, self.hidden_size
        expected = (L, B, H) if batched else (L, H)
        if s is None:
            return np.zeros((L, B, H))
        try:
            a = np.asarray(s, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a numeric array of shape {expected}") from None
        if a.shape != expected:
            raise ValueError(
                f"{name} has shape {a.shape}; expected {expected} "
                "(num_layers, batch, hidden_size) as in PyTorch"
            )
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or infinite values")
        return a if batched else a[:, None]

    def _layer_weights(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        p = self.params
        return p[f"weight_ih_l{k}"], p[f"weight_hh_l{k}"], p[f"bias_ih_l{k}"], p[f"bias_hh_l{k}"]

    # --- forward
    def forward(self, x: Any, h0: Any = None, c0: Any = None) -> Trace:
        """Run every layer over x and record everything (see `explainer.trace`)."""
        xb, batched = self._check_x(x)
        h0b = self._check_state(h0, "h0", xb.shape[0], batched)
        c0b = self._check_state(c0, "c0", xb.shape[0], batched) if self.cell == "lstm" else None
        if c0 is not None and self.cell != "lstm":
            raise ValueError(f"{type(self).__name__} has no cell state: c0 must be None")
        seq, state = _to_user(batched)
        names = CELL_GATES[self.cell]
        H = self.hidden_size
        layers = []
        inp = np.ascontiguousarray(xb.transpose(1, 2, 0))  # feature-major (T, D, B) inside
        h0b = np.ascontiguousarray(h0b.transpose(0, 2, 1))  # (L, H, B) inside
        c0b = None if c0b is None else np.ascontiguousarray(c0b.transpose(0, 2, 1))
        with np.errstate(**_ERRSTATE):
            for k in range(self.num_layers):
                w_ih, w_hh, b_ih, b_hh = self._layer_weights(k)
                # W_ih x + b_ih + b_hh for every step in one product, hoisted out of the time
                # loop (the GRU's b_hn stays out: the reset gate multiplies it)
                x_proj = cells.input_projection(inp, w_ih, b_ih, b_hh, self.cell == "gru")
                c0k = None if c0b is None else c0b[k]
                lay = self._forward_layer(x_proj, w_hh, b_hh, h0b[k], c0k)
                blocks = {n: slice(j * H, (j + 1) * H) for j, n in enumerate(names)}
                layers.append(
                    LayerTrace(
                        x=frozen(seq(inp)),
                        h=frozen(seq(lay["h"])),
                        c=frozen(seq(lay.get("c"))),
                        gates=frozen_map({n: seq(lay["G"][:, b]) for n, b in blocks.items()}),
                        preact=frozen_map({n: seq(lay["A"][:, b]) for n, b in blocks.items()}),
                        h0=frozen(state(h0b[k])),
                        c0=frozen(state(c0k)),
                        aux=frozen_map({"hn": seq(lay["HN"])} if "HN" in lay else {}),
                        stacked=frozen(seq(lay["G"])),
                    )
                )
                inp = lay["h"]
        return Trace(
            cell=self.cell,
            x=frozen(xb if batched else xb[0]),
            layers=tuple(layers),
            batched=batched,
            nonlinearity=getattr(self, "nonlinearity", "tanh"),
            variant=self.variant,
        )

    def _forward_layer(
        self,
        x_proj: np.ndarray,
        w_hh: np.ndarray,
        b_hh: np.ndarray,
        h0: np.ndarray,
        c0: np.ndarray | None,
    ) -> dict[str, np.ndarray]:
        raise NotImplementedError

    # --- backward
    def backward(self, trace: Trace, grad_h: Any) -> Grads:
        """Exact BPTT of L = Σ grad_h ⊙ trace.h through every layer, top to bottom."""
        if trace.cell != self.cell or trace.num_layers != self.num_layers:
            raise ValueError(
                f"this trace is from a {trace.num_layers}-layer {cells.CELL_NAMES[trace.cell]}, "
                f"not from this {self!r}"
            )
        g = np.asarray(grad_h, dtype=np.float64)
        if g.shape != trace.h.shape:
            raise ValueError(
                f"grad_h has shape {g.shape}; expected {trace.h.shape} (that of trace.h)"
            )
        seq_in, state_in = _to_inside(trace.batched)
        seq, state = _to_user(trace.batched)
        params: dict[str, np.ndarray] = {}
        layer_grads: list[LayerGrads] = []
        d_out = np.ascontiguousarray(seq_in(g))
        with np.errstate(**_ERRSTATE):
            for k in range(self.num_layers - 1, -1, -1):
                lay = trace.layers[k]
                w_ih, w_hh, _, _ = self._layer_weights(k)
                res = self._backward_layer(lay, seq_in, state_in, w_ih, w_hh, d_out)
                for short, full in (
                    ("w_ih", "weight_ih"),
                    ("w_hh", "weight_hh"),
                    ("b_ih", "bias_ih"),
                    ("b_hh", "bias_hh"),
                ):
                    params[f"{full}_l{k}"] = res["grads"][short]
                dH, dC = res["dH"], res.get("dC")
                layer_grads.append(
                    LayerGrads(
                        h=frozen(seq(dH)),
                        c=frozen(seq(dC)),
                        h_norm=frozen(step_norms(dH)),
                        c_norm=None if dC is None else frozen(step_norms(dC)),
                        x=frozen(seq(res["dX"])),
                        h0=frozen(state(res["dh0"])),
                        c0=frozen(state(res.get("dc0"))),
                    )
                )
                d_out = res["dX"]  # the gradient reaching the layer below's outputs
        ordered = {name: frozen(params[name]) for name in self.param_shapes()}
        finite = all(np.all(np.isfinite(v)) for v in ordered.values()) and all(
            np.all(np.isfinite(lg.h_norm)) for lg in layer_grads
        )
        return Grads(
            cell=self.cell,
            params=frozen_map(ordered),
            layers=tuple(layer_grads[::-1]),
            finite=bool(finite),
        )

    def _backward_layer(
        self,
        lay: LayerTrace,
        seq: Converter,
        state: Converter,
        w_ih: np.ndarray,
        w_hh: np.ndarray,
        d_out: np.ndarray,
    ) -> dict[str, Any]:
        """BPTT of one layer; `seq`/`state` turn the trace's arrays feature-major (T, F, B)."""
        raise NotImplementedError

    def _stacked_gates(self, lay: LayerTrace, seq: Converter) -> np.ndarray:
        """All gates side by side, (…, G·H): the trace's own array when it has one (no copy)."""
        if lay.stacked is not None:
            return seq(lay.stacked)
        return np.concatenate([seq(lay.gates[n]) for n in CELL_GATES[self.cell]], axis=-1)

    # --- Jacobians
    def jacobian_norms(self, trace: Trace, ord: int | str = 2) -> Jacobians:
        """‖∂h_{T-1}/∂h_t‖ for every t in the last layer (and ‖∂c_{T-1}/∂c_t‖ for the LSTM), holding
        the other state fixed at t. `ord` is 2 (spectral norm: the most a gradient can grow) or
        "fro". Costs T products of (2H × 2H) matrices: meant for the lesson's sizes (H up to a few
        hundred)."""
        if trace.batched:
            raise ValueError("jacobian_norms needs an unbatched trace: x of shape (T, input_size)")
        k = self.num_layers - 1
        lay = trace.layers[k]
        _, w_hh, _, _ = self._layer_weights(k)
        T, H = lay.h.shape
        steps = self._step_jacobians(lay, w_hh)  # J[s] = ∂state_{s}/∂state_{s-1}, s = 1..T-1
        n = steps[0].shape[0] if steps else (2 * H if self.cell == "lstm" else H)
        M = np.eye(n)  # ∂state_{T-1}/∂state_t, starting at t = T-1
        h_blocks, c_blocks = np.empty((T, H, H)), np.empty((T, H, H))
        with np.errstate(**_ERRSTATE):
            for t in range(T - 1, -1, -1):
                h_blocks[t] = M[:H, :H]
                if self.cell == "lstm":
                    c_blocks[t] = M[H:, H:]
                if t > 0:
                    M = M @ steps[t - 1]
            # the norms of all steps at once: one batched SVD, not T calls (a Play tick's cost)
            h_norms = matrix_norms(h_blocks, ord)
            c_norms = matrix_norms(c_blocks, ord) if self.cell == "lstm" else None
        return Jacobians(h_norms, c_norms)

    def _step_jacobians(self, lay: LayerTrace, w_hh: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError

    # --- connectivity: how much the output at the end depends on each input step
    def connectivity(self, trace: Trace, grad_h_last: Any) -> np.ndarray:
        """‖∂y/∂x_t‖ for every step t, where y = grad_h_last · h_{T-1} (the last layer's last hidden
        state): Distill's "connectivity" of the output to each input step. A readout
        ŷ = W h_{T-1} + b gives y = ŷ_o with grad_h_last = W[o]. `grad_h_last` is (H,), or (B, H)
        for a batched trace (one y per sequence); returns (T,), or (B, T). The norm is over the
        input's features, safe against underflow (1e-200 stays 1e-200, see `step_norms`)."""
        g = np.asarray(grad_h_last, dtype=np.float64)
        H = self.hidden_size
        if g.shape not in ((H,), trace.h.shape[:-2] + (H,)):
            raise ValueError(f"grad_h_last has shape {g.shape}; expected ({H},) or (B, {H})")
        grad_h = np.zeros(trace.h.shape)
        grad_h[..., -1, :] = g
        dx = np.asarray(self.backward(trace, grad_h).x)  # (T, D) or (B, T, D)
        return step_norms(dx.reshape(-1, 1, dx.shape[-1])).reshape(dx.shape[:-1])
