"""Generates the numpy/pandas golden pickles under ../data/numpy (run once; needs numpy + pandas).

    python3 -m venv /tmp/np && /tmp/np/bin/pip install numpy pandas
    /tmp/np/bin/python packages/core/test/pickle/gen/numpy_fixtures.py

For each case it writes <name>.pickle (protocol 4, like Metaflow) and <name>.json with the expected
interpretation: ndarray → {dtype, shape, fortran, data}; DataFrame/Series → {index, columns: [{name, dtype, values}]}.
"""
import json
import math
import os
import pickle
import sys

import numpy as np
import pandas as pd

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "numpy")


def plain(x):
    """JSON for expected values: floats as {"$float": ...} like tagged JSON, ints as numbers/bigints, datetimes as ns ints."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        x = int(x)
        return x if abs(x) <= 2**53 - 1 else {"$bigint": str(x)}
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return {"$float": "nan"}
        if math.isinf(x):
            return {"$float": "inf" if x > 0 else "-inf"}
        if x == 0.0 and math.copysign(1.0, x) < 0:
            return {"$float": "-0"}
        return {"$float": x}
    if isinstance(x, complex):
        return [plain(x.real), plain(x.imag)]
    if isinstance(x, (np.complexfloating,)):
        return [plain(float(x.real)), plain(float(x.imag))]
    if isinstance(x, (str, type(None))):
        return x
    if isinstance(x, np.datetime64):
        return int(x.astype("datetime64[ns]").astype("int64"))
    if isinstance(x, (pd.Timestamp,)):
        return int(x.value)
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    raise TypeError(type(x))


def ndarray_expect(a):
    return {
        "kind": "ndarray",
        "dtype": a.dtype.str,
        "shape": list(a.shape),
        "fortran": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
        "data": plain(a.ravel(order="K" if a.flags.f_contiguous and not a.flags.c_contiguous else "C").tolist())
        if a.dtype.kind != "M"
        else [int(v) for v in a.ravel().astype("int64")],
    }


def column_values(s):
    if s.dtype.kind == "M":
        return [None if pd.isna(v) else int(pd.Timestamp(v).value) for v in s]
    return [plain(v) for v in s.tolist()]


def frame_expect(df):
    return {
        "kind": "dataframe",
        "index": plain(list(df.index)),
        "columns": [{"name": str(c), "dtype": str(df[c].dtype), "values": column_values(df[c])} for c in df.columns],
    }


def series_expect(s):
    return {"kind": "series", "name": s.name, "index": plain(list(s.index)), "dtype": str(s.dtype), "values": column_values(s)}


CASES = {
    "int64_2d": np.array([[1, 2, 3], [4, 5, -6]], dtype="<i8"),
    "float64_special": np.array([1.5, float("nan"), float("inf"), -0.0, 1e300]),
    "float32": np.array([0.5, -2.25], dtype="<f4"),
    "int32_big_endian": np.array([1, -2, 70000], dtype=">i4"),
    "uint8": np.arange(10, dtype="u1"),
    "int16": np.array([-32768, 32767], dtype="<i2"),
    "uint64": np.array([0, 2**64 - 1], dtype="<u8"),
    "bool": np.array([True, False, True]),
    "complex128": np.array([1 + 2j, -0.5j]),
    "fortran_order": np.asfortranarray(np.arange(6, dtype="<i8").reshape(2, 3)),
    "object": np.array(["a", 1, None], dtype=object),
    "empty": np.zeros((0, 3)),
    "datetime64_ns": np.array(["2024-01-01T00:00:00", "1970-01-01T00:00:01"], dtype="datetime64[ns]"),
    "scalar_float64": np.float64(2.5),
    "scalar_int32": np.int32(-7),
    "frame_mixed": pd.DataFrame(
        {
            "a": [1, 2, 3],
            "b": [1.5, 2.5, float("nan")],
            "s": ["x", "y", "z"],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-02-29"]),
            "f": [True, False, True],
            "a2": [10, 20, 30],
        }
    ),
    "frame_object_str": pd.DataFrame({"name": pd.Series(["p", "q"], dtype=object), "v": [0.25, 0.5]}),
    "frame_str_index": pd.DataFrame({"v": [1, 2]}, index=["r1", "r2"]),
    "series_float": pd.Series([1.0, 2.0, 3.0], name="x"),
    "series_str": pd.Series(["a", "b"], name="letters"),
}


def expect(v):
    if isinstance(v, pd.DataFrame):
        return frame_expect(v)
    if isinstance(v, pd.Series):
        return series_expect(v)
    if isinstance(v, np.ndarray):
        return ndarray_expect(v)
    return {"kind": "scalar", "dtype": v.dtype.str, "value": plain(v.item()) if v.dtype.kind != "M" else int(v)}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, v in CASES.items():
        with open(os.path.join(OUT, name + ".pickle"), "wb") as f:
            f.write(pickle.dumps(v, protocol=4))
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(expect(v), f, indent=1)
            f.write("\n")
    with open(os.path.join(OUT, "VERSIONS.txt"), "w") as f:
        f.write("python %s\nnumpy %s\npandas %s\n" % (sys.version.split()[0], np.__version__, pd.__version__))


if __name__ == "__main__":
    main()
