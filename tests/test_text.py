"""The text lab's torch-free half: text checks, vocabulary, baselines, features, find cells,
sampling and the model file. Oracles: counts and probabilities written out by hand in plain
Python, and a network built by hand whose one unit tracks the quote state."""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest

from explainer import LSTM, RNN
from explainer import text as T

# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "raw, code",
    [
        (b"", "empty"),
        (b"   \n\t \n", "whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("caf\u00e9".encode("latin-1"), "not_utf8"),
        (b"x" * (T.MAX_TEXT_BYTES + 1), "too_large"),
        (b"abc\x01\x02\x03def" * 10, "binary"),  # 30% control characters
    ],
)
def test_bad_text_gets_a_coded_message(raw, code):
    with pytest.raises(T.TextError) as e:
        T.clean_text(T.read_text(raw))
    assert e.value.code == code
    assert str(e.value)  # an English sentence for the command line


def test_a_few_control_characters_are_removed_and_counted():
    text = "line one\r\nline two\rline\x07 three\t!" + "x" * 400
    clean = T.clean_text(text)
    assert clean.removed_controls == 1  # the bell; tab and newlines stay
    assert clean.text.startswith("line one\nline two\nline three\t!")


def test_a_bom_is_dropped():
    assert T.read_text("\ufeffhello".encode("utf-8")) == "hello"


def test_too_long_a_text_is_refused():
    with pytest.raises(T.TextError) as e:
        T.clean_text("a" * (T.MAX_TEXT_CHARS + 1))
    assert e.value.code == "too_large" and e.value.details["limit"] == T.MAX_TEXT_CHARS


