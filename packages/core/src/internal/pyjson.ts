/**
 * Compact JSON text exactly as Python's `json.dumps(v, ensure_ascii=True, separators=(",", ":"))` writes the
 * tagged JSON (floats under `"$float"` in `repr` form, non-ASCII and DEL as `\uXXXX`). Iterative: deep values
 * cannot overflow the JS stack. @internal
 */

/** Python `repr(float)` of a finite number. */
export const pyFloatRepr = (x: number): string => {
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0"
  const sign = x < 0 ? "-" : ""
  const exp = Math.abs(x).toExponential() // shortest round-trip digits
  const e = exp.indexOf("e")
  const digits = exp.slice(0, e).replace(".", "")
  const decpt = Number(exp.slice(e + 1)) + 1
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`
    if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  const ex = decpt - 1
  return `${sign}${mant}e${ex < 0 ? "-" : "+"}${String(Math.abs(ex)).padStart(2, "0")}`
}

const NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f-\uffff]/

/** A JSON string literal with Python's `ensure_ascii` escaping. */
export const pyJsonString = (s: string): string => {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`
  let out = "\""
  let run = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue
    out += s.slice(run, i)
    run = i + 1
    switch (c) {
      case 0x22: out += "\\\""; break
      case 0x5c: out += "\\\\"; break
      case 0x0a: out += "\\n"; break
      case 0x0d: out += "\\r"; break
      case 0x09: out += "\\t"; break
      case 0x08: out += "\\b"; break
      case 0x0c: out += "\\f"; break
      default: out += "\\u" + c.toString(16).padStart(4, "0")
    }
  }
  return out + s.slice(run) + "\""
}

const LIT = 1
const VAL = 0
const FLOAT = 2

/** Canonical compact JSON of a tagged-JSON value (Python-identical text). */
export const pyJsonStringify = (root: unknown): string => {
  const out: Array<string> = []
  const vals: Array<unknown> = [root]
  const kinds: Array<number> = [VAL]
  while (vals.length > 0) {
    const v = vals.pop()
    const k = kinds.pop()!
    if (k === LIT) {
      out.push(v as string)
      continue
    }
    if (v === null) out.push("null")
    else if (typeof v === "boolean") out.push(v ? "true" : "false")
    else if (typeof v === "number") out.push(k === FLOAT && Number.isFinite(v) ? pyFloatRepr(v) : String(v))
    else if (typeof v === "string") out.push(pyJsonString(v))
    else if (Array.isArray(v)) {
      out.push("[")
      vals.push("]")
      kinds.push(LIT)
      for (let i = v.length - 1; i >= 0; i--) {
        vals.push(v[i])
        kinds.push(VAL)
        if (i > 0) {
          vals.push(",")
          kinds.push(LIT)
        }
      }
    } else if (typeof v === "object") {
      const o = v as Record<string, unknown>
      const keys = Object.keys(o)
      out.push("{")
      vals.push("}")
      kinds.push(LIT)
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]
        vals.push(o[key])
        kinds.push(key === "$float" ? FLOAT : VAL)
        vals.push(pyJsonString(key) + ":")
        kinds.push(LIT)
        if (i > 0) {
          vals.push(",")
          kinds.push(LIT)
        }
      }
    } else {
      throw new TypeError(`not JSON: ${typeof v}`)
    }
  }
  return out.join("")
}
