"""The text lab page (`app_pages/text.py`) driven with Streamlit's AppTest: it opens on the shipped
networks (sample, paint, find cells, connectivity), every bad input gets its message, a short
live training on a pasted text becomes the page's network, and the page reads in Chinese."""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explainer import text as T
from tests.conftest import open_app

pytestmark = pytest.mark.usefixtures("fresh_caches")

PAGE = "app_pages/text.py"
CJK = re.compile(r"[\u4e00-\u9fff]")
TRAIN_TIMEOUT = 600  # a 5 s training, then the page's rerun on its network (a loaded machine)


def open_page(**query: str) -> AppTest:
    return open_app(PAGE, **query)


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def html_blocks(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def painted_values(block: str) -> list[float]:
    return [float(v) for v in re.findall(r'title="t=\d+: ([^"]+)"', block)]


def test_opens_on_the_shipped_networks_and_reads_them():
    at = open_page()
    assert "text lab" in at.title[0].value
    assert not at.error
    radio = at.radio(key="text_pick")
    assert set(radio.options) >= {"shipped RNN", "shipped LSTM", "shipped GRU"}
    assert radio.value == "lstm"
    model = T.load(T.shipped()[("python", "lstm")])
    m = model.manifest
    stats = " ".join(e.value for e in at.markdown)
    assert f"{m['bits_per_char']:.2f} bits per character" in stats
    # sampled from the shipped model itself, prime included
    sample = model.sample("def ", 300, 0.8, 0)
    assert at.code[0].value == "def " + sample.text
    # the painted unit: its values are the reference's over the validation passage
    corpus = T.make_corpus(T.bundled("python"), max_chars=m["config"]["vocab_size"])
    blocks = html_blocks(at)
    val = corpus.vocab.decode(corpus.val)
    passage = val[val.find("\n") + 1 :][:600]
    trace = model.trace(model.vocab.encode(passage))
    kind, unit = (
        at.selectbox(key="text_kind_shipped:python:lstm").value,
        at.number_input(key="text_unit_shipped:python:lstm").value,
    )
    want = T.unit_values(trace, T.Unit(0, kind, int(unit)))
    np.testing.assert_allclose(painted_values(blocks[0]), want, rtol=1e-2, atol=1e-3)
    # find cells: one row per feature that Python source can have (no 。！？ in it), and
    # connectivity for the three shipped cells
    table = at.dataframe[0].value
    assert len(table) == len(T.FEATURES) - 1
    assert not any("。" in f for f in table["Feature"])
    reach = [c for c in texts(at, "caption") if ": p = " in c]
    assert [c.split(":")[0] for c in reach] == ["shipped RNN", "shipped LSTM", "shipped GRU"]


def test_parity_with_torch_is_shown_on_request():
    at = open_page()
    # the check runs at once where torch is already imported (earlier tests in this process),
    # else on the button's click
    if any(b.key == "text_check_torch" for b in at.button):
        at.button(key="text_check_torch").click().run()
    caption = next(c for c in texts(at, "caption") if "against torch.nn" in c)
    h, p = (float(v) for v in re.findall(r"= (\d\.\de[+-]\d+)", caption)[:2])
    assert h < 1e-10 and p < 1e-10


def test_temperature_zero_says_greedy_and_matches_greedy_decoding():
    at = open_page(text_temp="0.0")
    assert any("greedy" in c for c in texts(at, "caption"))
    model = T.load(T.shipped()[("python", "lstm")])
    assert at.code[0].value == "def " + model.sample("def ", 300, 0.0).text


def test_a_prime_of_unseen_characters_is_read_as_unknown_with_a_warning():
    at = open_page()
    at.text_input(key="text_prime_python").set_value("日本").run()
    assert not at.exception
    assert any("never saw" in w and "'日'" in w for w in texts(at, "warning"))
    assert len(at.code[0].value) == 2 + 300


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"", "empty"),
        (b"   \n\n\t  ", "only spaces"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "binary"),
        ("caf\u00e9 au lait ".encode("latin-1") * 30, "not UTF-8"),
        (b"tiny", None),  # short: the message comes when training is asked for
        (b"x" * (T.MAX_TEXT_BYTES + 1), "too long"),
    ],
    ids=["empty", "whitespace", "binary", "latin-1", "short", "huge"],
)
def test_every_bad_upload_gets_a_message(raw, words):
    at = open_page(text_src="upload")
    at.file_uploader(key="text_upload").set_value(("bad.txt", raw, "text/plain")).run()
    assert not at.exception
    if words is None:
        assert any("No network has been trained" in i for i in texts(at, "info"))
        at.button(key="FormSubmitter:text_train_form-Train").click().run()
        assert any("too short for one training sequence" in e for e in texts(at, "error"))
    elif raw == b"":
        assert any("Paste a text or upload" in i for i in texts(at, "info"))
    else:
        assert any(words in e for e in texts(at, "error")), texts(at, "error")


