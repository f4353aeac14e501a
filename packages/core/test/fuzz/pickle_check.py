"""Fuzz cross-check (stdlib only): does Python's pickle agree with the TypeScript decoder?

stdin:  JSON list of {"b64": <pickle bytes>, "ok": <ours decoded>, "ours": <tagged JSON of our decode> | null}
stdout: JSON list, one entry per case:
  {"py": "refused"}          Python needed a global / persistent id (never imported here: nothing executes)
  {"py": "error", "e": str}  Python's pickle.loads failed
  {"py": "ok", "same": bool, "skip": bool, "detail": str}
                              Python decoded it; `same` compares with `ours` (skip: ours uses a tag not rebuilt here)
"""
import base64
import io
import json
import math
import pickle
import sys


class Refused(Exception):
    pass


class Unsupported(Exception):
    pass


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise Refused("global %s.%s" % (module, name))

    def persistent_load(self, pid):
        raise Refused("persistent id")


def _float(x):
    if isinstance(x, str):
        return {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "-0": -0.0}[x]
    return float(x)


class Builder:
    def __init__(self):
        self.refs = {}

    def ptr(self, path):
        return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in path)

    def build(self, j, path):
        if j is None or isinstance(j, (bool, int, str)):
            return j
        if isinstance(j, float):
            return j
        if isinstance(j, list):
            out = []
            self.refs[self.ptr(path)] = out
            out.extend(self.build(x, path + [i]) for i, x in enumerate(j))
            return out
        tag = next(iter(j), None)
        if tag is None or not tag.startswith("$"):
            out = {}
            self.refs[self.ptr(path)] = out
            for k, v in j.items():
                out[k] = self.build(v, path + [k])
            return out
        v = j[tag]
        if tag == "$ref":
            return self.refs[v]
        if tag == "$bigint":
            return int(v)
        if tag == "$float":
            return _float(v)
        if tag == "$complex":
            return complex(_float(v[0]["$float"]), _float(v[1]["$float"]))
        if tag == "$bytes":
            return base64.b64decode(v)
        if tag == "$bytearray":
            out = bytearray(base64.b64decode(v))
            self.refs[self.ptr(path)] = out
            return out
        if tag == "$tuple":
            return tuple(self.build(x, path + ["$tuple", i]) for i, x in enumerate(v))
        if tag == "$dict":
            out = {}
            self.refs[self.ptr(path)] = out
            for i, (k, x) in enumerate(v):
                out[self.build(k, path + ["$dict", i, 0])] = self.build(x, path + ["$dict", i, 1])
            return out
        if tag == "$set":
            out = set()
            self.refs[self.ptr(path)] = out
            out.update(self.build(x, path + ["$set", i]) for i, x in enumerate(v))
            return out
        if tag == "$frozenset":
            return frozenset(self.build(x, path + ["$frozenset", i]) for i, x in enumerate(v))
        raise Unsupported(tag)


def canon(v, stack):
    """A structural, order-stable description of a value (types included); cycles through mutable containers
    are marked. Tuples are unfolded (tagged JSON copies a tuple instead of referring to it, so the same
    cyclic value may come back with a tuple repeated once more: equal as a value, not by identity)."""
    if id(v) in stack:
        return ["cycle"]
    if v is None:
        return ["none"]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        return ["float", "nan" if math.isnan(v) else repr(v)]
    if isinstance(v, complex):
        return ["complex", repr(v)]
    if isinstance(v, str):
        return ["str", v.encode("utf-8", "surrogatepass").hex()]
    if isinstance(v, (bytes, bytearray)):
        return [type(v).__name__, bytes(v).hex()]
    if not isinstance(v, tuple):
        stack = stack | {id(v)}
    if isinstance(v, (list, tuple)):
        return [type(v).__name__] + [canon(x, stack) for x in v]
    if isinstance(v, dict):
        return ["dict"] + [[canon(k, stack), canon(x, stack)] for k, x in v.items()]
    if isinstance(v, (set, frozenset)):
        return [type(v).__name__] + sorted(json.dumps(canon(x, stack)) for x in v)
    return ["other", type(v).__name__]


def main():
    sys.setrecursionlimit(10000)
    out = []
    for case in json.load(sys.stdin):
        data = base64.b64decode(case["b64"])
        try:
            value = SafeUnpickler(io.BytesIO(data)).load()
        except Refused:
            out.append({"py": "refused"})
            continue
        except Exception as e:  # any failure of Python's decoder
            out.append({"py": "error", "e": "%s: %s" % (type(e).__name__, str(e)[:200])})
            continue
        ours = case["ours"]
        if not case["ok"]:
            out.append({"py": "ok", "same": False, "skip": False, "detail": "python decoded, ours failed"})
            continue
        try:
            mine = Builder().build(ours, [])
        except Unsupported as u:
            out.append({"py": "ok", "same": False, "skip": True, "detail": "tag %s" % u})
            continue
        except Exception as e:
            out.append({"py": "ok", "same": False, "skip": False, "detail": "rebuild failed: %s" % e})
            continue
        try:
            a, b = canon(value, frozenset()), canon(mine, frozenset())
        except RecursionError:
            out.append({"py": "ok", "same": False, "skip": True, "detail": "too deep"})
            continue
        same = a == b
        out.append({"py": "ok", "same": same, "skip": False, "detail": "" if same else ("py=%s ours=%s" % (json.dumps(a)[:300], json.dumps(b)[:300]))})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
