"""A training script that only uses `mlflow` calls (no mlo import).

Run it under mlo wherever `mlflow` is installed:

    mlo exec -- python train.py        # or as a stage: mlo repro

mlo serves the MLflow API to the script on a loopback port for the run's lifetime
(MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, MLFLOW_TRACKING_TOKEN), so start_run() attaches
to the mlo run and every call below lands in it.
"""
import json
import math
import os
import random

import mlflow

params = {"C": 1.0, "epochs": 20, "seed": 7}
random.seed(params["seed"])

with mlflow.start_run() as run:
    mlflow.log_params(params)
    mlflow.set_tag("team", "churn")
    loss = 1.0
    for epoch in range(params["epochs"]):
        loss *= 0.85 + 0.05 * random.random()
        mlflow.log_metric("loss", loss, step=epoch)
    auc = 0.5 + 0.5 * (1 - math.exp(-3 * (1 - loss)))
    mlflow.log_metrics({"auc": auc, "cv_auc_std": 0.02})

    os.makedirs("out", exist_ok=True)
    with open("out/report.json", "w") as f:
        json.dump({"auc": auc, "loss": loss}, f)
    mlflow.log_artifact("out/report.json")
    print(f"run {run.info.run_id}: auc={auc:.3f}")
