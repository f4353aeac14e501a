"""Test helper (stdlib only): rebuild Python values from tagged JSON and pickle them at protocols 0..5.

stdin:  JSON list of tagged-JSON values (format version 1, see testdata/fixtures README)
stdout: JSON list; for each value a list of 6 base64 pickles (protocols 0..5), or {"error": "..."}
"""
import base64
import collections  # noqa: F401  (resolved by name)
import datetime
import decimal
import importlib
import json
import pickle
import sys
import uuid
import zoneinfo


def _float(x):
    return {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "-0": -0.0}.get(x, x) if isinstance(x, str) else float(x)


def _td(x):
    t = x["$timedelta"]
    return datetime.timedelta(days=t["days"], seconds=t["seconds"], microseconds=t["microseconds"])


def _resolve(module, name):
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


class Builder:
    def __init__(self):
        self.refs = {}

    def ptr(self, path):
        return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in path)

    def build(self, j, path):
        if j is None or isinstance(j, (bool, int, str)):
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
        if tag in ("$datetime", "$time"):
            tz = self.build(j["tzinfo"], path + ["tzinfo"]) if "tzinfo" in j else None
            if tag == "$datetime":
                out = datetime.datetime.fromisoformat(v)
            else:
                out = datetime.time.fromisoformat(v)
            return out.replace(tzinfo=tz, fold=j.get("fold", 0))
        if tag == "$date":
            return datetime.date.fromisoformat(v)
        if tag == "$timedelta":
            return _td(j)
        if tag == "$timezone":
            off = _td(v["offset"])
            return datetime.timezone(off, v["name"]) if v["name"] is not None else datetime.timezone(off)
        if tag == "$zoneinfo":
            return zoneinfo.ZoneInfo(v)
        if tag == "$decimal":
            return decimal.Decimal(v)
        if tag == "$uuid":
            return uuid.UUID(v)
        if tag == "$global":
            return _resolve(v["module"], v["name"])
        if tag == "$object":
            cls = _resolve(v["module"], v["name"])
            base = path + ["$object"]
            args = [self.build(x, base + ["args", i]) for i, x in enumerate(v["args"])]
            kwargs = self.build(v["kwargs"], base + ["kwargs"]) if "kwargs" in v else {}
            obj = cls.__new__(cls, *args, **kwargs) if v["via"] == "new" else cls(*args)
            self.refs[self.ptr(path)] = obj
            if "state" in v:
                state = self.build(v["state"], base + ["state"])
                if hasattr(obj, "__setstate__"):
                    obj.__setstate__(state)
                else:
                    obj.__dict__.update(state)
            for i, x in enumerate(v.get("listitems", [])):
                obj.append(self.build(x, base + ["listitems", i]))
            for i, (k, x) in enumerate(v.get("dictitems", [])):
                obj[self.build(k, base + ["dictitems", i, 0])] = self.build(x, base + ["dictitems", i, 1])
            return obj
        raise ValueError("unknown tag " + tag)


def main():
    values = json.load(sys.stdin)
    out = []
    for j in values:
        try:
            v = Builder().build(j, [])
            out.append([base64.b64encode(pickle.dumps(v, protocol=p)).decode("ascii") for p in range(6)])
        except Exception as e:  # reported back to the test, which fails on it
            out.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