def test_a_text_shorter_than_one_sequence_is_refused():
    with pytest.raises(T.TextError) as e:
        T.make_corpus("short text", seq_len=100)
    assert e.value.code == "too_short" and e.value.details["need"] > 100
    need = e.value.details["need"]
    T.make_corpus("ab" * (need // 2 + 1), seq_len=100)  # the number it names is enough


def test_twenty_thousand_distinct_characters():
    # each character once: no cap can make a character model of it
    spread = "".join(chr(0x4E00 + i) for i in range(20_000))
    with pytest.raises(T.TextError) as e:
        T.make_corpus(spread, max_chars=2000)
    assert e.value.code == "too_many_distinct" and e.value.details["distinct"] == 20_000
    # Zipf-like: 20,000 distinct characters, but the 2,000 most frequent cover most of it
    rng = np.random.default_rng(0)
    ids = np.minimum(rng.zipf(1.3, 200_000), 20_000) - 1
    text = "".join(chr(0x4E00 + i) for i in ids) + spread
    corpus = T.make_corpus(text, max_chars=2000)
    assert corpus.vocab.size == 2001 and corpus.distinct == 20_000
    assert 0.5 < corpus.coverage < 1.0


# ------------------------------------------------------------------------------ vocabulary


def test_vocabulary_keeps_the_most_frequent_and_one_unknown():
    v = T.Vocabulary.from_text("aaabbbcd", max_chars=2)
    assert v.chars == ("a", "b") and v.size == 3
    assert v.encode("abcz").tolist() == [1, 2, 0, 0]
    assert v.decode([1, 2, 0]) == "ab" + T.UNKNOWN
    assert v.unknown("zcaz") == ["z", "c"]
    assert T.Vocabulary.from_text("dcba", max_chars=2).chars == ("a", "b")  # ties: code point


# ------------------------------------------------------------------------------- baselines


def test_unigram_and_bigram_bits_by_hand():
    train, val = "abracadabra abba", "abrac"
    vocab = T.Vocabulary(tuple(sorted(set(train))))
    V = vocab.size  # a b c d r space + unknown = 7
    n = collections.Counter(train)
    p1 = {c: (n.get(c, 0) + 1) / (len(train) + V) for c in vocab.chars}
    want_uni = -sum(math.log2(p1[c]) for c in val[1:]) / (len(val) - 1)
    pairs = collections.Counter(zip(train, train[1:], strict=False))
    first = collections.Counter(train[:-1])
    followers = collections.Counter(a for a, _ in pairs)

    def p2(a, b):  # Witten-Bell, written out
        return (pairs.get((a, b), 0) + followers[a] * p1[b]) / (first[a] + followers[a])

    want_bi = -sum(math.log2(p2(a, b)) for a, b in zip(val, val[1:], strict=False)) / (len(val) - 1)
    tr, va = vocab.encode(train), vocab.encode(val)
    assert T.bits(T.unigram_log_probs(tr, va[1:], V)) == pytest.approx(want_uni, rel=1e-12)
    assert T.bits(T.bigram_log_probs(tr, va, V)) == pytest.approx(want_bi, rel=1e-12)


def test_bigram_falls_back_to_the_unigram_after_an_unseen_character():
    vocab = T.Vocabulary(("a", "b", "z"))
    tr = vocab.encode("ababab")
    lp = T.bigram_log_probs(tr, vocab.encode("zab"), vocab.size)
    uni = T.unigram_log_probs(tr, vocab.encode("a"), vocab.size)
    assert lp[0] == pytest.approx(uni[0])  # "z" never came first in a training pair


def test_bigram_probabilities_sum_to_one():
    rng = np.random.default_rng(1)
    tr = rng.integers(0, 6, 300)
    for a in range(6):
        text = np.stack([np.full(6, a), np.arange(6)], axis=1)  # a followed by each b
        p = [np.exp(T.bigram_log_probs(tr, row, 6))[0] for row in text]
        assert sum(p) == pytest.approx(1.0, abs=1e-12)


def test_baselines_on_the_bundled_texts_are_below_uniform():
    for name in T.CORPORA:
        corpus = T.make_corpus(T.bundled(name), max_chars=2000)
        b = T.baselines(corpus)
        assert b.bigram < b.unigram < math.log2(corpus.vocab.size)


# -------------------------------------------------------------------------------- features


def test_features_by_hand():
    text = 'f(a, "b c")\n  x9 = 1。'
    f = T.features(text)
    want_quotes = [0] * 5 + [1] * 4 + [0] * 12  # the opening quote is inside, the closing not
    assert f["in_quotes"].tolist() == want_quotes
    assert f["bracket_depth"].tolist()[:11] == [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]
    assert f["line_position"].tolist()[10:15] == [11, 0, 1, 2, 3]
    assert [text[i] for i in np.flatnonzero(f["word_start"])] == ["f", "a", "b", "c", "x", "1"]
    assert [text[i] for i in np.flatnonzero(f["digit"])] == ["9", "1"]
    assert f["to_full_stop"][-1] == 0 and f["to_full_stop"][-3] == 2
    assert f["to_full_stop"][0] == T.FULL_STOP_CAP  # 20 characters away: the cap
    assert f["after_comma"].tolist()[2:5] == [0, 1, 1] and f["after_comma"][11] == 0


def test_full_stop_feature_only_for_text_with_full_stops():
    assert "to_full_stop" not in T.applicable("def f(x):\n    return x, 'y'\n")
    assert "to_full_stop" in T.applicable("床前明月光，疑是地上霜。")
    assert set(T.applicable("abc。")) == set(T.FEATURES)  # the other features apply to any text
    # the bundled Python source has no 。！？, the Tang poems have
    assert "to_full_stop" not in T.applicable(T.bundled("python"))
    assert "to_full_stop" in T.applicable(T.bundled("tang"))


def test_single_quotes_and_apostrophes():
    f = T.features("f('a\"b') don't 'x'")
    assert f["in_quotes"].tolist() == [0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]


def test_chinese_quotes_and_brackets():
    f = T.features("他說「好（真）」了")
    assert f["in_quotes"].tolist() == [0, 0, 1, 1, 1, 1, 1, 0, 0]
    assert f["bracket_depth"].tolist() == [0, 0, 0, 0, 1, 1, 0, 0, 0]


# ------------------------------------------------------------------------------ find cells


def quote_model(text: str, hidden: int = 8, planted: int = 3) -> T.CharModel:
    """A random one-hot LSTM whose unit `planted` is set by hand to track the quote state: on a
    quote its forget gate closes, its input gate opens and its candidate is -sign(h) (so c flips
    between -1 and +1); on any other character f = 1, i = 0 and c stays. No other unit reads it."""
    vocab = T.Vocabulary.from_text(text)
    V, H, j, q = vocab.size, hidden, planted, vocab.index['"']
    rnn = LSTM(V, H, seed=5)
    p = rnn.params
    i_, f_, g_, o_ = (j + k * H for k in range(4))  # rows of unit j in the blocks i|f|g|o
    for row in (i_, f_, g_, o_):
        p["weight_ih_l0"][row] = 0.0
        p["weight_hh_l0"][row] = 0.0
        p["bias_hh_l0"][row] = 0.0
    p["bias_ih_l0"][i_], p["weight_ih_l0"][i_, q] = -20.0, 40.0  # i = 1 on a quote only
    p["bias_ih_l0"][f_], p["weight_ih_l0"][f_, q] = 20.0, -40.0  # f = 0 on a quote only
    p["weight_hh_l0"][g_, j], p["bias_ih_l0"][g_] = -10.0, 3.0  # g = tanh(3 - 10 h_j)
    p["bias_ih_l0"][o_] = 20.0  # o = 1: h_j = tanh(c_j)
    keep = p["weight_hh_l0"][g_, j]
    p["weight_hh_l0"][:, j] = 0.0  # the other units do not read h_j (they stay random)
    p["weight_hh_l0"][g_, j] = keep
    rng = np.random.default_rng(2)
    return T.CharModel(vocab, rnn, None, rng.normal(size=(V, H)), rng.normal(size=V))


QUOTED = 'she said "yes" and then "no, not now" but "maybe" was what he heard. ' * 6


def test_find_cells_finds_the_planted_quote_unit():
    model = quote_model(QUOTED)
    trace = model.trace(model.vocab.encode(QUOTED))
    found = T.find_cells(trace, QUOTED, ["in_quotes"], top=20)["in_quotes"]
    assert found[0].unit.unit == 3 and found[0].unit.kind in ("h", "c")
    assert found[0].r > 0.95 and found[0].readable
    others = [m for m in found if m.unit.unit != 3]
    assert abs(others[0].r) < T.READABLE_R  # the random units do not follow quotes
    # the feature itself, not only the planted unit, decides: bracket depth is constant here
    assert T.find_cells(trace, QUOTED, ["bracket_depth"])["bracket_depth"] == []


def test_correlations_agree_with_numpy():
    rng = np.random.default_rng(3)
    a, f = rng.normal(size=(50, 4)), rng.normal(size=50)
    want = [np.corrcoef(a[:, k], f)[0, 1] for k in range(4)]
    np.testing.assert_allclose(T.correlations(a, f), want, rtol=1e-12)
    a[:, 2] = 1.0
    assert np.isnan(T.correlations(a, f)[2])


def test_unit_values_names_what_a_cell_has():
    model = quote_model(QUOTED)
    trace = model.trace(model.vocab.encode(QUOTED[:30]))
    np.testing.assert_array_equal(
        T.unit_values(trace, T.Unit(0, "f", 3)), trace.layers[0].gates["f"][:, 3]
    )
    with pytest.raises(ValueError, match="out of range"):
        T.unit_values(trace, T.Unit(0, "h", 8))
    rnn_trace = RNN(4, 3).forward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="unknown kind 'c'"):
        T.unit_values(rnn_trace, T.Unit(0, "c", 0))


# -------------------------------------------------------------------------------- sampling


def random_model(cell: str = "lstm", text: str = QUOTED, layers: int = 1) -> T.CharModel:
    from explainer import MODELS

    vocab = T.Vocabulary.from_text(text)
    rng = np.random.default_rng(4)
    rnn = MODELS[cell](6, 10, layers, seed=1)
    for p in rnn.params.values():
        p *= 3.0  # sharper than PyTorch's initialisation: distinct logits
    V = vocab.size
    return T.CharModel(
        vocab, rnn, rng.normal(size=(V, 6)), 2 * rng.normal(size=(V, 10)), rng.normal(size=V)
    )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_temperature_towards_zero_is_greedy(cell):
    model = random_model(cell, layers=2)
    greedy = model.sample("she ", 60, temperature=0)
    # greedy decoding written out: the argmax of the full forward over the growing text
    ids = list(model.vocab.encode("she "))
    for _ in range(60):
        lp = model.log_probs(model.trace(np.array(ids)))[-1]
        lp[0] = -np.inf
        ids.append(int(np.argmax(lp)))
    assert greedy.text == model.vocab.decode(ids[4:])
    for seed in range(3):
        assert model.sample("she ", 60, temperature=1e-6, seed=seed).text == greedy.text
    warm = {model.sample("she ", 60, temperature=1.0, seed=s).text for s in range(3)}
    assert len(warm) > 1  # at temperature 1 the seed matters


def test_sampling_never_emits_the_unknown_symbol_and_reports_unseen_prime():
    model = random_model()
    model.head_b[0] = 50.0  # the unknown symbol would win every draw
    s = model.sample("zq€ she", 100, temperature=1.0)
    assert T.UNKNOWN not in s.text and len(s.text) == 100
    assert s.unknown_in_prime == ["z", "q", "€"]
    assert len(model.sample("", 10).text) == 10  # an empty prime starts from a newline or so


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "hot"])
def test_bad_temperature(bad):
    with pytest.raises(ValueError, match="temperature"):
        random_model().sample("a", 5, temperature=bad)


