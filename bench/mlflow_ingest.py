"""Ingest workload through the real mlflow client: MlflowClient().log_batch, 1000 metrics per call.

Usage: python3 bench/mlflow_ingest.py URI EXPERIMENT_ID RUNS METRICS STEPS PROCESSES
(MLFLOW_TRACKING_TOKEN in the environment for Gantry). Prints one JSON line with the result.

PROCESSES client processes split the runs between them; each creates its runs and logs
every batch of its runs one after the other (synchronous calls, as training code does).
Batches are built before the clock starts, so the time is the server's plus the client's
own request encoding. Timing: from the moment all processes pass a barrier to the last one done.
"""
import json
import math
import multiprocessing as mp
import sys
import time

BATCH = 1000  # MLflow's limit of metrics per log-batch request


def value(run, metric, step):
    return math.sin(step / 50.0 + metric) * math.exp(-step / 2000.0) + run * 1e-3


def worker(args):
    barrier, results = args[5], args[6]
    try:
        results.put(work(*args))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which fails the bench
        barrier.abort()
        results.put({"error": repr(e)[:2000]})


def work(uri, experiment_id, run_indexes, metrics, steps, barrier, results):
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    base = 1_700_000_000_000
    planned = []
    for r in run_indexes:
        points = [
            Metric(key=f"m{m}", value=value(r, m, s), timestamp=base + s * 1000, step=s)
            for s in range(steps)
            for m in range(metrics)
        ]
        planned.append((r, [points[i : i + BATCH] for i in range(0, len(points), BATCH)]))
    barrier.wait()
    start = time.time()
    cpu = time.process_time()
    calls = 0
    for r, batches in planned:
        run = client.create_run(experiment_id, run_name=f"ingest-{r}")
        for b in batches:
            client.log_batch(run.info.run_id, metrics=b, synchronous=True)
            calls += 1
    end = time.time()
    cpu = time.process_time() - cpu
    return {"start": start, "end": end, "cpu": cpu, "calls": calls, "points": sum(len(b) for _, bs in planned for b in bs)}


def main():
    uri, experiment_id = sys.argv[1], sys.argv[2]
    runs, metrics, steps, procs = (int(x) for x in sys.argv[3:7])
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(procs)
    results = ctx.Queue()
    shares = [list(range(i, runs, procs)) for i in range(procs)]
    ps = [ctx.Process(target=worker, args=((uri, experiment_id, s, metrics, steps, barrier, results),)) for s in shares]
    for p in ps:
        p.start()
    out = [results.get() for _ in ps]
    for p in ps:
        p.join()
    errors = [o["error"] for o in out if "error" in o]
    if errors or any(p.exitcode != 0 for p in ps):
        sys.exit("a client process failed: " + "; ".join(errors))
    start = min(o["start"] for o in out)
    end = max(o["end"] for o in out)
    points = sum(o["points"] for o in out)
    # The clients' own CPU while the clock ran (request encoding and the rest of the client's work).
    client_cpu = sum(o["cpu"] for o in out)
    print(json.dumps({"points": points, "seconds": end - start, "calls": sum(o["calls"] for o in out), "processes": procs, "clientCpuSeconds": client_cpu}))


if __name__ == "__main__":
    main()
