"""Training: read exports, validate, build and select pipelines, evaluate, track in MLflow."""
