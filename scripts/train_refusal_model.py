"""Train refusal-detector v2.0 on ``refusal_model.TRAINING_SETS`` and freeze its weights in
``src/tongzhou/evaluate/scorers/data/refusal_model_v2.npz`` (deterministic; run from the repository root)."""

import numpy as np

from tongzhou.evaluate.scorers.refusal import detect_refusal_rules
from tongzhou.evaluate.scorers.refusal_model import DATA, refusal_model

model = refusal_model(lambda text: detect_refusal_rules(text).label)
np.savez_compressed(DATA / "refusal_model_v2.npz", weights=model.weights.astype(np.float32), bias=model.bias)
