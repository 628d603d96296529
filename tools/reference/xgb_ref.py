#!/usr/bin/python3
"""Reference driver for native XGBoost (Debian python3-xgboost 1.7.4).

Used by the core tests (test/core-*.test.ts) and the benchmark (bench/run.ts) to get
independent reference values from the real XGBoost on exactly the same data.

Input: one JSON job, from a file named on the command line or from stdin:

  {
    "datasets": {                       # raw float32 little-endian files, row-major
      "<name>": {"x": "X.f32", "nrow": N, "ncol": M,
                 "y": "y.f32" (optional), "w": "w.f32" (optional), "feature_names": [...] (optional),
                 "feature_types": ["q", "c", ...] (optional: "c" columns are categorical,
                                  the DMatrix is built with enable_categorical=True),
                 "rows": [0, 5, ...] | "rows.i32" (optional: take these rows only),
                 "group": [sizes], "group_w": [one weight per group] (optional: query groups, set_group and
                                  set_weight; a whole dataset only),
                 "row_begin": a, "row_end": b (optional: take rows [a, b) only),
                 "quantile_ref": "<name>", "max_bin": B (optional: a QuantileDMatrix of these rows
                                  binned with the cuts of dataset <name>'s QuantileDMatrix —
                                  XGBoost's QuantileDMatrix(X[rows], y[rows], ref=..., max_bin=B))}
    },
    "tasks": [
      {"op": "train", "params": {...}, "num_round": 10, "dtrain": "<name>",
       "base_score": "mean" (optional: base_score = weighted mean of the training labels),
       "save_model": "model.json" (optional), "predict": [PRED, ...] (optional),
       "evals": ["<name>", ...], "early_stopping_rounds": n (optional: evals_result, best_iteration)},
      {"op": "load", "model": "model.json", "predict": [PRED, ...], "nthread": n (optional, default 1),
       "config": true (optional: the booster's save_config() as "config")},
      (train and load also take "scores": true → get_score for every importance type, and
       "eval": [{"data": "<name>", "metrics": ["rmse", ...]}] → native metric values)
      {"op": "cv", "params": {...}, "num_round": 10, "data": "<name>",
       "folds": [[test row indices], ...], "base_score": "mean" (optional),
       "metric": "rmse" | "logloss" | "mlogloss"}
    ]
  }
  PRED = {"data": "<name>", "output_margin": false, "out": "p.f32" (optional: write the
          predictions there as float32 instead of returning them as a JSON list),
          "repeat": 1 (optional: predict this many times, report the fastest),
          "iteration_range": [a, b] (optional),
          "ntree_limit": n | "best" (optional: native's deprecated ntree_limit; "best" passes the
                         booster's best_ntree_limit, as read from the model's attributes),
          "pred_contribs" / "pred_interactions" / "approx_contribs": true (optional: SHAP values,
          flattened row-major as native's array)}

Output (stdout): {"xgboost": "1.7.4", "results": [per task: {"train_seconds",
"predict": [{"seconds", "values" | "out", "rmse"?}], "maxrss_kb", ...}]}; train and load
also give the booster's "attributes" (best_iteration, best_ntree_limit, ... as native reads them).
A failing task gives {"error": "..."} in its slot; a failing job exits with status 1.
"""
import json
import os
import resource
import sys
import time

import numpy as np

# xgboost imports its optional pandas and scikit-learn integrations (DataFrame input, the
# XGBRegressor/XGBClassifier wrappers) when they are installed; this driver uses neither (numpy
# arrays go straight into DMatrix/QuantileDMatrix, training and prediction are xgb.train and
# Booster.predict), but importing them took ~1.5 of the ~2 s CPU every process spent starting
# (python3 -X importtime). Marked absent, xgboost sets PANDAS_INSTALLED/SKLEARN_INSTALLED to
# False and the native library and its numpy path, which compute everything here, are unchanged.
for _optional in ("pandas", "sklearn"):
    sys.modules.setdefault(_optional, None)
import xgboost as xgb  # noqa: E402

# native warnings ("auc: only positive or negative samples") are printed to stdout, which carries the results' JSON
xgb.set_config(verbosity=0)


def read_f32(path, count=None):
    a = np.fromfile(path, dtype="<f4")
    if count is not None and a.size != count:
        raise ValueError(f"{path}: expected {count} float32 values, found {a.size}")
    return a


def rows_of(spec):
    rows = spec.get("rows")
    if isinstance(rows, str):
        return np.fromfile(rows, dtype="<i4")
    if rows is not None:
        return np.asarray(rows, dtype=np.int64)
    return None


