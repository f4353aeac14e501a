#!/usr/bin/env python3
"""Bench driver for the real Python Metaflow client (`pip install metaflow`): runs the `pnpm bench`
scenarios on a local workload, each REPS times, and prints one JSON object
{scenario: {"ms": [..], "answer": .., "peak_rss_mb": ..}} on stdout.

usage: python_client.py WORKLOAD_DIR REPS [SCENARIO ...]
       python_client.py WORKLOAD_DIR cold     (cold start: list ScaleFlow's runs once, print {"count": n})
With BENCH_SERVICE_URL set, metadata comes from that service (bench/service.ts) instead.
WORKLOAD_DIR holds `.metaflow` (bench/workload.ts or make_scale.py output). Our harness, not Metaflow's.
"""
import hashlib
import json
import os
import resource
import sys
import time

workload = os.path.abspath(sys.argv[1])
os.environ["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = workload
if os.environ.get("BENCH_SERVICE_URL"):
    # metadata from the bench's loopback service (bench/service.ts), bytes from the local datastore
    os.environ["METAFLOW_DEFAULT_METADATA"] = "service"
    os.environ["METAFLOW_SERVICE_URL"] = os.environ["BENCH_SERVICE_URL"]
os.environ.setdefault("METAFLOW_DEFAULT_METADATA", "local")
os.environ.setdefault("METAFLOW_DEFAULT_DATASTORE", "local")
os.chdir(workload)

from metaflow import Flow, Step, namespace  # noqa: E402

if sys.argv[2] == "cold":
    namespace(None)
    print(json.dumps({"count": len(list(Flow("ScaleFlow").runs()))}))
    sys.exit(0)

reps = int(sys.argv[2])
only = set(sys.argv[3:])

# Slow scenarios run fewer times (they take seconds each).
SLOW = {"wide_artifact_y": 5, "all_runs_successful": 5}


def digest(ids):
    return hashlib.sha1("\n".join(sorted(ids)).encode()).hexdigest()[:12]


def ids_answer(ids):
    ids = list(ids)
    return {"count": len(ids), "digest": digest(ids)}


def wide_run():
    namespace(None)
    return sorted(r.id for r in Flow("WideFlow").runs())[0]


def s_runs_all():
    namespace(None)
    return ids_answer(r.id for r in Flow("ScaleFlow").runs())


def s_runs_tag_tenth():
    namespace(None)
    return ids_answer(r.id for r in Flow("ScaleFlow").runs("tenth"))


def s_runs_ns_alice():
    namespace("user:alice")
    try:
        return ids_answer(r.id for r in Flow("ScaleFlow").runs())
    finally:
        namespace(None)


def s_latest_successful_run():
    namespace(None)
    r = Flow("ScaleFlow").latest_successful_run
    return {"id": r.id, "ts": r._object["ts_epoch"]}


def s_wide_tasks_list():
    namespace(None)
    return ids_answer(t.id for t in Step(f"WideFlow/{WIDE}/fan").tasks())


def s_wide_artifact_y():
    namespace(None)
    n, total = 0, 0
    for t in Step(f"WideFlow/{WIDE}/fan").tasks():
        n += 1
        total += t.data.y
    return {"count": n, "sum": total}


def s_all_runs_successful():
    namespace(None)
    n, ok = 0, 0
    for r in Flow("ScaleFlow").runs():
        n += 1
        ok += 1 if r.successful else 0
    return {"runs": n, "successful": ok}


def s_big_artifact():
    namespace(None)
    run = sorted(r.id for r in Flow("ArtifactZooFlow").runs())[0]
    step = Step(f"ArtifactZooFlow/{run}/big")
    v = next(iter(step.tasks()))["large_bytes"].data
    return {"length": len(v), "sha1": hashlib.sha1(v).hexdigest()[:12]}


SCENARIOS = {
    "runs_all": s_runs_all,
    "runs_tag_tenth": s_runs_tag_tenth,
    "runs_ns_alice": s_runs_ns_alice,
    "latest_successful_run": s_latest_successful_run,
    "wide_tasks_list": s_wide_tasks_list,
    "wide_artifact_y": s_wide_artifact_y,
    "all_runs_successful": s_all_runs_successful,
    "big_artifact": s_big_artifact,
}

def peak_rss_mb():
    """This process's peak RSS: Linux's VmHWM (this process image only). ru_maxrss is carried over from the
    forked parent through exec, so under the bench (100-200 MB) it reported the bench's size."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


WIDE = wide_run()
has_big = os.path.isdir(os.path.join(workload, ".metaflow", "ArtifactZooFlow"))
out = {}
for name, fn in SCENARIOS.items():
    if only and name not in only:
        continue
    if name == "big_artifact" and not has_big:
        continue
    times, answer = [], None
    fn()  # one untimed pass, as every reader gets (bench/run.ts)
    for _ in range(min(reps, SLOW.get(name, reps))):
        s = time.perf_counter()
        answer = fn()
        times.append((time.perf_counter() - s) * 1000)
    out[name] = {"ms": times, "answer": answer,
                 "peak_rss_mb": peak_rss_mb()}
    print(f"python {name}: {min(times):.0f} ms {answer}", file=sys.stderr, flush=True)
print(json.dumps(out))
