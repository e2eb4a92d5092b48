"""The forecasting page's strings (`app_pages/forecast.py`), one `(english, chinese)` pair a key."""

from __future__ import annotations

FORECAST: dict[str, tuple[str, str]] = {
    "title": ("Forecasting a series with a stacked LSTM", "用堆叠 LSTM 预测时间序列"),
    "intro": (
        "The classic recipe: cut the series into windows of 50 steps, divide each window by its "
        "first value (pᵢ / p₀ − 1), train on the first 90% of the windows (the last 5% of those "
        "validate), and fit LSTM(50) → Dropout(0.2) → LSTM(100) → Dropout(0.2) → Linear to predict "
        "the next value, with mean squared error and RMSprop (learning rate 0.001, batch 50, 20 "
        "epochs). The defaults below are exactly that recipe; every one of them can be changed. "
        "The last 10% of the series is the test part: the model never saw it.",
        "经典做法：把序列切成 50 步的窗口，每个窗口除以它的第一个值（pᵢ / p₀ − 1），用前 90% "
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
        "{n} values; {gaps} missing in the file ({policy}).",
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
    "norm_window": ("per window: pᵢ / p₀ − 1", "逐窗口：pᵢ / p₀ − 1"),
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
        "Epochs trained: {epochs}, in {seconds} s on {device}, on {source}.",
        "在 {device} 上用 {seconds} 秒训练了 {epochs} 轮，数据为 {source}。",
    ),
    "stopped": (
        "Stopped at epoch {epochs} of {planned}: the results below are the model as "
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
        "it is not a valid safetensors file: it is cut short, damaged, or another kind of file.",
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
        "参考实现在此窗口上复现了训练好的层：其 h 与 PyTorch（float64）结果的最大差异为 {diff}。",
    ),
    "parity_bad": (
        "The reference and PyTorch disagree on this window by {diff}.",
        "参考实现与 PyTorch 在此窗口上相差 {diff}。",
    ),
    "flat": (
        "On this window the gates barely move: over its {w} steps the largest change of any "
        "unit is {moves}, while the heatmaps' colour scale spans 0 to 1 (−1 to 1 for tanh), "
        "so they look flat. The inputs the layer reads on this window only span {lo} to {hi}; "
        "a gate, σ of a weighted sum of x_t and h_(t−1), cannot move much when neither does.",
        "在这个窗口上，门几乎不动：在它的 {w} 步里，任何单元的最大变化为 {moves}，而热图"
        "的色标跨度是 0 到 1（tanh 为 −1 到 1），所以看起来是平的。该层在这个窗口上读到的输入只在 "
        "{lo} 到 {hi} 之间；门是 x_t 与 h_(t−1) 加权和的 σ，两者都几乎不变时，门也动不了多少。",
    ),
    "joiner": (", ", "，"),
    "flat_window": (
        "That is the per-window normalisation: each value is divided by the window's first "
        "value, minus 1, and this series changes by only about {pct}% within this window. "
        "Z-score normalisation gives inputs of size about 1; train again with it to see the "
        "gates move.",
        "这是逐窗口归一化造成的：每个值除以窗口的第一个值再减 1，而这条序列在这个窗口内只变化约 "
        "{pct}%。z 分数归一化给出大小约为 1 的输入；用它重新训练，就能看到门的变化。",
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
        "Some years are zero: per-window normalisation cannot be used; choose z-score or min-max",
        "有些年份为 0：不能使用逐窗口归一化，请选择 z 分数或最小-最大归一化",
    ),
    "note_macrodata_quarterly": (
        "12 numeric columns (real GDP by default)",
        "12 个数值列（默认为实际 GDP）",
    ),
    "heatmaps": (
        "Every gate of layer 0 (the first layer) over the window",
        "第 0 层（第一层）的每个门在窗口上的变化",
    ),
    "cell_at": ("The cell at one step", "某一步的单元"),
    "decay": ("How far back the gradient of the last step reaches", "最后一步的梯度能传回多远"),
    "trained_on": ("the bundled series “{name}”", "内置序列“{name}”"),
    "uploaded": ("column “{column}” of {file}", "{file} 的“{column}”列"),
}
