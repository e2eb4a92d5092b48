"""The memory lab: long-lag tasks on which a plain RNN, an LSTM and a GRU are trained side by side.

    tasks      the adding problem and delayed recall (float32 batches from a `torch.Generator`),
               each task's baseline and what counts as solved
    models     `MemoryNet` (a recurrent layer and a linear readout), `AblatedLSTM` (single gates
               clamped), the export to the NumPy reference
    training   `MemoryConfig`, `PRESETS`, `train` / `train_cells` (cells interleaved round-robin,
               a budget per cell)
    analysis   `outcome` (did the run show the lesson's contrast: a state per cell) and `why`
               (one example traced through the trained networks in the NumPy reference)
    sweep      the longest-lag-solved sweep, `SWEEP_PATH` where its JSON is shipped, `load_sweep`
The command line (`python -m explainer memory ...`) is in `explainer.torch_backend.cli`.

References: Hochreiter & Schmidhuber (1997), Long short-term memory; Gers, Schmidhuber & Cummins
(2000), Learning to forget; Jozefowicz, Zaremba & Sutskever (2015), An empirical exploration of
recurrent network architectures (forget bias 1); Le, Jaitly & Hinton (2015), A simple way to
initialize recurrent networks of rectified linear units (adding problem); Greff et al. (2017),
LSTM: a search space odyssey (ablations).
"""

from explainer.torch_backend.memory.analysis import (
    ForgetWait,
    Outcome,
    Why,
    cell_state,
    forget_wait,
    outcome,
    why,
)
from explainer.torch_backend.memory.models import (
    ABLATIONS,
    CELLS,
    SATURATED_BIAS,
    AblatedLSTM,
    MemoryNet,
    build_model,
    export_recurrent,
    readout_arrays,
    set_forget_bias,
    to_reference,
)
from explainer.torch_backend.memory.sweep import (
    SWEEP_PATH,
    load_sweep,
    machine_note,
    run_sweep,
    sweep_config,
)
from explainer.torch_backend.memory.tasks import (
    EVAL_SEED,
    TASKS,
    Baseline,
    adding_batch,
    baseline,
    derive_seed,
    example_sequence,
    input_size,
    make_batch,
    output_size,
    recall_batch,
)
from explainer.torch_backend.memory.training import (
    PRESETS,
    EvalPoint,
    MemoryConfig,
    Progress,
    RunResult,
    train,
    train_cells,
)

__all__ = [
    "ABLATIONS",
    "CELLS",
    "EVAL_SEED",
    "PRESETS",
    "SATURATED_BIAS",
    "SWEEP_PATH",
    "TASKS",
    "AblatedLSTM",
    "Baseline",
    "EvalPoint",
    "ForgetWait",
    "MemoryConfig",
    "MemoryNet",
    "Outcome",
    "Progress",
    "RunResult",
    "Why",
    "adding_batch",
    "baseline",
    "build_model",
    "cell_state",
    "derive_seed",
    "example_sequence",
    "export_recurrent",
    "forget_wait",
    "input_size",
    "load_sweep",
    "machine_note",
    "make_batch",
    "outcome",
    "output_size",
    "readout_arrays",
    "recall_batch",
    "run_sweep",
    "set_forget_bias",
    "sweep_config",
    "to_reference",
    "train",
    "train_cells",
    "why",
]
