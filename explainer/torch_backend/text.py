"""The text lab's trainer: a character-level RNN, LSTM or GRU in PyTorch.

Model (`CharNet`, the equations in `explainer.text`): an embedding of E numbers per character
(or a one-hot input of V, when `embedding` is 0), an `nn.RNN`/`nn.LSTM`/`nn.GRU` of 1-2 layers,
and a linear head to V logits. Parameters start uniform in +-1/sqrt(H) (the embedding N(0, 1)),
drawn from a generator seeded by the run's seed, never global state.

Training: truncated backpropagation through time. The training text is cut into `batch` equal
streams read side by side, `seq_len` characters at a time; the state is carried from one chunk
to the next (detached, so gradients stop at the chunk's start) and reset when the streams wrap
around. Adam, global gradient-norm clipping, a wall-clock and/or step budget, progress through
a callback every `eval_every` steps and a `should_stop()` poll before every step, so a page can
draw and stop it (a stopped run keeps its model). The validation loss, in bits per character,
reads the validation text as `EVAL_STREAMS` parallel streams from zero states, exactly as
`explainer.text.CharModel.bits_per_char` replays it in NumPy.

`python -m explainer text --corpus FILE --cell lstm --hidden 128 --budget-seconds 60 --json` (the
command line is in `explainer.torch_backend.cli`)
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from explainer import text as T
from explainer.cells import CELLS
from explainer.models import MODELS
from explainer.torch_backend import build_torch_rnn, check_int, check_training, set_threads

MAX_HIDDEN = 512
MAX_LAYERS = 2
EVAL_STREAMS = 64  # the validation text is read as this many parallel streams (batched: cheap)


@dataclass
class TextConfig:
    """One training run (the defaults are the CLI's and the page's)."""

    cell: str = "lstm"  # "rnn", "lstm" or "gru"
    hidden: int = 128  # hidden units H, up to 512
    layers: int = 1  # 1 or 2
    embedding: int = 32  # embedding size E; 0: one-hot input
    vocab_size: int = T.DEFAULT_VOCAB  # the N most frequent characters kept (+ one unknown symbol)
    seq_len: int = 100  # truncated BPTT: characters per chunk
    batch: int = 32  # parallel streams (fewer when the text is short)
    lr: float = 3e-3  # Adam learning rate
    clip: float = 1.0  # max global gradient norm; 0 turns clipping off
    budget_seconds: float | None = 60.0  # wall-clock budget (None: steps only)
    max_steps: int | None = None  # step budget (None: time only)
    eval_every: int = 50  # steps between validations (and progress reports)
    val_fraction: float = 0.1  # the text's tail kept for validation
    max_val_chars: int = 20_000  # validation reads at most this many characters
    seed: int = 0  # initialisation (the data order is fixed: consecutive chunks)
    threads: int | None = 1  # torch.set_num_threads; None leaves torch's setting alone

    def validate(self) -> TextConfig:
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}: expected one of {', '.join(CELLS)}")
        check_int("hidden", self.hidden, 1, MAX_HIDDEN)
        check_int("layers", self.layers, 1, MAX_LAYERS)
        check_int("embedding", self.embedding, 0, 1024)
        check_int("vocab_size", self.vocab_size, 1, 20_000)
        check_int("seq_len", self.seq_len, 1, 1000)
        check_int("batch", self.batch, 1, 1024)
        check_int("eval_every", self.eval_every, 1)
        check_int("max_val_chars", self.max_val_chars, 2)
        check_int("seed", self.seed, 0)
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must be between 0 and 1, got {self.val_fraction}")
        check_training(self.lr, self.clip, self.budget_seconds, self.max_steps, self.threads)
        return self


# ---------------------------------------------------------------------------------- model


class CharNet(nn.Module):
    """Embedding (or one-hot) -> recurrent layers -> linear head; `forward` returns logits."""

    def __init__(self, cell: str, vocab_size: int, hidden: int, layers: int, embedding: int):
        super().__init__()
        self.cell, self.vocab_size = cell, vocab_size
        self.embedding = nn.Embedding(vocab_size, embedding) if embedding else None
        size = embedding or vocab_size
        self.rnn = build_torch_rnn(cell, size, hidden, layers, dtype=torch.float32)
        self.head = nn.Linear(hidden, vocab_size)

    def inputs(self, ids: torch.Tensor) -> torch.Tensor:
        if self.embedding is None:
            return nn.functional.one_hot(ids, self.vocab_size).to(self.head.weight.dtype)
        return self.embedding(ids)

    def forward(self, ids: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        out, state = self.rnn(self.inputs(ids), state)  # (B, T, H)
        return self.head(out), state  # (B, T, V)


def build_model(config: TextConfig, vocab_size: int) -> CharNet:
    """A `CharNet`, every parameter drawn from a generator seeded by `config.seed`."""
    c = config
    model = CharNet(c.cell, vocab_size, c.hidden, c.layers, c.embedding)
    gen = torch.Generator().manual_seed(int(c.seed))
    bound = 1.0 / math.sqrt(c.hidden)
    with torch.no_grad():
        for name, p in model.named_parameters():  # a fixed order
            if name == "embedding.weight":
                p.normal_(0.0, 1.0, generator=gen)
            else:
                p.uniform_(-bound, bound, generator=gen)
    return model


def char_model(model: CharNet, vocab: T.Vocabulary, manifest: dict | None = None) -> T.CharModel:
    """The trained model in the NumPy reference (float64 copies of its weights)."""
    rnn = MODELS[model.cell].from_torch(model.rnn)
    emb = None if model.embedding is None else model.embedding.weight.detach().double().numpy()
    w = model.head.weight.detach().double().numpy()
    b = model.head.bias.detach().double().numpy()
    return T.CharModel(vocab, rnn, emb, w.copy(), b.copy(), manifest)


def torch_model(model: T.CharModel, dtype: torch.dtype = torch.float64) -> CharNet:
    """A NumPy `CharModel`'s weights in a `CharNet` (float64 by default: the parity oracle)."""
    E = 0 if model.one_hot else model.embedding.shape[1]
    net = CharNet(model.cell, model.vocab.size, model.rnn.hidden_size, model.rnn.num_layers, E)
    net = net.to(dtype)
    net.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in model.tensors().items()})
    return net.eval()


