"""The seed's application: forecasting a series with stacked recurrent layers, in PyTorch.

The model is the classic Keras recipe, layer for layer (defaults in `ForecastConfig`):

    x (B, W, 1) -> LSTM(50), all steps (B, W, 50) -> Dropout(0.2) -> LSTM(100), last step (B, 100)
                -> Dropout(0.2) -> Linear(100, h) -> y_hat (B, h)

trained on mean squared error with RMSprop as Keras computes it,

    v <- rho v + (1 - rho) g^2          w <- w - lr g / sqrt(v + eps)     (rho 0.9, eps 1e-7)

(`torch.optim.RMSprop` puts eps outside the root and defaults to alpha 0.99; `KerasRMSprop`
does not), and with Keras' weight initialisation (Glorot-uniform input weights, orthogonal recurrent
weights, zero biases, LSTM forget-gate bias 1), so that a run here matches the seed's Keras code.

    config     `ForecastConfig` and `LIMITS` (what a student may ask for)
    model      `Forecaster`, Keras' initialisation, `KerasRMSprop`, the trained first layer in the
               NumPy reference (`reference_layer`)
    training   `train`, `predictor` (a trained model as a NumPy function), `run_forecast`
    weights    safetensors files with their settings, checked before loading (`WeightsError`)
The three prediction modes and their metrics need no torch: `explainer.prediction`. The command
line (`python -m explainer forecast ...`) is in `explainer.torch_backend.cli`.

Under `torchrun --nproc_per_node=N` the same entry point trains with DistributedDataParallel (gloo
on CPU, NCCL on GPUs); each process takes its share of the shuffled training windows through a
`DistributedSampler` (batch size per process), and only rank 0 prints.
"""

from explainer.torch_backend.forecast.config import (
    CELLS,
    INITS,
    LIMITS,
    OPTIMISERS,
    ForecastConfig,
    Limits,
)
from explainer.torch_backend.forecast.model import (
    Forecaster,
    KerasRMSprop,
    ReferenceLayer,
    build_model,
    first_layer,
    keras_init_,
    make_optimiser,
    reference_layer,
)
from explainer.torch_backend.forecast.training import (
    ForecastRun,
    Progress,
    TrainResult,
    evaluate_loss,
    predictor,
    run_forecast,
    train,
)
from explainer.torch_backend.forecast.weights import (
    WeightsError,
    WeightsHeader,
    load_weights,
    save_weights,
    saved_scaler,
    state_shapes,
    weights_bytes,
    weights_header,
)

__all__ = [
    "CELLS",
    "INITS",
    "LIMITS",
    "OPTIMISERS",
    "ForecastConfig",
    "ForecastRun",
    "Forecaster",
    "KerasRMSprop",
    "Limits",
    "Progress",
    "ReferenceLayer",
    "TrainResult",
    "WeightsError",
    "WeightsHeader",
    "build_model",
    "evaluate_loss",
    "first_layer",
    "keras_init_",
    "load_weights",
    "make_optimiser",
    "predictor",
    "reference_layer",
    "run_forecast",
    "save_weights",
    "saved_scaler",
    "state_shapes",
    "train",
    "weights_bytes",
    "weights_header",
]
