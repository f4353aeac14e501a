"""
Records the real Python client's answers on the variants of packages/core/test/attempt-variants.ts
(which attempt a task's artifacts come from). Run from the repository root with Metaflow installed:

    node --import tsx packages/core/test/attempt-variants.ts /tmp/variants
    python3 testdata/attempt-rule/record.py /tmp/variants > testdata/attempt-rule/oracle.json

The corpus' artifact records name the datastore root `/corpus/.metaflow`, where Python reads blobs: each
variant is asked in a process of its own with `/corpus` a symlink to it (so this needs to create `/corpus`).
"""
import json
import os
import subprocess
import sys

import metaflow
from metaflow import Run, Task, metadata, namespace

RETRIED = "RetryOnceFlow/1795767075327575/flaky/2"
RUN = "RetryOnceFlow/1795767075327575"


def task_facts(t):
    return {
        "artifacts": sorted(a.id for a in t),
        "successful": t.successful,
        "finished": t.finished,
        "has_exception": t.exception is not None,
        "has_finished_at": t.finished_at is not None,
        "name": t["name"].data if "name" in t else None,
    }


def facts(root):
    metadata("local@" + root)
    namespace(None)
    r = Run(RUN)
    end = r.end_task
    return {
        "retried": task_facts(Task(RETRIED)),
        "retried_attempt_0": sorted(a.id for a in Task(RETRIED, attempt=0)),
        "end": task_facts(end),
        "run_successful": r.successful,
        "run_finished": r.finished,
    }


if len(sys.argv) == 3 and sys.argv[1] == "--one":
    print(json.dumps(facts(sys.argv[2])))
    sys.exit(0)

base = os.path.abspath(sys.argv[1])
out = {"metaflow_version": metaflow.__version__, "variants": {}}
for name in sorted(os.listdir(base)):
    if os.path.islink("/corpus"):
        os.remove("/corpus")
    os.symlink(os.path.join(base, name), "/corpus")
    answer = subprocess.run([sys.executable, __file__, "--one", "/corpus"], check=True, capture_output=True, text=True)
    out["variants"][name] = json.loads(answer.stdout)
os.remove("/corpus")
print(json.dumps(out, indent=1, sort_keys=True))