def parity(model: T.CharModel, ids: np.ndarray) -> dict[str, float]:
    """max |torch - NumPy| over a passage: the top layer's h at every step, every layer's final
    h (and c), and the log-probabilities, the torch side in float64 from the same weights."""
    net = torch_model(model)
    trace = model.trace(np.asarray(ids))
    with torch.no_grad():
        x = torch.from_numpy(np.asarray(ids, dtype=np.int64))[None]
        out, state = net.rnn(net.inputs(x))
        logp = torch.log_softmax(net.head(out), dim=-1)[0].numpy()
    h_last, c_last = model.final_state(trace)
    diffs = {
        "h": np.abs(out[0].numpy() - trace.h).max(),
        "h_final": np.abs((state[0] if net.cell == "lstm" else state)[:, 0].numpy() - h_last).max(),
        "log_p": np.abs(logp - model.log_probs(trace)).max(),
    }
    if c_last is not None:
        diffs["c_final"] = np.abs(state[1][:, 0].numpy() - c_last).max()
    return {k: float(v) for k, v in diffs.items()}


def evaluate(model: CharNet, ids: np.ndarray, streams: int = EVAL_STREAMS) -> float:
    """Validation bits per character of `ids[1:]`, read as `streams` streams from zero states."""
    x = torch.from_numpy(T.split_streams(np.asarray(ids), streams))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits, _ = model(x[:, :-1])
        nats = nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]).double(), x[:, 1:].reshape(-1)
        )
    model.train(was_training)
    return float(nats) / math.log(2)


# -------------------------------------------------------------------------------- training


@dataclass(frozen=True)
class EvalPoint:
    step: int
    seconds: float
    chars: int  # training characters read so far
    train_bits: float  # mean training loss since the previous point, bits per character
    val_bits: float  # validation bits per character


@dataclass(frozen=True)
class Progress:
    """What the callback receives after each validation."""

    step: int
    seconds: float
    chars: int
    train_bits: float
    val_bits: float
    done: bool
    fraction: float  # of the budget used, in [0, 1]
    model: CharNet = field(repr=False)  # the model being trained (a live view, not a copy)