class Datasets:
    def __init__(self, specs):
        self.specs = specs
        self.cache = {}

    def arrays(self, name):
        if name in self.cache:
            return self.cache[name]
        spec = self.specs[name]
        n, m = int(spec["nrow"]), int(spec["ncol"])
        X = read_f32(spec["x"], n * m).reshape(n, m)
        y = read_f32(spec["y"], n) if spec.get("y") else None
        w = read_f32(spec["w"], n) if spec.get("w") else None
        a, b = spec.get("row_begin"), spec.get("row_end")
        if a is not None or b is not None:
            sl = slice(a or 0, b if b is not None else n)
            X, y, w = X[sl], (y[sl] if y is not None else None), (w[sl] if w is not None else None)
        rows = rows_of(spec)
        if rows is not None:
            X, y, w = X[rows], (y[rows] if y is not None else None), (w[rows] if w is not None else None)
        X = np.ascontiguousarray(X)
        self.cache[name] = (X, y, w)
        return self.cache[name]

    def quantile(self, name, max_bin, ref=None):
        X, y, w = self.arrays(name)
        spec = self.specs[name]
        types = spec.get("feature_types")
        return xgb.QuantileDMatrix(X, label=y, weight=w, missing=np.nan, nthread=1, max_bin=max_bin, ref=ref,
                                   feature_names=spec.get("feature_names"), feature_types=types,
                                   enable_categorical=bool(types))

    def dmatrix(self, name, rows=None):
        spec = self.specs[name]
        if spec.get("quantile_ref") and rows is None:
            max_bin = int(spec["max_bin"])
            ref = self.quantile(spec["quantile_ref"], max_bin)
            _, y, w = self.arrays(name)
            return self.quantile(name, max_bin, ref), y, w
        X, y, w = self.arrays(name)
        if rows is not None:
            X, y, w = X[rows], (y[rows] if y is not None else None), (w[rows] if w is not None else None)
        names = self.specs[name].get("feature_names")
        types = self.specs[name].get("feature_types")
        if types:
            d = xgb.DMatrix(X, label=y, weight=w, missing=np.nan, nthread=1, feature_names=names,
                            feature_types=types, enable_categorical=True)
        else:
            d = xgb.DMatrix(X, label=y, weight=w, missing=np.nan, nthread=1, feature_names=names)
        spec = self.specs[name]
        if spec.get("lower"):
            # survival:aft's bounds, for whole datasets only
            assert rows is None and not any(spec.get(k) is not None for k in ("rows", "row_begin", "row_end"))
            d.set_float_info("label_lower_bound", read_f32(spec["lower"], X.shape[0]))
            d.set_float_info("label_upper_bound", read_f32(spec["upper"], X.shape[0]))
        if spec.get("group") is not None:
            d.set_group(spec["group"])
            if spec.get("group_w") is not None:
                d.set_weight(np.array(spec["group_w"], dtype=np.float32))
        return d, y, w


def mean_label(y, w):
    y = y.astype(np.float64)
    return float(np.average(y, weights=None if w is None else w.astype(np.float64)))


