"""`cell_figure`: the anatomy of one LSTM, GRU or RNN cell at step t, with live values.

The diagram is drawn with Plotly shapes (wires, gate boxes, pointwise nodes) and annotations on a
fixed canvas (x 0..12, y -2..8). Every number written on it is read from the trace at (t, unit):

    LSTM  c_{t-1}, h_{t-1}, x_t, the four gates i f g o and their pre-activations a, c_t, h_t
    GRU   h_{t-1}, x_t, r z n and their pre-activations, W_hn h_{t-1} + b_hn (`aux["hn"]`), h_t
    RNN   h_{t-1}, x_t, the pre-activation a and h_t

At t = 0 the previous states are the trace's `h0`/`c0`. Intermediate products (f ⊙ c_{t-1}, i ⊙ g,
tanh(c_t), z ⊙ h_{t-1}, ...) are not stored in a trace, so their wires carry the expression, not a
number. Each value annotation is named `value:<key>` (keys above: `c_prev h_prev x i f g o c h a_i
...`, GRU `hn`) so that tests and the app can find them. The labels follow the code: `f` is the
forget gate, `g` the candidate, and the GRU's reset gate multiplies `W_hn h + b_hn` (PyTorch), or
`h` before the product for `variant="textbook"`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import plotly.graph_objects as go

from explainer.figures.style import (
    GATE_COLORS,
    Style,
    assemble,
    check_layer,
    check_unit,
    fmt,
    merge_labels,
    require_unbatched,
    style,
)
from explainer.trace import Trace

WIRE_GREY = "#555555"
BOX_FILL = "rgba(255,255,255,0.95)"
NX, NY = 0.2, 0.36  # where a wire stops short of a pointwise node's centre (data units)
BOX_H = 1.3  # gate box height (data units)
HN_HALF = {False: 1.1, True: 0.95}  # half-width of the GRU's W_hn box (textbook: between two nodes)
ARROW = 0.3  # length of an arrowhead's shaft (data units)
LABEL_DY = 1.25  # a gate's name this far below its box's centre: clear of the arrowhead above it
SP = "\u2003"  # an em space between the equations of the notation line
EQUATIONS = {  # the notation line under the diagram: letters in italics, as in the equations
    "lstm": (
        f"<i>c</i><sub>t</sub> = <i>f</i> ⊙ <i>c</i><sub>t−1</sub> + <i>i</i> ⊙ <i>g</i>{SP}"
        f"<i>h</i><sub>t</sub> = <i>o</i> ⊙ tanh(<i>c</i><sub>t</sub>)<br>"
        "<i>i</i>, <i>f</i>, <i>o</i> = σ(<i>W</i><sub>i·</sub><i>x</i> + <i>b</i><sub>i·</sub>"
        " + <i>W</i><sub>h·</sub><i>h</i><sub>t−1</sub> + <i>b</i><sub>h·</sub>)"
        f"{SP}<i>g</i> = tanh(…)"
    ),
    "gru": (
        "<i>h</i><sub>t</sub> = (1 − <i>z</i>) ⊙ <i>n</i> + <i>z</i> ⊙ <i>h</i><sub>t−1</sub><br>"
        "<i>n</i> = tanh(<i>W</i><sub>in</sub><i>x</i> + <i>b</i><sub>in</sub> + <i>r</i> ⊙ "
        "(<i>W</i><sub>hn</sub><i>h</i><sub>t−1</sub> + <i>b</i><sub>hn</sub>))"
    ),
    "gru_textbook": (
        "<i>h</i><sub>t</sub> = (1 − <i>z</i>) ⊙ <i>n</i> + <i>z</i> ⊙ <i>h</i><sub>t−1</sub><br>"
        "<i>n</i> = tanh(<i>W</i><sub>in</sub><i>x</i> + <i>b</i><sub>in</sub> + "
        "<i>W</i><sub>hn</sub>(<i>r</i> ⊙ <i>h</i><sub>t−1</sub>) + <i>b</i><sub>hn</sub>)"
    ),
    "rnn": "<i>h</i><sub>t</sub> = {act}(<i>W</i><sub>ih</sub><i>x</i><sub>t</sub> + "
    "<i>b</i><sub>ih</sub> + <i>W</i><sub>hh</sub><i>h</i><sub>t−1</sub> + <i>b</i><sub>hh</sub>)",
}


COMPACT_FONT = 14  # px: the largest that keeps "f=0.60" clear of "i=0.41" in a 476 px column


class _Canvas:
    """Collects the shapes and annotations of one diagram."""

    def __init__(self, st: Style, compact: bool = False):
        self.st = st
        self.compact = compact  # values only: no gate names, no expressions on the wires
        self.shapes: list[dict[str, Any]] = []
        self.annotations: list[dict[str, Any]] = []

    def wire(self, pts: list[tuple[float, float]], color: str, *, arrow: bool = True) -> None:
        """A polyline; with an arrowhead on its last segment."""
        path = "M " + " L ".join(f"{x} {y}" for x, y in pts)
        width = self.st.line
        self.shapes.append(
            dict(type="path", path=path, line=dict(color=color, width=width), layer="below")
        )
        if arrow:
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            length = max(abs(x1 - x0), abs(y1 - y0)) or 1.0
            back = min(1.0, ARROW / length)  # the head's shaft: the segment's last ARROW units
            self.annotations.append(
                dict(
                    x=x1,
                    y=y1,
                    ax=x1 - back * (x1 - x0),
                    ay=y1 - back * (y1 - y0),
                    xref="x",
                    yref="y",
                    axref="x",
                    ayref="y",
                    text="",
                    showarrow=True,
                    arrowhead=2,
                    arrowsize=1.1,
                    arrowwidth=width,
                    arrowcolor=color,
                    standoff=0,
                )
            )

    def box(
        self, x: float, y: float, w: float, h: float, color: str, text: str, dy: float = 0.28
    ) -> None:
        self.shapes.append(
            dict(
                type="rect",
                x0=x - w / 2,
                x1=x + w / 2,
                y0=y - h / 2,
                y1=y + h / 2,
                line=dict(color=color, width=self.st.line + 1),
                fillcolor=BOX_FILL,
                layer="above",
            )
        )
        self.text(
            x, y + dy, text, size=self.st.value_font + (0 if self.compact else 2), color=color
        )

    def node(self, x: float, y: float, symbol: str, color: str = WIRE_GREY) -> None:
        r = 2 + self.st.value_font  # pixels: round whatever the canvas's aspect
        self.shapes.append(
            dict(
                type="circle",
                xsizemode="pixel",
                ysizemode="pixel",
                xanchor=x,
                yanchor=y,
                x0=-r,
                x1=r,
                y0=-r,
                y1=r,
                line=dict(color=color, width=self.st.line),
                fillcolor="white",
                layer="above",
            )
        )
        size = self.st.value_font + (4 if len(symbol) == 1 else -2)  # "1−" must fit the circle
        self.text(x, y, symbol, size=size, color=color)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: int | None = None,
        color: str = "#222222",
        anchor: str = "center",
        name: str | None = None,
        bg: bool = False,
    ) -> None:
        ann = dict(
            x=x,
            y=y,
            xref="x",
            yref="y",
            text=text,
            showarrow=False,
            xanchor=anchor,
            font=dict(size=size or self.st.value_font, color=color),
        )
        if name or bg:
            ann["bgcolor"] = "rgba(255,255,255,0.85)"
        if name:
            ann["name"] = name
        self.annotations.append(ann)

    def value(
        self, x: float, y: float, key: str, symbol: str, v: float, color: str, anchor: str = "left"
    ) -> None:
        """A live value from the trace, named `value:<key>` (compact: the states and the gates
        only, written tighter; the pre-activations are left out)."""
        if self.compact and (key.startswith("a_") or key == "hn"):
            return
        eq = "=" if self.compact else " = "
        self.text(
            x,
            y,
            f"{symbol}{eq}{fmt(v, self.st.digits)}".strip(),
            color=color,
            anchor=anchor,
            name=f"value:{key}",
        )


def _lstm(cv: _Canvas, lay: Any, t: int, u: int, lab: Mapping[str, str]) -> None:
    C = GATE_COLORS
    c_prev = lay.c0[u] if t == 0 else lay.c[t - 1, u]
    h_prev = lay.h0[u] if t == 0 else lay.h[t - 1, u]
    yc, ybus, yg = 6.4, 1.4, 3.2
    xf, xi, xg, xo, xt = 3.4, 5.0, 6.6, 8.2, 9.8
    # cell-state line: c_{t-1} -> x f -> + (i ⊙ g) -> c_t
    cv.wire([(0.0, yc), (xf - NX, yc)], C["c"])
    cv.wire([(xf + NX, yc), (xg - NX, yc)], C["c"])
    cv.wire([(xg + NX, yc), (12.0, yc)], C["c"])
    cv.wire([(xt, yc), (xt, 5.2)], C["c"])  # branch down to tanh(c_t)
    # input bus [h_{t-1}, x_t] feeding the four gates
    cv.wire([(0.0, ybus), (xo, ybus)], C["h"], arrow=False)
    cv.wire([(1.6, -0.9), (1.6, ybus)], C["x"], arrow=False)
    for xk in (xf, xi, xg, xo):
        cv.wire([(xk, ybus), (xk, yg - BOX_H / 2)], WIRE_GREY)
    cv.wire([(xf, yg + BOX_H / 2), (xf, yc - NY)], C["f"])
    cv.wire([(xi, yg + BOX_H / 2), (xi, 4.8), (xg - NX, 4.8)], C["i"])
    cv.wire([(xg, yg + BOX_H / 2), (xg, 4.8 - NY)], C["g"])
    cv.wire([(xg, 4.8 + NY), (xg, yc - NY)], WIRE_GREY)
    cv.wire([(xo, yg + BOX_H / 2), (xo, yg), (xt - NX, yg)], C["o"])
    cv.wire([(xt, 4.6), (xt, yg + NY)], WIRE_GREY)
    cv.wire([(xt, yg - NY), (xt, ybus), (12.0, ybus)], C["h"])
    # gates, nodes
    for xk, k, act in ((xf, "f", "σ"), (xi, "i", "σ"), (xg, "g", "tanh"), (xo, "o", "σ")):
        cv.box(xk, yg, 1.4, BOX_H, C[k], act)
        if not cv.compact:
            cv.text(xk, yg - LABEL_DY, lab[f"gate.{k}"], size=cv.st.label_font, color=C[k], bg=True)
    cv.node(xf, yc, "×", C["f"])
    cv.node(xg, yc, "+", C["c"])
    cv.node(xg, 4.8, "×", C["g"])
    cv.node(xt, yg, "×", C["o"])
    cv.box(xt, 4.9, 1.0, 0.6, C["c"], "tanh", dy=0.0)
    # values from the trace
    cv.value(0.1, yc + 0.45, "c_prev", "c<sub>t-1</sub>", c_prev, C["c"])
    cv.value(0.1, ybus + 0.45, "h_prev", "h<sub>t-1</sub>", h_prev, C["h"])
    cv.value(1.75, -0.75, "x", "x<sub>t</sub>", lay.x[t, 0], C["x"])
    for xk, k in ((xf, "f"), (xi, "i"), (xg, "g"), (xo, "o")):
        cv.value(xk + 0.15, yg + 1.0, k, k, lay.gates[k][t, u], C[k])
        cv.value(xk, yg - 0.3, f"a_{k}", "a", lay.preact[k][t, u], C[k], anchor="center")
    cv.value(12.0, yc + 0.45, "c", "c<sub>t</sub>", lay.c[t, u], C["c"], anchor="right")
    cv.value(12.0, ybus - 0.45, "h", "h<sub>t</sub>", lay.h[t, u], C["h"], anchor="right")
    # expressions on the wires whose values the trace does not store
    if cv.compact:
        return
    small = cv.st.value_font  # expressions on wires: as big as the values
    cv.text(xf + 0.45, yc - 0.55, "f ⊙ c<sub>t-1</sub>", size=small, anchor="left")
    cv.text(xg + 0.45, 5.55, "i ⊙ g", size=small, anchor="left")
    cv.text(xt + 0.65, 4.9, "tanh(c<sub>t</sub>)", size=small, anchor="left", color=C["c"])
    cv.text(xt + 0.45, yg - 0.5, "o ⊙ tanh(c<sub>t</sub>)", size=small, anchor="left")


def _gru(cv: _Canvas, lay: Any, t: int, u: int, lab: Mapping[str, str], textbook: bool) -> None:
    C = GATE_COLORS
    h_prev = lay.h0[u] if t == 0 else lay.h[t - 1, u]
    ytop, yh, yx, yg = 6.6, 1.6, 0.6, 3.2
    xr, xz, xhn, xrn, xn, xzh, x1m, xplus = 2.6, 4.3, 6.3, 8.2, 9.9, 6.3, 8.2, 9.9
    if textbook:  # the reset gate acts on h before the product: ×r first, then the W_hn box
        xhn, xrn = xrn, xhn
    # top line: h_{t-1} -> × z -> + -> h_t
    cv.wire([(0.0, ytop), (xzh - NX, ytop)], C["h"])
    cv.wire([(xzh + NX, ytop), (xplus - NX, ytop)], C["h"])
    cv.wire([(xplus + NX, ytop), (12.0, ytop)], C["h"])
    # h_{t-1} down to the gates and to W_hn; x_t to every gate and to n
    cv.wire([(0.8, ytop), (0.8, yh), (xhn if not textbook else xrn, yh)], C["h"], arrow=False)
    cv.wire([(1.3, -0.9), (1.3, yx), (xn, yx), (xn, yg - BOX_H / 2)], C["x"])
    for xk in (xr, xz):
        cv.wire([(xk - 0.25, yh), (xk - 0.25, yg - BOX_H / 2)], C["h"])
        cv.wire([(xk + 0.25, yx), (xk + 0.25, yg - BOX_H / 2)], C["x"])
    first, second = (xrn, xhn) if textbook else (xhn, xrn)
    hw = HN_HALF[textbook]
    if textbook:
        cv.wire([(xrn, yh), (xrn, yg - NY)], C["h"])
    else:
        cv.wire([(xhn, yh), (xhn, yg - BOX_H / 2)], C["h"])
    cv.wire(
        [(first + (NX if textbook else hw), yg), (second - (hw if textbook else NX), yg)],
        WIRE_GREY,
    )
    cv.wire([(second + (hw if textbook else NX), yg), (xn - 0.7, yg)], WIRE_GREY)
    # r up and over to its × node; z up to × z and to 1 − z
    cv.wire([(xr, yg + BOX_H / 2), (xr, 4.65), (xrn, 4.65), (xrn, yg + NY)], C["r"])
    cv.wire([(xz, yg + BOX_H / 2), (xz, 5.4), (xzh, 5.4), (xzh, ytop - NY)], C["z"])
    cv.wire([(xzh, 5.4), (x1m - NX, 5.4)], C["z"])
    cv.wire([(x1m + NX, 5.4), (xplus - NX, 5.4)], C["z"])
    cv.wire([(xn, yg + BOX_H / 2), (xn, 5.4 - NY)], C["n"])
    cv.wire([(xplus, 5.4 + NY), (xplus, ytop - NY)], WIRE_GREY)
    # boxes and nodes
    for xk, k, act in ((xr, "r", "σ"), (xz, "z", "σ"), (xn, "n", "tanh")):
        cv.box(xk, yg, 1.4, BOX_H, C[k], act)
        if not cv.compact:
            cv.text(xk, yg - LABEL_DY, lab[f"gate.{k}"], size=cv.st.label_font, color=C[k], bg=True)
    hn_text = (
        "W<sub>hn</sub>(r ⊙ h) + b<sub>hn</sub>" if textbook else "W<sub>hn</sub>h + b<sub>hn</sub>"
    )
    if cv.compact:  # the same expression, without the spaces, to fit its box in a third of a page
        hn_text = hn_text.replace(" ", "")
    cv.box(xhn, yg, 2 * HN_HALF[textbook], BOX_H, WIRE_GREY, hn_text)
    cv.node(xrn, yg, "×", C["r"])
    cv.node(xzh, ytop, "×", C["z"])
    cv.node(x1m, 5.4, "1−", C["z"])
    cv.node(xplus, 5.4, "×", C["n"])
    cv.node(xplus, ytop, "+", C["h"])
    # values
    cv.value(0.1, ytop + 0.45, "h_prev", "h<sub>t-1</sub>", h_prev, C["h"])
    cv.value(1.45, -0.75, "x", "x<sub>t</sub>", lay.x[t, 0], C["x"])
    for xk, k in ((xr, "r"), (xz, "z"), (xn, "n")):
        cv.value(xk + 0.1, yg + 1.0 if k != "n" else yg + 1.3, k, k, lay.gates[k][t, u], C[k])
        cv.value(xk, yg - 0.3, f"a_{k}", "a", lay.preact[k][t, u], C[k], anchor="center")
    cv.value(xhn, yg - 0.3, "hn", "", lay.aux["hn"][t, u], WIRE_GREY, anchor="center")
    cv.value(12.0, ytop - 0.45, "h", "h<sub>t</sub>", lay.h[t, u], C["h"], anchor="right")
    if cv.compact:
        return
    small = cv.st.value_font  # expressions on wires: as big as the values
    rn_text = "r ⊙ h<sub>t-1</sub>" if textbook else "r ⊙ (W<sub>hn</sub>h + b<sub>hn</sub>)"
    if textbook:
        cv.text(xrn - 0.35, yg - 0.5, rn_text, size=small, anchor="right")
    else:
        cv.text(xrn, yg - 0.6, rn_text, size=small, bg=True)
    cv.text(xzh + 0.4, ytop - 0.5, "z ⊙ h<sub>t-1</sub>", size=small, anchor="left")
    cv.text(xplus + 0.4, 5.0, "(1 − z) ⊙ n", size=small, anchor="left")


def _rnn(cv: _Canvas, lay: Any, t: int, u: int, act: str) -> None:
    C = GATE_COLORS
    h_prev = lay.h0[u] if t == 0 else lay.h[t - 1, u]
    y, xb = 3.6, 6.0
    cv.wire([(0.0, y), (xb - 0.9, y)], C["h"])
    cv.wire([(xb, -0.9), (xb, y - BOX_H / 2)], C["x"])
    cv.wire([(xb + 0.9, y), (12.0, y)], C["h"])
    cv.box(xb, y, 1.8, BOX_H, C["h"], act)
    cv.value(0.1, y + 0.45, "h_prev", "h<sub>t-1</sub>", h_prev, C["h"])
    cv.value(xb + 0.15, -0.6, "x", "x<sub>t</sub>", lay.x[t, 0], C["x"])
    cv.value(xb, y - 0.3, "a_h", "a", lay.preact["h"][t, u], C["h"], anchor="center")
    cv.value(12.0, y + 0.45, "h", "h<sub>t</sub>", lay.h[t, u], C["h"], anchor="right")


def cell_figure(
    trace: Trace,
    t: int,
    *,
    layer: int = 0,
    unit: int = 0,
    compact: bool = False,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """The cell diagram of `layer` at step `t` (negative t counts from the end), with the values
    of hidden unit `unit` on every gate and on every wire the trace records. `compact=True` draws
    it for a third of a page (three cells side by side): the values only, smaller, with two
    decimals, and no gate names, wire expressions or notation line. Batched traces are refused
    (pass `model.forward(x[b])`)."""
    require_unbatched(trace, "cell_figure")
    k = check_layer(trace, layer)
    u = check_unit(trace, unit)
    T = trace.steps
    if not -T <= t < T:
        raise ValueError(f"t = {t} out of range: the trace has {T} step(s)")
    t = t % T
    lab = merge_labels(labels)
    st = style(presentation)
    if compact:  # a third of the page's width: on a projector too, every value must fit its gate
        st = replace(
            st,
            value_font=min(st.font - 2, COMPACT_FONT),
            label_font=min(st.label_font, COMPACT_FONT),
            digits=2,
        )
    lay = trace.layers[k]
    cv = _Canvas(st, compact)
    textbook = trace.cell == "gru" and trace.variant == "textbook"
    if trace.cell == "lstm":
        _lstm(cv, lay, t, u, lab)
        eq = EQUATIONS["lstm"]
    elif trace.cell == "gru":
        _gru(cv, lay, t, u, lab, textbook)
        eq = EQUATIONS["gru_textbook" if textbook else "gru"]
    else:
        _rnn(cv, lay, t, u, trace.nonlinearity)
        eq = EQUATIONS["rnn"].format(act=trace.nonlinearity)
    if not compact:
        cv.text(6.0, -1.9, eq, size=st.value_font + 1, color="#222222")
    features = lay.x.shape[-1]
    if features > 1 and not compact:
        cv.text(
            0.1,
            -1.15,
            lab["cell.x_note"].format(
                features=features,
                values=", ".join(fmt(v, st.digits) for v in lay.x[t, :4]) + (" …" * (features > 4)),
            ),
            size=st.value_font - 1,
            anchor="left",
            color=GATE_COLORS["x"],
        )
    title = lab["cell.title"].format(cell=lab[f"cell.{trace.cell}"], layer=k, unit=u, t=t)
    if compact:
        title = lab["cell.compact_title"].format(cell=lab[f"cell.{trace.cell}"], t=t)
    elif trace.variant != "standard":
        variant = lab.get(f"cell.variant_{trace.variant}", trace.variant)
        title += "  ·  " + lab["cell.variant"].format(variant=variant)
    axis = dict(visible=False, fixedrange=True)
    layout = st.layout(
        title=dict(text=title, font=dict(size=st.title), x=0.01, xanchor="left"),
        shapes=cv.shapes,
        annotations=cv.annotations,
        xaxis=dict(range=[-0.3, 12.3], **axis),
        yaxis=dict(range=[-1.2 if compact else -2.6, 7.6 if compact else 8.0], **axis),
        height=(460 if compact else 600) if not presentation else (600 if compact else 800),
        margin=dict(l=20, r=20, t=60 + st.title, b=20),
        showlegend=False,
        plot_bgcolor="white",
    )
    return assemble([], layout)
