"""7 · Forecasting a series: the classic stacked-LSTM recipe trained in PyTorch, its predictions in
three modes against the persistence baseline, and the gates of the network the student just trained,
replayed by the NumPy reference.

Training goes through `explainer.live`: the Train button queues a job on the server's training
queue, a worker thread trains it and leaves the weights and the loss history of every finished
epoch in a `ForecastRun` record, and the script run follows it (queue place, progress, loss, Stop)
until it ends, then turns the record into a result: a stopped run keeps its last finished epoch.
A click elsewhere ends the script run, not the training. Everything a session trains lives in its
own session state: students never share a model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from explainer import data as D
from explainer import figures, live, ui
from explainer.figures.forecast import forecast_figure, loss_figure
from explainer.lesson import last_step_loss

TRAIN_THREADS = 1  # torch's CPU threads while a session trains: one student cannot starve the rest
IDLE_S = 10.0  # a training whose page nobody has shown for this long stops (the student left)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
MODES = ("point", "full", "multi")
SCALER_NAMES = {"minmax": "min-max", "zscore": "z-score"}
# a loaded model's saved scaling maps training data to about [0, 1] (min-max) or mean 0, sd 1
# (z-score); a series whose typical value lands beyond this is extrapolation
FAR_OUTSIDE = 5.0

tr = ui.translator(
    {
        "title": ("Forecasting a series with a stacked LSTM", "用堆叠 LSTM 预测时间序列"),
        "intro": (
            "The classic recipe: cut the series into windows of 50 steps, divide each window by its "
            "first value (p_i / p_0 − 1), train on the first 90% of the windows (the last 5% of those "
            "validate), and fit LSTM(50) → Dropout(0.2) → LSTM(100) → Dropout(0.2) → Linear to predict "
            "the next value, with mean squared error and RMSprop (learning rate 0.001, batch 50, 20 "
            "epochs). The defaults below are exactly that recipe; every one of them can be changed. "
            "The last 10% of the series is the test part: the model never saw it.",
            "经典做法：把序列切成 50 步的窗口，每个窗口除以它的第一个值（p_i / p_0 − 1），用前 90% "
            "的窗口训练（其中最后 5% 用于验证），拟合 LSTM(50) → Dropout(0.2) → LSTM(100) → "
            "Dropout(0.2) → Linear 来预测下一个值，损失为均方误差，优化器为 RMSprop（学习率 0.001，"
            "批大小 50，20 轮）。下面的默认设置正是这个做法，每一项都可以修改。序列最后 10% 是测试"
            "部分：模型从未见过它。",
        ),
        "data": ("1 · The data", "1 · 数据"),
        "source": ("Series", "序列"),
        "src_bundled": ("A bundled series", "内置序列"),
        "src_upload": ("My own CSV file", "我自己的 CSV 文件"),
        "bundled": ("Bundled series", "内置序列"),
        "upload": (
            "CSV file (UTF-8, a header row, one value per row)",
            "CSV 文件（UTF-8 编码，含表头，每行一个值）",
        ),
        "upload_hint": (
            "Upload a CSV file to forecast one of its columns.",
            "上传一个 CSV 文件，预测其中的一列。",
        ),
        "column": ("Value column", "数值列"),
        "date_column": ("Date column (x-axis)", "日期列（横轴）"),
        "no_date": ("(none: step numbers)", "（无：使用步数）"),
        "reverse": ("Reverse the order (file lists newest first)", "反转顺序（文件中最新的在前）"),
        "gaps": ("Missing values", "缺失值"),
        "gaps_interpolate": ("interpolate", "插值"),
        "gaps_drop": ("drop", "删除"),
        "descending": (
            "The dates run newest first: tick “Reverse the order” so that time runs forward.",
            "日期是从新到旧排列的：请勾选“反转顺序”，让时间向前推进。",
        ),
        "read_as": (
            "Read with {delimiter} between fields and “{decimal}” as the decimal mark.",
            "读取方式：字段之间用 {delimiter} 分隔，小数点为“{decimal}”。",
        ),
        "tabs": ("tabs", "制表符"),
        "no_header": (
            "The first line holds only numbers, so it is read as data, not as a header: "
            "the columns are numbered.",
            "第一行只有数字，因此把它当作数据而不是表头读取：各列按序号命名。",
        ),
        "sorted": (
            "The rows were in no date order: they are sorted by “{date}” (rows with equal "
            "dates keep their order).",
            "各行没有按日期排列：已按“{date}”排序（日期相同的行保持原有顺序）。",
        ),
        "summary": (
            "{n} values; {gaps} missing value(s) in the file ({policy}).",
            "共 {n} 个值；文件中有 {gaps} 个缺失值（{policy}）。",
        ),
        "bad_file": ("This file cannot be used: {msg}", "无法使用此文件：{msg}"),
        "bad_data": (
            "This series cannot be cut into windows with these settings: {msg}",
            "按当前设置无法把此序列切成窗口：{msg}",
        ),
        "use_zscore": ("Use z-score normalisation", "改用 z 分数归一化"),
        "use_minmax": ("Use min-max normalisation", "改用最小-最大归一化"),
        "settings": ("2 · The model and its training", "2 · 模型及其训练"),
        "recipe_lecture": ("The lecture's recipe (the defaults)", "讲义中的做法（默认值）"),
        "recipe_beats": ("A short-window recipe", "短窗口做法"),
        "recipe_help": (
            "Windows of 10 steps, one LSTM layer of 64 units without dropout, Adam at learning "
            "rate 0.003, 20 epochs; the rest as in the lecture. Measured with 3 seeds, its "
            "point-by-point test RMSE is about half persistence's on the El Niño series (the "
            "lecture's recipe: 1.6 times it) and close to persistence's on the default CO2 series "
            "(0.96, 1.21 and 0.96 times it; the lecture's: 3.5 to 5 times).",
            "10 步的窗口，一层 64 个单元的 LSTM，不用 dropout，Adam 学习率 0.003，训练 20 轮；"
            "其余与讲义相同。用 3 个随机种子实测：在厄尔尼诺序列上，它的逐点测试 RMSE 约为持续性基线的"
            "一半（讲义的做法为基线的 1.6 倍）；在默认的 CO2 序列上与基线接近（分别为基线的 0.96、"
            "1.21 和 0.96 倍；讲义的做法为 3.5 到 5 倍）。",
        ),
        "hidden": (
            "Layer sizes (one recurrent layer each, comma-separated)",
            "各层大小（每个数一个循环层，用逗号分隔）",
        ),
        "dropout": ("Dropout after each layer", "每层之后的 Dropout"),
        "window": ("Window (input steps)", "窗口（输入步数）"),
        "horizon": ("Horizon (values predicted)", "预测长度（预测的值个数）"),
        "norm": ("Normalisation", "归一化"),
        "norm_window": ("per window: p_i / p_0 − 1", "逐窗口：p_i / p_0 − 1"),
        "norm_minmax": ("min-max, fitted on the training part", "最小-最大，在训练部分上拟合"),
        "norm_zscore": ("z-score, fitted on the training part", "z 分数，在训练部分上拟合"),
        "norm_none": ("none", "不归一化"),
        "optimiser": ("Optimiser", "优化器"),
        "lr": ("Learning rate", "学习率"),
        "epochs": ("Epochs", "训练轮数"),
        "batch": ("Batch size", "批大小"),
        "seed": ("Random seed", "随机种子"),
        "device": ("Device", "设备"),
        "train": ("Train", "开始训练"),
        "bad_hidden": (
            "Layer sizes must be 1 to {layers} whole numbers from 1 to {units}, separated "
            "by commas, such as 50, 100; got “{text}”.",
            "各层大小必须是 1 到 {layers} 个介于 1 和 {units} 之间的整数，用逗号分隔，"
            "例如 50, 100；当前为“{text}”。",
        ),
        "bad_settings": ("These settings cannot train: {msg}", "这些设置无法训练：{msg}"),
        "no_data": ("Choose a usable series first.", "请先选择一个可用的序列。"),
        "stop": ("Stop", "停止"),
        "progress": (
            "Epoch {epoch} of {epochs}, batch {batch} of {batches}: loss {loss}",
            "第 {epoch}/{epochs} 轮，第 {batch}/{batches} 批：损失 {loss}",
        ),
        "starting": (
            "Starting (the first run imports PyTorch)…",
            "正在启动（首次运行会导入 PyTorch）……",
        ),
        "failed": ("Training failed: {msg}", "训练失败：{msg}"),
        "stopped_early": (
            "Stopped before the first epoch ended: there is nothing to show yet.",
            "在第一轮结束之前就停止了：还没有可以显示的结果。",
        ),
        "results": ("3 · What it learnt", "3 · 模型学到了什么"),
        "diverged": (
            "The training loss is not a number from epoch {epoch} on: the training diverged, "
            "and the predictions below mean nothing. Lower the learning rate, or choose "
            "another normalisation.",
            "从第 {epoch} 轮起训练损失不再是有限数：训练发散了，下面的预测没有意义。"
            "请降低学习率，或改用其他归一化方式。",
        ),
        "done": (
            "Trained {epochs} epoch(s) in {seconds} s on {device}, on {source}.",
            "在 {device} 上用 {seconds} 秒训练了 {epochs} 轮，数据为 {source}。",
        ),
        "stopped": (
            "Stopped after {epochs} epoch(s) of {planned}: the results below are the model as "
            "it was at the end of epoch {epochs}, on {source}.",
            "在 {planned} 轮中的第 {epochs} 轮后停止：下面的结果是第 {epochs} 轮结束时的"
            "模型，数据为 {source}。",
        ),
        "loaded": (
            "Weights loaded from {file}, applied to {source}.",
            "已从 {file} 加载权重，应用于 {source}。",
        ),
        "saved_scaler": (
            "The inputs are scaled as when the model was trained ({kind}: shift "
            "{shift}, scale {scale}, saved with the weights), not refitted on this "
            "series.",
            "输入按模型训练时的方式缩放（{kind}：平移 {shift}，缩放 {scale}，"
            "随权重一起保存），而不是在这个序列上重新拟合。",
        ),
        "extrapolating": (
            "In the units the model learnt, this series runs from {lo} to {hi}, far from "
            "the range of its training data (about 0 to 1 for min-max, −3 to 3 for "
            "z-score): these predictions are extrapolation. Per-window normalisation "
            "carries a model across series of different levels.",
            "按模型所学的单位，这个序列的范围是 {lo} 到 {hi}，远离其训练数据的范围"
            "（最小-最大约为 0 到 1，z 分数约为 −3 到 3）：这些预测属于外推。"
            "逐窗口归一化可以让模型用于水平不同的序列。",
        ),
        "tab_point": ("Point by point", "逐点预测"),
        "tab_full": ("Full sequence", "整段预测"),
        "tab_multi": ("Multi-sequence", "多段预测"),
        "explain_point": (
            "Each test window of true values predicts the value right after it: the easiest task, "
            "and the one where a model that merely repeats the last value (persistence) is hard to "
            "beat.",
            "每个由真实值组成的测试窗口预测紧随其后的值：这是最容易的任务，而只会重复最后一个值的"
            "模型（持续性基线）在这里很难被超越。",
        ),
        "explain_full": (
            "One run from the first test window: each prediction is appended to the window and fed "
            "back, so errors accumulate over the whole test part.",
            "从第一个测试窗口出发的一次运行：每个预测值都被追加到窗口中再反馈给模型，"
            "因此误差会在整个测试部分累积。",
        ),
        "explain_multi": (
            "Several such runs, each one window long and each started again from true values: does "
            "the model get the direction of the next steps right?",
            "多次这样的运行，每次长度为一个窗口，且每次都从真实值重新出发：模型能否预测对接下来"
            "几步的走向？",
        ),
        "metrics": (
            "Test errors beside the persistence baseline (repeat the last known value)",
            "测试误差与持续性基线（重复最后一个已知值）的对比",
        ),
        "verdict_lose": (
            "**The trained model loses to persistence.** Point by point on the test part its RMSE "
            "is {rmse} against {prmse} for simply repeating the last known value, {ratio:.2g} "
            "times persistence's error. A forecaster is only useful where it beats that baseline.",
            "**训练出的模型输给了持续性基线。** 在测试部分逐点预测时，它的 RMSE 为 {rmse}，而简单"
            "重复最后一个已知值的 RMSE 为 {prmse}，是基线误差的 {ratio:.2g} 倍。预测模型只有"
            "超过这个基线才有用。",
        ),
        "verdict_win": (
            "**The trained model beats persistence.** Point by point on the test part its RMSE is "
            "{rmse} against {prmse} for simply repeating the last known value ({ratio:.2g} times "
            "persistence's error).",
            "**训练出的模型超过了持续性基线。** 在测试部分逐点预测时，它的 RMSE 为 {rmse}，而简单"
            "重复最后一个已知值的 RMSE 为 {prmse}（是基线误差的 {ratio:.2g} 倍）。",
        ),
        "metrics_note": (
            "Original units are those of the file; normalised units are those the model "
            "was trained in. A model is useful where its error is below persistence's.",
            "原始单位即文件中的单位；归一化单位是模型训练时所用的单位。只有当模型的误差"
            "低于持续性基线时，它才有用。",
        ),
        "col_mode": ("Mode", "模式"),
        "col_rmse": ("RMSE", "模型 RMSE"),
        "col_mae": ("MAE", "模型 MAE"),
        "col_prmse": ("persistence RMSE", "持续性基线 RMSE"),
        "col_pmae": ("persistence MAE", "持续性基线 MAE"),
        "col_rmse_n": ("RMSE (normalised)", "RMSE（归一化）"),
        "col_prmse_n": ("persistence RMSE (normalised)", "持续性基线 RMSE（归一化）"),
        "downloads": ("Downloads", "下载"),
        "dl_csv": ("Predictions (CSV)", "预测值（CSV）"),
        "dl_weights": ("Weights (.safetensors)", "权重（.safetensors）"),
        "dl_settings": ("Settings (JSON)", "设置（JSON）"),
        "load": ("Load saved weights", "加载已保存的权重"),
        "load_hint": (
            "A .safetensors file downloaded from this page: its settings and its min-max or "
            "z-score scaling come with it, and it is applied to the series chosen above. "
            "Weights are only ever read as "
            "safetensors, never unpickled.",
            "从本页下载的 .safetensors 文件：其中包含训练时的设置和最小-最大或 z 分数缩放，"
            "模型会应用到上面选择的"
            "序列上。权重只以 safetensors 格式读取，绝不会反序列化（unpickle）。",
        ),
        "weights_file": ("Weights file", "权重文件"),
        "bad_weights": ("This weights file cannot be used: {msg}", "无法使用此权重文件：{msg}"),
        # what explainer.torch_backend.forecast.WeightsError's codes mean, with their details
        "weights_not_safetensors": (
            "it is not a valid safetensors file: it is cut short, damaged, or another kind of "
            "file.",
            "它不是有效的 safetensors 文件：文件不完整、已损坏，或是其他类型的文件。",
        ),
        "weights_not_forecaster": (
            "it holds no forecaster settings, so it was not saved by this page.",
            "其中没有预测模型的设置，因此不是本页保存的文件。",
        ),
        "weights_too_big": (
            "its model's layer sizes are {sizes} ({layers} layers); this page trains at most "
            "{max_layers} layers of at most {max_units} units.",
            "其中模型的各层大小为 {sizes}（共 {layers} 层）；本页最多训练 {max_layers} 层、"
            "每层最多 {max_units} 个单元。",
        ),
        "weights_out_of_range": (
            "its setting {name} is {value}; this page allows {lo} to {hi}.",
            "其中的设置 {name} 为 {value}；本页允许的范围是 {lo} 到 {hi}。",
        ),
        "weights_settings": (
            "its saved settings cannot be used: {msg}",
            "其中保存的设置无法使用：{msg}",
        ),
        "weights_mismatch": (
            "its weights do not match its settings (missing: {missing}; unexpected: {unexpected}).",
            "其中的权重与其设置不符（缺少：{missing}；多余：{unexpected}）。",
        ),
        "weights_dtype": (
            "weight {name} is stored as {dtype}; weights must be floating-point numbers "
            "(F32, F16, BF16 or F64).",
            "权重 {name} 以 {dtype} 存储；权重必须是浮点数（F32、F16、BF16 或 F64）。",
        ),
        "weights_shape": (
            "weight {name} has shape {shape}, but its settings need {expected}.",
            "权重 {name} 的形状为 {shape}，但其设置需要 {expected}。",
        ),
        "weights_damaged": (
            "weight {name} lies outside the file or has the wrong size: the file is cut "
            "short or damaged (not a valid safetensors file).",
            "权重 {name} 超出文件范围或大小不对：文件不完整或已损坏（不是有效的 safetensors 文件）。",
        ),
        "weights_non_finite": (
            "weight {name} holds NaN or infinite values: the run that saved it diverged, or "
            "the file is damaged.",
            "权重 {name} 含有 NaN 或无穷大的值：保存它的训练已发散，或文件已损坏。",
        ),
        "weights_too_large": (
            "weight {name} holds values as large as {value}, beyond {limit}: the run that "
            "saved it diverged, or the file is damaged.",
            "权重 {name} 含有大到 {value} 的值，超过了 {limit}：保存它的训练已发散，或文件已损坏。",
        ),
        "weights_scaler": (
            "its saved normalisation (shift and scale) is malformed.",
            "其中保存的归一化参数（平移和缩放）格式错误。",
        ),
        "converted": (
            "The file stores its weights as {dtypes}; they were converted to float32, the "
            "precision the model computes in.",
            "文件中的权重以 {dtypes} 存储，已转换为模型计算所用的 float32 精度。",
        ),
        "inspect": ("4 · Inside the trained model", "4 · 训练好的模型内部"),
        "inspect_intro": (
            "The trained first recurrent layer, copied weight for weight into the NumPy reference of "
            "the lesson, runs on one test window exactly as the model saw it (normalised). The gates "
            "below are those of the network you just trained; the gradient curve puts the loss on the "
            "window's last step, as the model's own loss does.",
            "训练好的第一个循环层被逐个权重地复制到课程中的 NumPy 参考实现里，并在一个测试窗口上"
            "按模型所见的方式（归一化后）运行。下面的门就是你刚训练的网络的门；梯度曲线把损失放在"
            "窗口的最后一步，与模型自身的损失一致。",
        ),
        "test_window": ("Test window", "测试窗口"),
        "window_span": (
            "Window {k} covers {first} to {last} (normalised inputs, as the model saw them).",
            "窗口 {k} 覆盖 {first} 到 {last}（归一化后的输入，即模型所见）。",
        ),
        "parity": (
            "The reference reproduces the trained layer on this window: the largest "
            "difference between its h and PyTorch's (float64) is {diff}.",
            "参考实现在此窗口上复现了训练好的层：其 h 与 PyTorch（float64）结果的最大差异为 "
            "{diff}。",
        ),
        "parity_bad": (
            "The reference and PyTorch disagree on this window by {diff}.",
            "参考实现与 PyTorch 在此窗口上相差 {diff}。",
        ),
        "quiet": (
            "On this window the first layer barely leaves its resting state (|h| ≤ {h}, "
            "inputs |x| ≤ {x}), so the heatmaps look flat: its input weights are still small, "
            "and per-window normalisation keeps the inputs near 0. Train longer, or with z-score "
            "or min-max normalisation (inputs of size about 1), to see the gates move.",
            "在此窗口上，第一层几乎没有离开静止状态（|h| ≤ {h}，输入 |x| ≤ {x}），所以热图"
            "看起来是平的：它的输入权重仍然很小，而逐窗口归一化使输入接近 0。训练更久，或改用 "
            "z 分数或最小-最大归一化（输入大小约为 1），就能看到门的变化。",
        ),
        "series_co2_weekly": (
            "Atmospheric CO2 at Mauna Loa, weekly 1958-2001 (ppm)",
            "莫纳罗亚观测站大气 CO2 浓度，每周，1958-2001（ppm）",
        ),
        "series_elnino_monthly": (
            "Sea surface temperature, Nino 1+2, monthly 1950-2010 (C)",
            "Nino 1+2 区海表温度，每月，1950-2010（°C）",
        ),
        "series_sunspots_yearly": (
            "Yearly sunspot activity 1700-2008",
            "太阳黑子年度活动，1700-2008",
        ),
        "series_macrodata_quarterly": (
            "US macroeconomic data, quarterly 1959-2009",
            "美国宏观经济数据，每季度，1959-2009",
        ),
        "note_co2_weekly": (
            "Weekly; a trend plus a yearly cycle (the default)",
            "每周；趋势加年周期（默认序列）",
        ),
        "note_elnino_monthly": (
            "Monthly; a strong yearly cycle with El Niño bursts",
            "每月；很强的年周期，夹杂厄尔尼诺爆发",
        ),
        "note_sunspots_yearly": (
            "Some years are zero: per-window normalisation cannot be used; choose z-score or "
            "min-max",
            "有些年份为 0：不能使用逐窗口归一化，请选择 z 分数或最小-最大归一化",
        ),
        "note_macrodata_quarterly": (
            "12 numeric columns (real GDP by default)",
            "12 个数值列（默认为实际 GDP）",
        ),
        "heatmaps": (
            "Every gate of the first layer over the window",
            "第一层的每个门在窗口上的变化",
        ),
        "cell_at": ("The cell at one step", "某一步的单元"),
        "decay": ("How far back the gradient of the last step reaches", "最后一步的梯度能传回多远"),
        "trained_on": ("the bundled series “{name}”", "内置序列“{name}”"),
        "uploaded": ("column “{column}” of {file}", "{file} 的“{column}”列"),
    }
)


# --- data ----------------------------------------------------------------------------------------
@st.cache_data(max_entries=8, show_spinner=False)
def _table(raw: bytes) -> D.Table:
    """The file read once, column guess included (keyed by the bytes' hash, so once per file)."""
    return D.read_table(raw)


@st.cache_data(max_entries=16, show_spinner=False)
def _upload_series(
    raw: bytes, column: str, date_column: str | None, reverse: bool, gaps: str
) -> D.Series:
    return D.load_series(_table(raw), column, date_column=date_column, reverse=reverse, gaps=gaps)


@st.cache_data(max_entries=16, show_spinner=False)
def _bundled_series(file: str, gaps: str) -> D.Series:
    return D.load_bundled(file, gaps=gaps)


@st.cache_data(max_entries=16, show_spinner=False)
def _prepared(values: np.ndarray, window: int, horizon: int, normalise: str) -> D.ForecastData:
    return D.prepare(values, window=window, horizon=horizon, normalise=normalise)


def set_normalisation(kind: str) -> None:
    st.session_state["fc_norm"] = kind


def weights_error(e) -> None:
    """A weights file's problem in the reader's language, from the backend's code and details;
    text from the file (tensor names) is shown literally."""
    details = {k: ui.escape_md(str(v)) for k, v in e.details.items()}
    try:
        msg = tr(f"weights_{e.code}", **details)
    except KeyError:  # a code this page does not know yet: the backend's English
        msg = ui.escape_md(str(e))
    st.error(tr("bad_weights", msg=msg))


# The one-click short-window recipe (measured against persistence: README, "Forecast recipes"):
# short windows and one small layer, so that the values the model reads and predicts stay close
# to the window's first one; the rest of the lecture's recipe stays.
SHORT_WINDOWS = dict(window=10, hidden=(64,), dropout=0.0, optimiser="adam", lr=3e-3)


def use_recipe(changes: dict[str, Any]) -> None:
    """A button callback: the form's settings become the lecture's recipe with `changes`."""
    c = replace(backend().ForecastConfig(), **changes)
    st.session_state.update(
        fc_cell=c.cell,
        fc_hidden=canon_hidden(",".join(map(str, c.hidden))),
        fc_dropout=c.dropout,
        fc_window=c.window,
        fc_horizon=c.horizon,
        fc_norm=c.normalise,
        fc_opt=c.optimiser,
        fc_lr=c.lr,
        fc_epochs=c.epochs,
        fc_batch=c.batch_size,
        fc_seed=c.seed,
    )


def error(key: str, msg: object) -> None:
    """A clear message, never a traceback; user text in it is shown literally."""
    st.error(tr(key, msg=ui.escape_md(str(msg))))


def bundled_text(kind: str, b: D.BundledSeries) -> str:
    """A bundled series' title ("series") or note ("note"), translated where the page knows it."""
    key = f"{kind}_{b.file.removesuffix('.csv')}"
    try:
        return tr(key)
    except KeyError:  # a series added to explainer.data since: its own English
        return b.title if kind == "series" else b.note


def choose_series() -> tuple[D.Series | None, str]:
    """The data section's widgets; returns the series (None when unusable) and a description."""
    source = st.radio(
        tr("source"),
        ["bundled", "upload"],
        key="fc_source",
        horizontal=True,
        format_func=ui.frozen_format(["bundled", "upload"], lambda s: tr(f"src_{s}")),
    )
    c1, c2 = st.columns([3, 1])
    gaps = c2.radio(
        tr("gaps"),
        list(D.GAP_POLICIES),
        key="fc_gaps",
        format_func=ui.frozen_format(D.GAP_POLICIES, lambda g: tr(f"gaps_{g}")),
    )
    if source == "bundled":
        shipped = {b.file: b for b in D.bundled_series()}
        file = ui.bound(
            c1.selectbox,
            tr("bundled"),
            "fc_series",
            options=list(shipped),
            format_func=lambda f: bundled_text("series", shipped[f]),
        )
        c1.caption(ui.escape_md(bundled_text("note", shipped[file])))
        return _bundled_series(file, gaps), tr(
            "trained_on", name=ui.escape_md(bundled_text("series", shipped[file]))
        )
    up = c1.file_uploader(tr("upload"), type=["csv"], key="csv")
    if up is None:
        c1.info(tr("upload_hint"))
        return None, ""
    raw = up.getvalue()
    try:
        table = _table(raw)
    except ValueError as e:
        error("bad_file", e)
        return None, ""
    columns, guess_value, guess_date = table.columns, table.value, table.date
    if table.delimiter != "," or table.decimal != ".":
        delimiter = tr("tabs") if table.delimiter == "\t" else f"“{table.delimiter}”"
        c1.caption(tr("read_as", delimiter=delimiter, decimal=table.decimal))
    if not table.header:
        c1.caption(tr("no_header"))
    fid = up.file_id  # widgets per file: another file's columns are other options
    c3, c4, c5 = st.columns([2, 2, 2])
    column = c3.selectbox(
        tr("column"),
        columns,
        key=f"fc_col_{fid}",
        index=columns.index(guess_value) if guess_value in columns else 0,
    )
    dates = [None, *[c for c in columns if c != column]]
    date_column = c4.selectbox(
        tr("date_column"),
        dates,
        key=f"fc_date_{fid}",
        index=dates.index(guess_date) if guess_date in dates else 0,
        format_func=ui.frozen_format(dates, lambda c: tr("no_date") if c is None else c),
    )
    reverse = c5.checkbox(tr("reverse"), key=f"fc_rev_{fid}")
    try:
        series = _upload_series(raw, column, date_column, reverse, gaps)
    except ValueError as e:
        error("bad_file", e)
        return None, ""
    if series.dates_descending and not reverse:
        st.info(tr("descending"))
    if series.sorted_by_date:
        st.info(tr("sorted", date=ui.escape_md(date_column)))
    return series, tr("uploaded", column=ui.escape_md(column), file=ui.escape_md(up.name))


# --- training ------------------------------------------------------------------------------------
def backend():
    """The PyTorch backend, imported on first use (the lesson pages never wait for torch)."""
    from explainer.torch_backend import forecast

    return forecast


def parse_hidden(text: str) -> tuple[int, ...] | None:
    try:
        sizes = tuple(int(p) for p in text.replace(";", ",").split(",") if p.strip())
    except ValueError:
        return None
    (n_lo, n_hi), (h_lo, h_hi) = backend().LIMITS.layers, backend().LIMITS.units
    ok = n_lo <= len(sizes) <= n_hi and all(h_lo <= h <= h_hi for h in sizes)
    return sizes if ok else None


def canon_hidden(text: str) -> str | None:
    """Layer sizes in the form's own spelling ("50, 100"), or None where they are not ones."""
    sizes = parse_hidden(text)
    return None if sizes is None else ", ".join(map(str, sizes))


def settings_form() -> bool:
    """The training settings, each in the URL, defaults from the backend's `ForecastConfig` (the
    recipe); returns whether Train was pressed. The submitted values stay in session state."""
    F = backend()
    recipe, lim = F.ForecastConfig(), F.LIMITS  # the backend's limits are the form's
    devices = F.available_devices()
    with st.form("fc_form", border=True):
        c1, c2, c3, c4 = st.columns(4)
        ui.bound(
            c1.selectbox,
            ui.t("cell"),
            "fc_cell",
            options=list(F.CELLS),
            index=list(F.CELLS).index(recipe.cell),
            format_func=lambda c: ui.t(f"cell_{c}"),
        )
        ui.bound(
            c2.text_input,
            tr("hidden"),
            "fc_hidden",
            value=", ".join(map(str, recipe.hidden)),
            canon=canon_hidden,
        )
        ui.bound(
            c3.slider,
            tr("dropout"),
            "fc_dropout",
            min_value=lim.dropout[0],
            max_value=lim.dropout[1],
            value=recipe.dropout,
            step=0.05,
        )
        c4.selectbox(tr("device"), devices, key="fc_device")
        c1, c2, c3, c4 = st.columns(4)
        ui.bound(
            c1.number_input,
            tr("window"),
            "fc_window",
            min_value=lim.window[0],
            max_value=lim.window[1],
            value=recipe.window,
            step=1,
        )
        ui.bound(
            c2.number_input,
            tr("horizon"),
            "fc_horizon",
            min_value=lim.horizon[0],
            max_value=lim.horizon[1],
            value=recipe.horizon,
            step=1,
        )
        ui.bound(
            c3.selectbox,
            tr("norm"),
            "fc_norm",
            options=list(D.NORMALISATIONS),
            index=list(D.NORMALISATIONS).index(recipe.normalise),
            format_func=lambda n: tr(f"norm_{n}"),
        )
        ui.bound(
            c4.selectbox,
            tr("optimiser"),
            "fc_opt",
            options=list(F.OPTIMISERS),
            index=list(F.OPTIMISERS).index(recipe.optimiser),
            format_func={"rmsprop": "RMSprop (Keras)", "adam": "Adam", "sgd": "SGD"}.get,
        )
        c1, c2, c3, c4 = st.columns(4)
        ui.bound(
            c1.select_slider,
            tr("lr"),
            "fc_lr",
            options=LEARNING_RATES,
            value=recipe.lr,
            format_func="{:g}".format,
        )
        ui.bound(
            c2.number_input,
            tr("epochs"),
            "fc_epochs",
            min_value=lim.epochs[0],
            max_value=lim.epochs[1],
            value=recipe.epochs,
            step=1,
        )
        ui.bound(
            c3.number_input,
            tr("batch"),
            "fc_batch",
            min_value=lim.batch_size[0],
            max_value=lim.batch_size[1],
            value=recipe.batch_size,
            step=1,
        )
        ui.bound(
            c4.number_input,
            tr("seed"),
            "fc_seed",
            min_value=lim.seed[0],
            max_value=lim.seed[1],
            value=recipe.seed,
            step=1,
        )
        return st.form_submit_button(tr("train"), type="primary", key="fc_train")


def submitted_config(data_ok: bool):
    """The submitted settings as a checked config, or None after a message that says why not."""
    if not data_ok:
        st.error(tr("no_data"))
        return None
    get = st.session_state.__getitem__
    sizes = parse_hidden(get("fc_hidden"))
    if sizes is None:
        text = ui.escape_md(get("fc_hidden"))
        lim = backend().LIMITS
        st.error(tr("bad_hidden", layers=lim.layers[1], units=lim.units[1], text=text))
        return None
    try:
        return (
            backend()
            .ForecastConfig(
                window=int(get("fc_window")),
                horizon=int(get("fc_horizon")),
                normalise=get("fc_norm"),
                hidden=sizes,
                dropout=float(get("fc_dropout")),
                cell=get("fc_cell"),
                optimiser=get("fc_opt"),
                lr=float(get("fc_lr")),
                batch_size=int(get("fc_batch")),
                epochs=int(get("fc_epochs")),
                seed=int(get("fc_seed")),
                device=get("fc_device"),
            )
            .validate()
        )
    except ValueError as e:
        error("bad_settings", e)
        return None


@dataclass
class ForecastRun:
    """A trained (or training, or loaded) model's record: what it was trained on and, once per
    finished epoch, its weights and loss history, so that a stopped run keeps its last epoch. The
    training job (in a worker thread, `explainer.live`) writes it; the page reads it."""

    config: Any  # explainer.torch_backend.forecast.ForecastConfig
    data: D.ForecastData
    dates: np.ndarray | None
    series_name: str
    source: str
    device: str = "cpu"
    history: list[dict] = field(default_factory=list)  # per finished epoch: epoch, loss, val_loss
    state: dict | None = None  # the weights at the end of the last finished epoch (CPU copies)
    seconds: float = 0.0
    saved_scaler: Any = None  # loaded weights: the min-max or z-score scaling saved with them
    converted: tuple[str, ...] = ()  # loaded weights: the stored dtypes converted to float32
    model: Any = None  # the model, once training has ended of itself (or loaded)
    progress: tuple[int, int, int, int, float] | None = None  # epoch, epochs, batch, batches, loss


def train(config, data: D.ForecastData, series: D.Series, source: str) -> None:
    """Queue a training of `config` on `data` for this session (the page follows it below)."""
    st.session_state["fc_result"] = None
    run = ForecastRun(config, data, series.dates, series.name, source, device=config.device)
    ui.train_live("fc_board", _training, run, label="forecast", idle_after=IDLE_S)


def _training(board: live.Board[ForecastRun]) -> None:
    """The job (a worker thread): train, leaving every finished epoch's weights in the record."""
    F = backend()
    run = board.record
    F.set_threads(TRAIN_THREADS)
    started = time.perf_counter()

    def callback(p) -> None:
        with board.lock:
            if p.end_of_epoch and p.batch == p.batches:  # a finished epoch, not a stopped one
                run.state = {
                    k: v.detach().to("cpu", copy=True) for k, v in p.model.state_dict().items()
                }
                run.history = [
                    *run.history,
                    {"epoch": p.epoch, "loss": p.loss, "val_loss": p.val_loss},
                ]
                run.seconds = time.perf_counter() - started
            run.progress = (p.epoch, p.epochs, p.batch, p.batches, p.loss)
        board.report((p.epoch - 1 + p.batch / p.batches) / p.epochs)

    batches = max(1, -(-len(run.data.train) // run.config.batch_size))
    res = F.train(
        run.config,
        run.data,
        callback=callback,
        should_stop=lambda: board.stopping,
        report_every=max(1, batches // 10),
    )
    with board.lock:
        run.device = res.device
        if not res.stopped:
            run.seconds, run.model = res.train_seconds, res.model


def _draw_training(board: live.Board[ForecastRun]) -> None:
    """The live view of a training: progress bar and loss so far."""
    with board.lock:
        progress, history = board.record.progress, list(board.record.history)
    if progress is None:
        st.progress(0.0, text=tr("starting"))
        return
    epoch, epochs, batch, batches, loss = progress
    st.progress(
        board.fraction,
        text=tr(
            "progress",
            epoch=epoch,
            epochs=epochs,
            batch=batch,
            batches=batches,
            loss=f"{loss:.4g}",
        ),
    )
    if history:
        st.plotly_chart(
            loss_figure(history, epochs=epochs, **ui.fig_kw()),
            width="stretch",
            key=f"fc_live_{board.id}_{board.version}",
        )


def follow_training() -> None:
    """This session's training, followed until it ends, then turned into its result (once)."""
    board = st.session_state.get("fc_board")
    if board is None or st.session_state.get("fc_shown") == board.id:
        return
    slot = st.empty()
    with slot.container(border=True):
        ui.follow(board, _draw_training)
    slot.empty()
    st.session_state["fc_shown"] = board.id
    if board.status == "failed":  # bad settings for this data, or out of memory
        error("failed", board.error)
        return
    run = board.record
    finish(run, stopped=run.model is None, model=run.model)


def finish(run: ForecastRun, *, stopped: bool, model=None, file: str | None = None) -> None:
    """Predictions of a trained (or stopped, or loaded) model: the session's result. A stopped
    run's model is rebuilt from the weights of its last finished epoch."""
    F = backend()
    if model is None:
        if run.state is None:
            st.info(tr("stopped_early"))
            return
        model = F.build_model(run.config)
        model.load_state_dict(run.state)
        model.eval()
    predictions = F.predict_all(F.predictor(model), run.data)
    st.session_state["fc_result"] = {
        **{f.name: getattr(run, f.name) for f in fields(run)},
        "model": model,
        "predictions": predictions,
        "stopped": stopped,
        "file": file,
        "reference": None,
    }


def load_uploaded_weights(series: D.Series | None, source: str) -> None:
    with st.expander(tr("load")):
        st.caption(tr("load_hint"))
        up = st.file_uploader(tr("weights_file"), type=["safetensors"], key="weights")
    if up is None or st.session_state.get("fc_weights_id") == up.file_id:
        return
    st.session_state["fc_weights_id"] = up.file_id  # once per file, not on every rerun
    if series is None:
        st.error(tr("no_data"))
        return
    F = backend()
    try:
        model, config = F.load_weights(up.getvalue())  # header checked before anything is built
        converted = F.weights_header(up.getvalue()).converted  # F16, BF16, F64: now float32
        # min-max and z-score: the scaling the model was trained with, not one fitted here
        scaler = F.saved_scaler(up.getvalue())
        if scaler is not None and scaler.kind != config.normalise:
            raise ValueError(
                f"its saved {scaler.kind} scaler contradicts its {config.normalise} normalisation"
            )
        data = D.prepare(
            series.values,
            window=config.window,
            horizon=config.horizon,
            normalise=config.normalise,
            split=config.split,
            val=config.val,
            scaler=scaler,
        )
    except F.WeightsError as e:
        weights_error(e)
        return
    except ValueError as e:
        error("bad_weights", e)
        return
    run = ForecastRun(
        config, data, series.dates, series.name, source, saved_scaler=scaler, converted=converted
    )
    finish(run, stopped=False, model=model, file=ui.escape_md(up.name))


# --- results -------------------------------------------------------------------------------------
def show_results(result: dict) -> None:
    F = backend()
    config, data, history = result["config"], result["data"], result["history"]
    st.subheader(tr("results"))
    if result["file"]:
        st.success(tr("loaded", file=result["file"], source=result["source"]))
        if result.get("converted"):
            st.caption(tr("converted", dtypes=", ".join(result["converted"])))
        if (scaler := result.get("saved_scaler")) is not None:
            st.caption(
                tr(
                    "saved_scaler",
                    kind=SCALER_NAMES.get(scaler.kind, scaler.kind),
                    shift=f"{scaler.shift:.6g}",
                    scale=f"{scaler.scale:.6g}",
                )
            )
            z = scaler.transform(data.series)  # this series in the units the model learnt
            if np.median(np.abs(z)) > FAR_OUTSIDE:
                st.warning(tr("extrapolating", lo=f"{z.min():.3g}", hi=f"{z.max():.3g}"))
    elif result["stopped"]:
        st.warning(
            tr("stopped", epochs=len(history), planned=config.epochs, source=result["source"])
        )
    else:
        st.success(
            tr(
                "done",
                epochs=len(history),
                seconds=f"{result['seconds']:.1f}",
                device=result["device"],
                source=result["source"],
            )
        )
    diverged = next((h["epoch"] for h in history if not np.isfinite(h["loss"])), None)
    if diverged is not None:
        st.error(tr("diverged", epoch=diverged))
    preds = result["predictions"]
    point = preds["point"].metrics
    rmse, prmse = point.rmse_original, point.persistence_rmse_original
    if np.isfinite(rmse) and prmse > 0:
        kw = dict(rmse=f"{rmse:.4g}", prmse=f"{prmse:.4g}", ratio=rmse / prmse)
        if rmse > prmse:
            st.warning(tr("verdict_lose", **kw))
        else:
            st.success(tr("verdict_win", **kw))
    if history:
        ui.plot(loss_figure(history, epochs=config.epochs, **ui.fig_kw()), "forecast_loss")
    name = result["series_name"]
    for tab, mode in zip(st.tabs([tr(f"tab_{m}") for m in MODES]), MODES, strict=True):
        with tab:
            st.caption(tr(f"explain_{mode}"))
            ui.plot(
                forecast_figure(
                    data.series,
                    dates=result["dates"],
                    test_start=data.test_target_start,
                    prediction=preds[mode],
                    name=name,
                    **ui.fig_kw(),
                ),
                f"forecast_{mode}",
            )
    st.markdown("**" + tr("metrics") + "**")
    m = {k: p.metrics for k, p in preds.items()}
    st.dataframe(
        pd.DataFrame(
            {
                tr("col_mode"): [tr(f"tab_{k}") for k in m],
                tr("col_rmse"): [v.rmse_original for v in m.values()],
                tr("col_prmse"): [v.persistence_rmse_original for v in m.values()],
                tr("col_mae"): [v.mae_original for v in m.values()],
                tr("col_pmae"): [v.persistence_mae_original for v in m.values()],
                tr("col_rmse_n"): [v.rmse for v in m.values()],
                tr("col_prmse_n"): [v.persistence_rmse for v in m.values()],
            }
        ),
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(format="%.4g")
            for c in (
                tr("col_rmse"),
                tr("col_prmse"),
                tr("col_mae"),
                tr("col_pmae"),
                tr("col_rmse_n"),
                tr("col_prmse_n"),
            )
        },
    )
    st.caption(tr("metrics_note"))
    st.markdown("**" + tr("downloads") + "**")
    c1, c2, c3 = st.columns(3)
    model = result["model"]
    # callables: each file is made when its button is clicked, not on every rerun
    c1.download_button(
        tr("dl_csv"),
        lambda: F.predictions_csv(preds, result["dates"]),
        file_name="predictions.csv",
        mime="text/csv",
        key="fc_dl_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    c2.download_button(
        tr("dl_weights"),
        lambda: F.weights_bytes(model, config, data),
        file_name=f"forecast_{config.cell}.safetensors",
        mime="application/octet-stream",
        key="fc_dl_weights",
        on_click="ignore",
        icon=":material/download:",
    )
    c3.download_button(
        tr("dl_settings"),
        lambda: config.to_json(),
        file_name="settings.json",
        mime="application/json",
        key="fc_dl_settings",
        on_click="ignore",
        icon=":material/download:",
    )


def reference_of(result: dict):
    """The trained first recurrent layer in the NumPy reference, beside its float64 torch copy."""
    if result["reference"] is None:
        result["reference"] = backend().reference_layer(result["model"])
    return result["reference"]


def inspect_model(result: dict) -> None:
    config, data = result["config"], result["data"]
    st.subheader(tr("inspect"))
    st.write(tr("inspect_intro"))
    replay = reference_of(result)
    ref = replay.reference
    n, W, H = len(data.test), data.window, config.hidden[0]
    c1, c2, c3 = st.columns(3)
    k = 0
    if n > 1:
        ui.clamp("fc_k", n)
        k = c1.slider(tr("test_window"), 0, n - 1, key="fc_k")
    ui.clamp("fc_t", W)
    t = c2.slider(ui.t("t"), 0, W - 1, key="fc_t")
    unit = 0
    if H > 1:
        ui.clamp("fc_unit", H)
        unit = c3.slider(ui.t("unit"), 0, H - 1, key="fc_unit")
    start = int(data.test.start[k])
    dates = result["dates"]
    span = (start, start + W - 1) if dates is None else (dates[start], dates[start + W - 1])
    st.caption(
        tr(
            "window_span",
            k=k,
            first=ui.escape_md(_when(span[0])),
            last=ui.escape_md(_when(span[1])),
        )
    )
    x = data.test.x[k][:, None]  # (W, 1): the normalised inputs, as the model saw them
    trace = ref.forward(x)
    grads = ref.backward(trace, last_step_loss(trace))
    diff = replay.parity(x, trace.h)
    (st.caption if diff < 1e-9 else st.error)(
        tr("parity" if diff < 1e-9 else "parity_bad", diff=f"{diff:.1e}")
    )
    h_max = float(np.max(np.abs(trace.h)))
    if h_max < 0.05:
        st.info(tr("quiet", x=f"{float(np.max(np.abs(x))):.2g}", h=f"{h_max:.2g}"))
    st.markdown("**" + tr("heatmaps") + "**")
    ui.plot(figures.gate_heatmaps_figure(trace, **ui.fig_kw()), "forecast_gates")
    st.markdown("**" + tr("cell_at") + "**")
    ui.plot(figures.cell_figure(trace, t, unit=unit, **ui.fig_kw()), "forecast_cell")
    st.markdown("**" + tr("decay") + "**")
    label = ui.t(f"cell_{config.cell}")
    ui.plot(figures.gradient_decay_figure({label: (trace, grads)}, **ui.fig_kw()), "forecast_decay")


def prepare_data(series: D.Series) -> D.ForecastData | None:
    """The series' summary and chart, cut into windows with the submitted settings (None, after
    a message, where they do not fit it)."""
    st.caption(
        tr("summary", n=len(series), gaps=series.gaps, policy=tr(f"gaps_{series.gap_policy}"))
    )
    norm, data = st.session_state["fc_norm"], None
    window, horizon = int(st.session_state["fc_window"]), int(st.session_state["fc_horizon"])
    try:
        data = _prepared(series.values, window, horizon, norm)
    except ValueError as e:
        error("bad_data", e)
        if norm == "window" and "per-window" in str(e):
            b1, b2, _ = st.columns([1, 1, 2])
            b1.button(
                tr("use_zscore"), key="fc_use_zscore", on_click=set_normalisation, args=("zscore",)
            )
            b2.button(
                tr("use_minmax"), key="fc_use_minmax", on_click=set_normalisation, args=("minmax",)
            )
    ui.plot(
        forecast_figure(
            series.values,
            dates=series.dates,
            test_start=None if data is None else data.test_target_start,
            name=series.name,
            **ui.fig_kw(),
        ),
        "forecast_series",
    )
    return data


def _when(v: Any) -> str:
    if isinstance(v, np.datetime64):
        return str(np.datetime_as_string(v, unit="D"))
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


# --- the page ------------------------------------------------------------------------------------
st.title(tr("title"))
st.write(tr("intro"))

st.subheader(tr("data"))
data_box = st.container()  # filled below: the data are cut with the submitted settings
st.subheader(tr("settings"))
r1, r2, _ = st.columns([1, 1, 2])
r1.button(tr("recipe_lecture"), key="fc_recipe_lecture", on_click=use_recipe, args=({},))
r2.button(
    tr("recipe_beats"),
    key="fc_recipe_short",
    on_click=use_recipe,
    args=(SHORT_WINDOWS,),
    help=tr("recipe_help"),
)
pressed = settings_form()
with data_box:
    series, source = choose_series()
    data = None if series is None else prepare_data(series)
config = submitted_config(data is not None) if pressed else None
if config is not None and data is not None:
    train(config, data, series, source)  # the data were cut with the submitted settings
follow_training()
load_uploaded_weights(series, source)

result = st.session_state.get("fc_result")
if result is not None:
    show_results(result)
    inspect_model(result)