def do_predict(bst, ds, preds):
    out = []
    for p in preds:
        kw = {"output_margin": bool(p.get("output_margin", False))}
        for flag in ("pred_contribs", "pred_interactions", "approx_contribs"):
            if p.get(flag):
                kw[flag] = True
        if p.get("iteration_range"):
            kw["iteration_range"] = tuple(p["iteration_range"])
        if p.get("ntree_limit") is not None:
            kw["ntree_limit"] = bst.best_ntree_limit if p["ntree_limit"] == "best" else int(p["ntree_limit"])
        secs = cpu = float("inf")
        for _ in range(max(1, int(p.get("repeat", 1)))):  # timing: the best of `repeat` runs
            # a fresh DMatrix each time: native XGBoost caches the predictions of a DMatrix it has seen
            d, y, _ = ds.dmatrix(p["data"])
            t0, c0 = time.perf_counter(), time.process_time()
            v = bst.predict(d, **kw)
            secs, cpu = min(secs, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
        v = np.asarray(v, dtype=np.float32).reshape(-1)
        r = {"data": p["data"], "seconds": secs, "cpu_seconds": cpu, "n": int(v.size)}
        if y is not None and v.size == y.size and len(kw) == 1 and not kw["output_margin"]:
            r["rmse"] = float(np.sqrt(np.mean((v.astype(np.float64) - y.astype(np.float64)) ** 2)))
        if p.get("out"):
            v.astype("<f4").tofile(p["out"])
            r["out"] = p["out"]
        else:
            r["values"] = [float(x) for x in v]
        out.append(r)
    return out


def task_train(task, ds):
    params = dict(task.get("params", {}))
    params.setdefault("tree_method", "hist")
    params.setdefault("nthread", 1)
    dtrain, y, w = ds.dmatrix(task["dtrain"])
    if task.get("base_score") == "mean":
        params["base_score"] = mean_label(y, w)
    evals = [(ds.dmatrix(e)[0], e) for e in task.get("evals", [])]
    evals_result = {}
    t0, c0 = time.perf_counter(), time.process_time()
    bst = xgb.train(params, dtrain, num_boost_round=int(task.get("num_round", 10)), evals=evals,
                    evals_result=evals_result, early_stopping_rounds=task.get("early_stopping_rounds"),
                    verbose_eval=False)
    train_s, train_cpu = time.perf_counter() - t0, time.process_time() - c0
    res = {"train_seconds": train_s, "train_cpu_seconds": train_cpu, "base_score": params.get("base_score"),
           "attributes": bst.attributes()}
    if evals:
        # NaN (auc of a one-class set) as null: JSON has no NaN
        res["evals_result"] = {k: {m: [None if x != x else float(x) for x in v] for m, v in d.items()} for k, d in evals_result.items()}
        res["best_iteration"] = getattr(bst, "best_iteration", None)
        res["num_boosted_rounds"] = bst.num_boosted_rounds()
    if task.get("save_model"):
        bst.save_model(task["save_model"])
        res["model"] = task["save_model"]
    res["predict"] = do_predict(bst, ds, task.get("predict", []))
    res.update(do_extras(bst, ds, task))
    return res


def do_extras(bst, ds, task):
    """Optional: feature importances (all types) and native evaluation metrics of the model."""
    r = {}
    if task.get("scores"):
        r["scores"] = {t: bst.get_score(importance_type=t) for t in ["weight", "gain", "cover", "total_gain", "total_cover"]}
    for e in task.get("eval", []):
        d, _, _ = ds.dmatrix(e["data"])
        # set_param appends eval metrics (it does not replace them): set them all, then read
        # each by name from "[0]\teval-rmse:1.2345\teval-mae:0.98"
        bst.set_param([("eval_metric", m) for m in e["metrics"]])
        text = bst.eval_set([(d, "eval")])
        found = dict(item.split(":", 1) for item in text.split("\t")[1:])
        r.setdefault("evals", {})[e["data"]] = {m: float(found["eval-" + m]) for m in e["metrics"]}
    return r


def task_load(task, ds):
    bst = xgb.Booster(model_file=task["model"])
    bst.set_param({"nthread": int(task.get("nthread", 1))})
    r = {"num_features": bst.num_features(), "attributes": bst.attributes(),
         "predict": do_predict(bst, ds, task.get("predict", []))}
    if task.get("config"):
        r["config"] = json.loads(bst.save_config())
    r.update(do_extras(bst, ds, task))
    return r


def task_cv(task, ds):
    X, y, w = ds.arrays(task["data"])
    n = X.shape[0]
    metric = task.get("metric", "rmse")
    fold_scores, oof = [], None
    for test_rows in task["folds"]:
        test_rows = np.asarray(test_rows, dtype=np.int64)
        mask = np.ones(n, dtype=bool)
        mask[test_rows] = False
        train_rows = np.nonzero(mask)[0]
        params = dict(task.get("params", {}))
        params.setdefault("tree_method", "hist")
        params.setdefault("nthread", 1)
        dtr, ytr, wtr = ds.dmatrix(task["data"], train_rows)
        dte, yte, _ = ds.dmatrix(task["data"], test_rows)
        if task.get("base_score") == "mean":
            params["base_score"] = mean_label(ytr, wtr)
        bst = xgb.train(params, dtr, num_boost_round=int(task.get("num_round", 10)))
        p = bst.predict(dte).astype(np.float64)
        if oof is None:
            oof = np.full((n,) + p.shape[1:], np.nan, dtype=np.float32)
        oof[test_rows] = p
        yt = yte.astype(np.float64)
        if metric == "rmse":
            fold_scores.append(float(np.sqrt(np.mean((p - yt) ** 2))))
        elif metric == "logloss":
            q = np.clip(p, 1e-15, 1 - 1e-15)
            fold_scores.append(float(-np.mean(yt * np.log(q) + (1 - yt) * np.log(1 - q))))
        elif metric == "mlogloss":
            q = np.clip(p[np.arange(p.shape[0]), yt.astype(np.int64)], 1e-15, 1)
            fold_scores.append(float(-np.mean(np.log(q))))
        else:
            raise ValueError(f"unknown cv metric {metric}; valid: rmse, logloss, mlogloss")
    oof = oof.reshape(-1)
    return {"fold_scores": fold_scores, "mean": float(np.mean(fold_scores)), "oof": [float(v) for v in oof]}


OPS = {"train": task_train, "load": task_load, "cv": task_cv}


def main():
    if sys.argv[1:] == ["--version"]:  # the availability check (xgb-ref.ts hasXgboost): this script's imports work
        print(xgb.__version__)
        return 0
    job = json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin)
    ds = Datasets(job.get("datasets", {}))
    results, failed = [], False
    for task in job.get("tasks", []):
        op = task.get("op")
        try:
            if op not in OPS:
                raise ValueError(f"unknown op {op!r}; valid: {', '.join(OPS)}")
            r = OPS[op](task, ds)
        except Exception as e:  # reported per task so the caller sees which one failed
            r = {"error": f"{type(e).__name__}: {e}"}
            failed = True
        r["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        results.append(r)
    # json.dumps, not json.dump: dump streams through the pure-Python encoder (3.5 s for the 700k
    # predicted values of core-threads' job), dumps through the C one; the text is the same
    sys.stdout.write(json.dumps({"xgboost": xgb.__version__, "results": results}))
    sys.stdout.write("\n")
    return 1 if failed and job.get("strict", True) else 0


if __name__ == "__main__":
    sys.exit(main())
