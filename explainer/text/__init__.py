"""Character-level text for the text lab: corpora, vocabulary, baselines, features, and the char
model replayed in NumPy. No torch here: the page reads shipped models without importing it.
Three modules:

    corpus.py     text input, the capped vocabulary, the corpus and its baselines
    features.py   what a character's state may track (`FEATURES`) and "find cells"
    charmodel.py  the char model replayed in NumPy and its safetensors files

The character model (`CharModel`; trained by `explainer.torch_backend.text`)
    x_t = E[c_t]                            the embedding row of character c_t (E = I: one-hot)
    h_t = cell(x_t, h_{t-1})                the reference's RNN/LSTM/GRU (`explainer.models`)
    p(c_{t+1} | c_0 .. c_t) = softmax(W h_t + b)
Loss in **bits per character**: the mean of -log2 p(c_{t+1} | c_0 .. c_t) over a text's targets
c_1 .. c_{T-1} (its first character is only read, never predicted). The baselines predict the
same targets: the unigram p(c) (add-one counts of the training text) and the bigram p(c | c_prev)
(Witten-Bell: the bigram counts interpolated with the unigram, weighted by how many different
characters follow c_prev; Witten & Bell 1991), both fitted on the training text only.

Vocabulary: the N most frequent characters of the training text (ties in code-point order) plus
one unknown symbol, index 0, that stands for every other character. Sampling never emits it.

Features for "find cells" describe the state after reading character t (so an opening quote is
inside the quotes, a closing one outside): `FEATURES` names them. A unit "follows" a feature when
|r| >= `READABLE_R` (Pearson's correlation over a passage).

References: Karpathy, Johnson & Fei-Fei (2015), Visualizing and understanding recurrent networks;
Strobelt et al. (2017), LSTMVis; Madsen (2019), Visualizing memorization in RNNs (Distill).
"""

from explainer.text.charmodel import (
    FORMAT,
    CharModel,
    Sample,
    load,
    manifest_of,
    read_manifest,
    save,
    shipped,
    split_streams,
)
from explainer.text.corpus import (
    ASSETS,
    CORPORA,
    DEFAULT_VOCAB,
    MAX_CONTROL_SHARE,
    MAX_TEXT_BYTES,
    MAX_TEXT_CHARS,
    MIN_COVERAGE,
    UNKNOWN,
    Baselines,
    CleanText,
    Corpus,
    TextError,
    Vocabulary,
    baselines,
    bigram_log_probs,
    bits,
    bundled,
    clean_text,
    make_corpus,
    read_text,
    unigram_log_probs,
)
from explainer.text.features import (
    CLOSE_BRACKETS,
    CLOSE_QUOTES,
    FEATURES,
    FULL_STOP_CAP,
    FULL_STOPS,
    MARKS,
    OPEN_BRACKETS,
    OPEN_QUOTES,
    READABLE_R,
    Match,
    Unit,
    applicable,
    correlations,
    features,
    find_cells,
    kinds_of,
    state_matrix,
    unit_values,
)

__all__ = [
    "ASSETS",
    "Baselines",
    "CLOSE_BRACKETS",
    "CLOSE_QUOTES",
    "CORPORA",
    "CharModel",
    "CleanText",
    "Corpus",
    "DEFAULT_VOCAB",
    "FEATURES",
    "FORMAT",
    "FULL_STOPS",
    "FULL_STOP_CAP",
    "MARKS",
    "MAX_CONTROL_SHARE",
    "MAX_TEXT_BYTES",
    "MAX_TEXT_CHARS",
    "MIN_COVERAGE",
    "Match",
    "OPEN_BRACKETS",
    "OPEN_QUOTES",
    "READABLE_R",
    "Sample",
    "TextError",
    "UNKNOWN",
    "Unit",
    "Vocabulary",
    "baselines",
    "bigram_log_probs",
    "bits",
    "bundled",
    "clean_text",
    "correlations",
    "features",
    "applicable",
    "find_cells",
    "kinds_of",
    "load",
    "make_corpus",
    "manifest_of",
    "read_manifest",
    "read_text",
    "save",
    "shipped",
    "split_streams",
    "state_matrix",
    "unigram_log_probs",
    "unit_values",
]