def test_twenty_thousand_distinct_characters_and_control_characters():
    at = open_page(text_src="paste")
    spread = "".join(chr(0x4E00 + i) for i in range(20_000))
    at.text_area(key="text_paste").set_value(spread).run()
    at.button(key="FormSubmitter:text_train_form-Train").click().run()
    assert any("20,000 distinct characters" in e for e in texts(at, "error"))
    at.text_area(key="text_paste").set_value("a\x07b c\x1b d " * 20 + "x y " * 2000).run()
    assert any("40 control characters" in w for w in texts(at, "warning"))  # 0.5%: removed
    at.text_area(key="text_paste").set_value("a\x07b c\x1b d " * 200).run()
    assert any("binary" in e for e in texts(at, "error"))  # 20%: not text


def test_a_short_training_on_a_pasted_text_becomes_the_page_network():
    at = open_page(text_src="paste")
    rng = np.random.default_rng(0)
    words = ["the cat", "a dog", "sat on", "ran to", "the mat.", "a tree."]
    pasted = " ".join(rng.choice(words) for _ in range(600))
    at.text_area(key="text_paste").set_value(pasted).run()
    at.selectbox(key="text_hidden").set_value(32)
    at.number_input(key="text_seq_len").set_value(30)
    at.slider(key="text_budget").set_value(5)
    at.button(key="FormSubmitter:text_train_form-Train").click().run(timeout=TRAIN_TIMEOUT)
    assert not at.exception, at.exception
    assert any(s.startswith("Trained for") for s in texts(at, "success"))
    radio = at.radio(key="text_pick")
    assert radio.value == "session" and radio.options[0].startswith("trained here: LSTM, 32 units")
    trained = at.session_state["text_trained"]
    assert trained.model.manifest["bits_per_char"] < trained.baselines.unigram
    # the sample and the reading views use it
    assert at.code[0].value.startswith("")
    assert any(": p = " in c for c in texts(at, "caption"))
    assert any("only this session" in c.lower() for c in texts(at, "caption"))


def test_the_page_reads_in_chinese():
    at = open_page(lang="zh", text_src="tang")
    assert CJK.search(at.title[0].value) and not at.exception
    assert not at.error
    # the page's CSS (a <style> block in a markdown element) is not prose
    prose = [
        p for p in [*texts(at, "caption"), *texts(at, "markdown")] if not p.startswith("<style>")
    ]
    assert prose and all(
        CJK.search(p) for p in prose if re.search(r"[A-Za-z]{5,}", p) and "explainer." not in p
    )


def test_a_training_on_a_bundled_text_is_offered_beside_the_shipped_networks():
    at = open_page()
    at.selectbox(key="text_hidden").set_value(32)
    at.slider(key="text_budget").set_value(5)
    at.button(key="FormSubmitter:text_train_form-Train").click().run(timeout=TRAIN_TIMEOUT)
    assert not at.exception, at.exception
    radio = at.radio(key="text_pick")
    assert radio.value == "session" and len(radio.options) == 4
    reach = [c for c in texts(at, "caption") if ": p = " in c]
    assert len(reach) == 4 and reach[-1].startswith("trained here: LSTM, 32 units")