@dataclass
class TextRun:
    config: TextConfig
    corpus: T.Corpus
    baselines: T.Baselines
    model: CharNet
    history: list[EvalPoint] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    chars: int = 0
    stopped: bool = False  # should_stop() asked for it
    batch: int = 0  # the number of streams actually used

    @property
    def bits_per_char(self) -> float:
        return self.history[-1].val_bits if self.history else float("nan")

    def manifest(self, **more: Any) -> dict[str, Any]:
        c, corpus = self.config, self.corpus
        return T.manifest_of(
            c.cell,
            c.hidden,
            c.layers,
            c.embedding,
            corpus.vocab,
            config=asdict(c),
            bits_per_char=self.bits_per_char,
            unigram_bits_per_char=self.baselines.unigram,
            bigram_bits_per_char=self.baselines.bigram,
            steps=self.steps,
            seconds=round(self.seconds, 3),
            chars=self.chars,
            stopped=self.stopped,
            text_chars=len(corpus.text),
            text_sha256=hashlib.sha256(corpus.text.encode("utf-8")).hexdigest(),
            distinct=corpus.distinct,
            coverage=corpus.coverage,
            train_chars=len(corpus.train),
            val_chars=len(corpus.val),
            eval_streams=EVAL_STREAMS,
            torch=torch.__version__,
            **more,
        )

    def char_model(self, **more: Any) -> T.CharModel:
        return char_model(self.model, self.corpus.vocab, self.manifest(**more))


def train(
    config: TextConfig,
    text: str | T.Corpus,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TextRun:
    """Train a character model on `text` (a string, or a `Corpus` already made from one)."""
    c = config.validate()
    corpus = (
        text
        if isinstance(text, T.Corpus)
        else T.make_corpus(
            text,
            max_chars=c.vocab_size,
            val_fraction=c.val_fraction,
            seq_len=c.seq_len,
            max_val_chars=c.max_val_chars,
        )
    )
    if len(corpus.train) < c.seq_len + 1:
        raise T.TextError("too_short", "the training text is shorter than one sequence")
    if c.threads is not None:
        set_threads(c.threads)
    model = build_model(c, corpus.vocab.size).train()
    run = TextRun(c, corpus, T.baselines(corpus), model)
    opt = torch.optim.Adam(model.parameters(), lr=c.lr)
    S = c.seq_len
    B = max(1, min(c.batch, len(corpus.train) // (S + 1)))
    L = len(corpus.train) // B
    streams = torch.from_numpy(corpus.train[: B * L].reshape(B, L))  # (B, L)
    run.batch = B
    stop = should_stop or (lambda: False)
    V, pos, state, losses = corpus.vocab.size, 0, None, []
    t0 = time.perf_counter()

    def fraction() -> float:
        f = 0.0
        if c.budget_seconds is not None:
            f = max(f, (time.perf_counter() - t0) / c.budget_seconds)
        if c.max_steps is not None:
            f = max(f, run.steps / c.max_steps)
        return min(f, 1.0)

    def report(done: bool) -> None:
        train_bits = float(np.mean(losses)) / math.log(2) if losses else float("nan")
        losses.clear()
        val = evaluate(model, corpus.val)
        run.seconds = time.perf_counter() - t0
        run.history.append(EvalPoint(run.steps, run.seconds, run.chars, train_bits, val))
        if on_progress is not None:
            p = Progress(run.steps, run.seconds, run.chars, train_bits, val, done, 1.0, model)
            on_progress(p if done else replace(p, fraction=fraction()))

    while fraction() < 1.0:
        if stop():
            run.stopped = True
            break
        if pos + S + 1 > L:  # the streams wrap around: start again from zero states
            pos, state = 0, None
        x, y = streams[:, pos : pos + S], streams[:, pos + 1 : pos + S + 1]
        pos += S
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        loss = nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if c.clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), c.clip)
        opt.step()
        losses.append(loss.item())
        run.steps += 1
        run.chars += B * S
        if run.steps % c.eval_every == 0 and fraction() < 1.0:
            report(done=False)
    report(done=True)
    return run