# ----------------------------------------------------------------------------- model files


@pytest.mark.parametrize("one_hot", [False, True])
def test_save_and_load_round_trip(tmp_path, one_hot):
    model = quote_model(QUOTED) if one_hot else random_model("gru", layers=2)
    model.manifest = T.manifest_of(
        model.cell,
        model.rnn.hidden_size,
        model.rnn.num_layers,
        0 if one_hot else 6,
        model.vocab,
        note="中文 too",
    )
    raw = T.save(model, tmp_path / "m.safetensors", dtype=np.float64)
    back = T.load(tmp_path / "m.safetensors")
    assert back.manifest["note"] == "中文 too" and back.vocab == model.vocab
    ids = model.vocab.encode(QUOTED[:40])
    np.testing.assert_array_equal(
        back.log_probs(back.trace(ids)), model.log_probs(model.trace(ids))
    )
    assert T.load(raw).one_hot is one_hot


@pytest.mark.parametrize(
    "raw, match",
    [
        (b"not a model at all", "not a valid safetensors"),
        (b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ", "no text-lab model"),
    ],
)
def test_load_refuses_what_is_not_a_model(raw, match):
    with pytest.raises(ValueError, match=match):
        T.load(raw)


def test_load_refuses_a_file_whose_shapes_do_not_fit():
    model = random_model()
    model.manifest = T.manifest_of("lstm", 10, 1, 6, model.vocab)
    model.manifest["hidden"] = 11
    with pytest.raises(ValueError, match="malformed"):
        T.load(T.save(model))


def test_every_file_the_4_mb_uploader_lets_through_is_read():
    # st.file_uploader's max_upload_size counts MB as MiB: its 4 lets 4 * 1024 * 1024 bytes
    # through, and read_text must not then refuse a file the widget accepted
    assert len(T.read_text(b"x" * (4 * 1024 * 1024))) == 4 * 1024 * 1024
