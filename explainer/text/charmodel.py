"""The character model replayed in NumPy (see `explainer.text` for its equations): `CharModel`
(bits per char, sampling), `split_streams`, and its safetensors files (`save`, `load`,
`read_manifest`, `manifest_of`, `shipped`: the pretrained models in assets/text)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explainer.models import MODELS
from explainer.text.corpus import ASSETS, Vocabulary, bits
from explainer.trace import Trace

FORMAT = "explainer.text"  # the safetensors manifest's format name


# ------------------------------------------------------------------------------ char model


@dataclass(frozen=True)
class Sample:
    text: str  # the generated characters (the prime not included)
    unknown_in_prime: list[str]  # prime characters the model never saw (read as unknown)


class CharModel:
    """A trained character model replayed by the NumPy reference (float64)."""

    def __init__(
        self,
        vocab: Vocabulary,
        rnn: Any,
        embedding: np.ndarray | None,
        head_w: np.ndarray,
        head_b: np.ndarray,
        manifest: Mapping[str, Any] | None = None,
    ) -> None:
        V, H = vocab.size, rnn.hidden_size
        E = V if embedding is None else embedding.shape[1]
        if embedding is not None and embedding.shape != (V, rnn.input_size):
            raise ValueError(f"embedding has shape {embedding.shape}, expected {(V, E)}")
        if embedding is None and rnn.input_size != V:
            raise ValueError(f"a one-hot input needs input_size {V}, got {rnn.input_size}")
        if head_w.shape != (V, H) or head_b.shape != (V,):
            raise ValueError(f"head has shapes {head_w.shape}, {head_b.shape}; expected {(V, H)}")
        self.vocab, self.rnn = vocab, rnn
        self.embedding = np.eye(V) if embedding is None else np.asarray(embedding, np.float64)
        self.one_hot = embedding is None
        self.head_w = np.asarray(head_w, np.float64)
        self.head_b = np.asarray(head_b, np.float64)
        self.manifest = dict(manifest or {})

    @property
    def cell(self) -> str:
        return self.rnn.cell

    # --- forward
    def inputs(self, ids: np.ndarray) -> np.ndarray:
        return self.embedding[np.asarray(ids)]  # (…, T, E)

    def trace(self, ids: np.ndarray, h0: Any = None, c0: Any = None) -> Trace:
        """The reference's full record of reading `ids` (T,) or (B, T)."""
        return self.rnn.forward(self.inputs(ids), h0, c0)

    def log_probs(self, trace: Trace) -> np.ndarray:
        """log p(next character) after every step, (…, T, V)."""
        z = trace.h @ self.head_w.T + self.head_b
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    def bits_per_char(self, ids: np.ndarray, streams: int = 1) -> float:
        """Bits per character of `ids[1:]`, read as `streams` equal parallel streams from zero
        states (`explainer.torch_backend.text.evaluate` reads them the same way)."""
        x = split_streams(np.asarray(ids), streams)  # (S, L)
        lp = self.log_probs(self.trace(x[:, :-1]))
        return bits(np.take_along_axis(lp, x[:, 1:, None], axis=-1))

    def connectivity(self, ids: np.ndarray, target: int) -> np.ndarray:
        """‖∂ log p(target | ids) / ∂x_t‖ for every character t of `ids` (T,): how strongly the
        prediction of the character after `ids` depends on each input vector x_t = E[c_t]
        (Distill's connectivity), by the reference's exact BPTT (`model.connectivity`). The
        gradient of log p(target) = z_target - logsumexp(z), z = W h_{T-1} + b, with respect to
        h_{T-1} is W^T (onehot(target) - p)."""
        if not 0 <= int(target) < self.vocab.size:
            raise ValueError(f"target {target} is outside the vocabulary of {self.vocab.size}")
        trace = self.trace(np.asarray(ids))
        p = np.exp(self.log_probs(trace)[-1])  # (V,)
        onehot = np.zeros_like(p)
        onehot[int(target)] = 1.0
        return self.rnn.connectivity(trace, self.head_w.T @ (onehot - p))

    # --- sampling
    def final_state(self, trace: Trace) -> tuple[np.ndarray, np.ndarray | None]:
        """Every layer's last h (and c), (L, H): the state to read on from."""
        h = np.stack([lay.h[-1] for lay in trace.layers])  # (L, H)
        c = None if self.cell != "lstm" else np.stack([lay.c[-1] for lay in trace.layers])
        return h, c

    def sample(self, prime: str, length: int, temperature: float = 1.0, seed: int = 0) -> Sample:
        """`length` characters after `prime`. Each is drawn from softmax(logits / temperature)
        without the unknown symbol; temperature 0 takes the most probable one (greedy). An empty
        prime starts from a newline (or, without one, the most frequent character)."""
        if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= 10_000:
            raise ValueError(f"length must be an integer from 0 to 10,000, got {length!r}")
        if not (isinstance(temperature, (int, float)) and math.isfinite(temperature)):
            raise ValueError(f"temperature must be a finite number, got {temperature!r}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        start = prime or ("\n" if "\n" in self.vocab.index else self.vocab.chars[0])
        rng = np.random.default_rng(seed)
        ids = self.vocab.encode(start)
        tr = self.trace(ids)
        h, c = self.final_state(tr)
        logits = tr.h[-1] @ self.head_w.T + self.head_b
        out = []
        for _ in range(length):
            z = logits.copy()
            z[0] = -np.inf  # never the unknown symbol
            if temperature == 0:
                nxt = int(np.argmax(z))
            else:
                z = (z - z.max()) / temperature
                p = np.exp(z)
                nxt = int(rng.choice(len(p), p=p / p.sum()))
            out.append(nxt)
            tr = self.trace(np.array([nxt]), h, c)
            h, c = self.final_state(tr)
            logits = tr.h[-1] @ self.head_w.T + self.head_b
        return Sample(self.vocab.decode(out), self.vocab.unknown(prime))

    # --- saving
    def tensors(self) -> dict[str, np.ndarray]:
        """The weights under the torch module's names (`explainer.torch_backend.text.CharNet`)."""
        out = {f"rnn.{k}": v for k, v in self.rnn.params.items()}
        if not self.one_hot:
            out["embedding.weight"] = self.embedding
        out["head.weight"], out["head.bias"] = self.head_w, self.head_b
        return out


def split_streams(ids: np.ndarray, streams: int) -> np.ndarray:
    """`ids` cut into `streams` equal consecutive pieces, (S, L); the tail that does not fill a
    row is dropped. Fewer streams when the text is too short for pieces of two characters."""
    streams = max(1, min(int(streams), len(ids) // 2))
    L = len(ids) // streams
    return ids[: streams * L].reshape(streams, L)


# ------------------------------------------------------------------------ safetensors files


def manifest_of(
    cell: str, hidden: int, layers: int, embedding: int, vocab: Vocabulary, **more: Any
) -> dict[str, Any]:
    """The JSON manifest stored in a model file's `__metadata__` (the keys `load` needs first)."""
    return {
        "format": FORMAT,
        "cell": cell,
        "hidden": hidden,
        "layers": layers,
        "embedding": embedding,  # 0: one-hot input
        "vocab": "".join(vocab.chars),
        **more,
    }


def save(model: CharModel, path: str | Path | None = None, dtype: Any = np.float32) -> bytes:
    """The model as safetensors bytes (written to `path` when given); the manifest is JSON under
    the `__metadata__` key "manifest"."""
    from safetensors.numpy import save as st_save

    tensors = {k: np.ascontiguousarray(v, dtype=dtype) for k, v in model.tensors().items()}
    raw = st_save(tensors, metadata={"manifest": json.dumps(model.manifest, ensure_ascii=False)})
    if path is not None:
        Path(path).write_bytes(raw)
    return raw


def read_manifest(raw: bytes) -> dict[str, Any]:
    """The manifest of a model file's bytes, or a ValueError saying why there is none."""
    try:
        n = int.from_bytes(raw[:8], "little")
        if not 0 < n <= len(raw) - 8:
            raise ValueError("the header length is wrong")
        meta = json.loads(raw[8 : 8 + n]).get("__metadata__") or {}
        manifest = json.loads(meta.get("manifest", "{}"))
    except (ValueError, AttributeError) as e:
        raise ValueError(f"not a valid safetensors model file ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError("this safetensors file holds no text-lab model: it was not saved here")
    return manifest


def load(source: str | Path | bytes) -> CharModel:
    """A `CharModel` from safetensors (a path or bytes); every name and shape is checked."""
    from safetensors.numpy import load as st_load

    raw = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    manifest = read_manifest(raw)
    try:
        tensors = st_load(raw)
        vocab = Vocabulary(tuple(manifest["vocab"]))
        cell, H, L, E = (manifest[k] for k in ("cell", "hidden", "layers", "embedding"))
        rnn = MODELS[cell](E or vocab.size, int(H), int(L))
        rnn.load_params({k[4:]: v for k, v in tensors.items() if k.startswith("rnn.")})
        missing = [k for k in rnn.param_shapes() if f"rnn.{k}" not in tensors]
        if missing:
            raise ValueError(f"missing {missing}")
        emb = None if not E else tensors["embedding.weight"]
        return CharModel(vocab, rnn, emb, tensors["head.weight"], tensors["head.bias"], manifest)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"the model file is malformed ({e})") from None


def shipped() -> dict[tuple[str, str], Path]:
    """The pretrained models in assets/text: (corpus, cell) -> path."""
    out = {}
    for path in sorted(ASSETS.glob("*.safetensors")):
        corpus, _, cell = path.stem.rpartition("_")
        out[(corpus, cell)] = path
    return out
