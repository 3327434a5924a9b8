"""The peer for bench/serve.mjs: what `mlflow models serve` did up to MLflow 2.x for a
scikit-learn model, without MLflow itself (not installable here): Flask behind
gunicorn's sync workers; each request parsed into a pandas DataFrame, its columns
checked and cast to the model's schema, scikit-learn's predict, JSON out.

    gunicorn -w 1 -b 127.0.0.1:PORT --chdir bench serve_flask_peer:app

The model is the bench's logistic regression: coefficients sin(j + 1) for features
f0..f9, intercept 0.1.
"""
import json
import math

import numpy as np
import pandas as pd
from flask import Flask, Response, request
from sklearn.linear_model import LogisticRegression

FEATURES = [f"f{j}" for j in range(10)]

model = LogisticRegression()
# fitted on a frame with the feature names, as a pipeline trained from pandas would be
model.fit(pd.DataFrame([[0.0] * 10, [1.0] * 10], columns=FEATURES), np.array([0, 1]))
model.coef_ = np.array([[math.sin(j + 1) for j in range(10)]])
model.intercept_ = np.array([0.1])

app = Flask(__name__)


def to_frame(payload):
    if "dataframe_split" in payload:
        split = payload["dataframe_split"]
        return pd.DataFrame(data=split["data"], columns=split.get("columns"))
    if "dataframe_records" in payload:
        return pd.DataFrame.from_records(payload["dataframe_records"])
    if "instances" in payload:
        return pd.DataFrame(payload["instances"])
    raise ValueError("expected dataframe_split, dataframe_records or instances")


def enforce_schema(df):
    missing = [c for c in FEATURES if c not in df.columns]
    if missing:
        raise ValueError(f"missing columns {missing}")
    return df[FEATURES].astype("float64")


@app.route("/ping", methods=["GET"])
@app.route("/health", methods=["GET"])
def ping():
    return Response("\n", status=200, mimetype="application/json")


@app.route("/invocations", methods=["POST"])
def invocations():
    if request.content_type is None or not request.content_type.startswith("application/json"):
        return Response(json.dumps({"error_code": "BAD_REQUEST", "message": "unsupported content type"}), status=415, mimetype="application/json")
    try:
        df = enforce_schema(to_frame(json.loads(request.get_data(as_text=True))))
    except Exception as e:  # noqa: BLE001 - the scoring server answers every bad input with 400
        return Response(json.dumps({"error_code": "BAD_REQUEST", "message": str(e)}), status=400, mimetype="application/json")
    predictions = model.predict(df)
    return Response(json.dumps({"predictions": pd.Series(predictions).tolist()}), status=200, mimetype="application/json")
