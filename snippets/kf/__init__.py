"""Shared code for the Kernels & Filters snippets: arithmetic, facts, rendering, figures."""

import os

# Quiet, deterministic TensorFlow and a headless matplotlib, for anything that imports kf first.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
