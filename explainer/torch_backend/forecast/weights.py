"""A forecaster's weights as safetensors: saved with their settings, checked before loading.

A file is checked from its JSON header first (`weights_header`: the settings within `LIMITS`, every
tensor's name, shape, dtype and byte count), then by its values (finite, within `LIMITS.weight`);
nothing is ever unpickled. A file that cannot be used raises a `WeightsError` whose `code` a page
translates.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load, save
from torch import nn

from explainer.data import NORMALISATIONS, ForecastData, Scaler
from explainer.errors import CodedError
from explainer.torch_backend.forecast.config import LIMITS, ForecastConfig, is_whole
from explainer.torch_backend.forecast.model import Forecaster, architecture, unwrap


def weights_bytes(
    model: nn.Module, config: ForecastConfig, data: ForecastData | None = None
) -> bytes:
    """The trained weights as safetensors bytes, with the settings (and the fitted normalisation,
    when `data` is given) as JSON in the header metadata."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in unwrap(model).state_dict().items()}
    meta = {"format": "explainer.forecast", "config": config.to_json()}
    if data is not None:
        meta["normalise"] = json.dumps(
            {"kind": data.normalise, "scaler": asdict(data.scaler) if data.scaler else None}
        )
    return save(tensors, metadata=meta)


def save_weights(
    path: str | Path, model: nn.Module, config: ForecastConfig, data: ForecastData | None = None
) -> None:
    """Write `weights_bytes` to a .safetensors file."""
    Path(path).write_bytes(weights_bytes(model, config, data))


class WeightsError(CodedError):
    """A weights file that cannot be used, with a `code` and `details` a page can translate (the
    message is English). Codes: unreadable, not_safetensors, not_forecaster, too_big (layers),
    out_of_range (another size), settings (any other bad setting), mismatch, dtype, shape,
    damaged, non_finite, too_large (values), scaler."""


def _raw(source: str | Path | bytes) -> bytes:
    try:
        return Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    except OSError as e:
        raise WeightsError("unreadable", f"cannot read the weights file: {e}") from None


def _not_safetensors(reason: str) -> WeightsError:
    return WeightsError("not_safetensors", f"not a valid safetensors weights file ({reason})")


def _damaged(name: str, reason: str) -> WeightsError:
    return WeightsError(
        "damaged", f"not a valid safetensors weights file (weight {name} {reason})", name=name
    )


# the safetensors dtypes a weights file may store: floating point, converted to float32 on
# loading (exactly from F16 and BF16, to the nearest float32 from F64). Integers and booleans are
# refused: they are no weights, and a cast would hide a damaged or foreign file.
FLOAT_DTYPES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8}  # bytes per value
MAX_HEADER = 1 << 20  # bytes of JSON header; a forecaster's takes about 2 kB


def _header(raw: bytes) -> tuple[dict, int]:
    """The JSON header of safetensors bytes (a little-endian u64 length, then that much JSON) and
    the number of data bytes after it."""
    n = int.from_bytes(raw[:8], "little") if len(raw) >= 8 else -1
    if not 0 <= n <= min(MAX_HEADER, len(raw) - 8):
        raise _not_safetensors(f"its {len(raw)} bytes hold no header")
    try:
        header = json.loads(raw[8 : 8 + n])
    except Exception as e:  # not UTF-8, not JSON, nested too deep...
        raise _not_safetensors(str(e)) from None
    if not isinstance(header, dict):
        raise _not_safetensors("its header is no JSON object")
    return header, len(raw) - 8 - n


def _metadata(header: dict) -> dict:
    """The forecaster's metadata in a safetensors header (only reachable through a file handle in
    safetensors' own API, so parsed here)."""
    meta = header.get("__metadata__") or {}
    if (
        not isinstance(meta, dict)
        or meta.get("format") != "explainer.forecast"
        or not isinstance(meta.get("config"), str)
    ):
        raise WeightsError(
            "not_forecaster",
            "this safetensors file holds no forecaster settings; it was not saved by this app",
        )
    return meta


@dataclass(frozen=True)
class WeightsHeader:
    """A forecaster's weights file as its header describes it, every entry checked."""

    config: ForecastConfig  # the saved settings, within `LIMITS`
    dtypes: dict[str, str]  # tensor name -> safetensors dtype as stored ("F32", "F16", ...)

    @property
    def converted(self) -> tuple[str, ...]:
        """The stored dtypes other than float32, which loading converts to float32."""
        return tuple(sorted(set(self.dtypes.values()) - {"F32"}))


def state_shapes(config: ForecastConfig) -> dict[str, tuple[int, ...]]:
    """The name and shape of every tensor in the state of the model these settings describe,
    read from the model built on torch's meta device (no memory, no initialisation)."""
    with torch.device("meta"):
        return {k: tuple(v.shape) for k, v in architecture(config).state_dict().items()}


def _check_sizes(saved: dict) -> None:
    """The saved sizes against `LIMITS`, as coded errors (`validate` then checks the rest)."""
    hidden = saved.get("hidden")
    (n_lo, n_hi), (h_lo, h_hi) = LIMITS.layers, LIMITS.units
    if (
        isinstance(hidden, list)
        and all(is_whole(h) for h in hidden)
        and not (n_lo <= len(hidden) <= n_hi and all(h_lo <= h <= h_hi for h in hidden))
    ):
        sizes = ", ".join(map(str, hidden[:8])) + (", ..." if len(hidden) > 8 else "")
        raise WeightsError(
            "too_big",
            f"its model's layer sizes are {sizes} ({len(hidden)} layers); this page trains "
            f"{n_lo} to {n_hi} layers of {h_lo} to {h_hi} units",
            layers=len(hidden),
            sizes=sizes,
            max_layers=n_hi,
            max_units=h_hi,
        )
    for name in ("window", "horizon", "epochs", "batch_size", "seed"):
        value, (lo, hi) = saved.get(name), getattr(LIMITS, name)
        if is_whole(value) and not lo <= value <= hi:
            text = str(value)
            shown = text if len(text) <= 12 else f"{text[:6]}... ({len(text)} digits)"
            raise WeightsError(
                "out_of_range",
                f"its {name} is {shown}; this page allows {lo} to {hi}",
                name=name,
                value=shown,
                lo=lo,
                hi=hi,
            )


def _checked_header(raw: bytes) -> WeightsHeader:
    header, data_bytes = _header(raw)
    text = _metadata(header)["config"]
    try:
        saved = json.loads(text)
        if isinstance(saved, dict):  # loaded weights live on this machine's CPU
            saved = {**saved, "device": "cpu"}
            _check_sizes(saved)
        config = ForecastConfig.from_dict(saved)
    except WeightsError:
        raise
    except ValueError as e:
        raise WeightsError(
            "settings", f"its saved settings cannot be used: {e}", msg=str(e)
        ) from None
    expected = state_shapes(config)
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    missing, extra = sorted(set(expected) - set(entries)), sorted(set(entries) - set(expected))
    if missing or extra:
        raise WeightsError(
            "mismatch",
            f"the weights do not match their settings (missing {missing[:3]}, "
            f"unexpected {extra[:3]})",
            missing=", ".join(missing[:3]) or "-",
            unexpected=", ".join(extra[:3]) or "-",
        )
    dtypes = {}
    for name, shape in expected.items():
        entry = entries[name]
        if not isinstance(entry, dict):
            raise _damaged(name, "has a malformed entry")
        dtype, stored, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in FLOAT_DTYPES:
            raise WeightsError(
                "dtype",
                f"weight {name} is stored as {dtype}: weights are floating-point numbers "
                f"({', '.join(FLOAT_DTYPES)})",
                name=name,
                dtype=str(dtype),
            )
        if not (isinstance(stored, list) and tuple(stored) == shape):
            raise WeightsError(
                "shape",
                f"weight {name} has shape {stored}, expected {list(shape)}",
                name=name,
                shape=str(stored),
                expected=str(list(shape)),
            )
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(is_whole(o) for o in offsets)
            and 0 <= offsets[0] <= offsets[1] <= data_bytes
        ):
            raise _damaged(name, "lies beyond its end: the file is cut short or damaged")
        if offsets[1] - offsets[0] != math.prod(shape) * FLOAT_DTYPES[dtype]:
            raise _damaged(
                name,
                f"takes {offsets[1] - offsets[0]} bytes; {dtype} values of shape "
                f"{list(shape)} take {math.prod(shape) * FLOAT_DTYPES[dtype]}",
            )
        dtypes[name] = dtype
    return WeightsHeader(config, dtypes)


def weights_header(source: str | Path | bytes) -> WeightsHeader:
    """A forecaster's weights file checked from its header alone, before any tensor is read or
    any model built: its settings within `LIMITS`, then every tensor's name, shape, dtype and
    size. A ValueError says what is wrong."""
    return _checked_header(_raw(source))


def saved_scaler(source: str | Path | bytes) -> Scaler | None:
    """The global normalisation (min-max, z-score) a model was trained with, as saved beside its
    weights; None for per-window normalisation or a file saved without its data."""
    meta = _metadata(_header(_raw(source))[0])
    if "normalise" not in meta:
        return None
    try:
        saved = json.loads(meta["normalise"])["scaler"]
        if saved is None:
            return None
        scaler = Scaler(str(saved["kind"]), float(saved["shift"]), float(saved["scale"]))
    except (ValueError, TypeError, KeyError) as e:
        raise WeightsError("scaler", f"the saved normalisation is malformed ({e!r})") from None
    if not (
        math.isfinite(scaler.shift)
        and math.isfinite(scaler.scale)
        and scaler.scale > 0
        and scaler.kind in NORMALISATIONS
    ):
        raise WeightsError("scaler", f"the saved normalisation is malformed ({scaler})")
    return scaler


def load_weights(source: str | Path | bytes) -> tuple[Forecaster, ForecastConfig]:
    """A model and its settings from safetensors (a path or bytes); never unpickles anything.
    The header is checked first (`weights_header`), then the values: all finite and within
    +-`LIMITS.weight`. F16, BF16 and F64 tensors are converted to float32, the model's dtype.
    A file that cannot be used gives a ValueError saying why."""
    raw = _raw(source)
    header = _checked_header(raw)
    try:
        tensors = load(raw)
    except Exception as e:  # safetensors raises its own error type for every malformation
        raise _not_safetensors(str(e)) from None
    for name, t in tensors.items():
        t64 = t.double()  # F64 values beyond float32's range are caught before the conversion
        if not torch.isfinite(t64).all():
            raise WeightsError(
                "non_finite", f"weight {name} holds NaN or infinite values", name=name
            )
        top = float(t64.abs().max())
        if top > LIMITS.weight:
            raise WeightsError(
                "too_large",
                f"weight {name} holds values as large as {top:.3g}, beyond the "
                f"{LIMITS.weight:g} a trained forecaster stays far below: this run diverged, "
                "or the file is damaged",
                name=name,
                value=f"{top:.3g}",
                limit=f"{LIMITS.weight:g}",
            )
    with torch.device("meta"):
        model = architecture(header.config)  # no initialisation to pay for: all is replaced
    model.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, assign=True)
    return model.eval(), header.config
