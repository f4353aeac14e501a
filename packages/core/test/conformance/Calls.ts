/**
 * The lookup calls of the oracle (`"Run('F/1')"`, `"'1' in Flow('F')"`, `"Task('F/1/s/2')['x']"`,
 * `"Metaflow()['F']"`, `"DataArtifact('…', attempt=0)"`), parsed from their Python text and rendered back
 * with Python's `repr` so that a round trip is itself checked.
 */
import type { Kind } from "../../src/Pathspec.js"

export interface Call {
  /** `Metaflow` for `Metaflow()[name]`. */
  readonly kind: Kind | "Metaflow"
  readonly pathspec: string
  /** `attempt=` argument: a number, or a string for `attempt='x'`. */
  readonly attempt?: number | string
  /** `C(p)[index]`. */
  readonly index?: string
  /** `'contains' in C(p)`. */
  readonly contains?: string
  /** Attempt lookups record `sha`, `attempt_id` and `value` instead of the pathspec. */
  readonly artifactDetails?: boolean
}

/** Python's `repr` of a str. */
export const pyRepr = (s: string): string => {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    if (ch === "\\") out += "\\\\"
    else if (ch === quote) out += "\\" + quote
    else if (ch === "\n") out += "\\n"
    else if (ch === "\r") out += "\\r"
    else if (ch === "\t") out += "\\t"
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0")
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\u" + cp.toString(16).padStart(4, "0")
    else if (cp >= 0x80 && cp <= 0xa0) out += "\\x" + cp.toString(16).padStart(2, "0")
    else out += ch
  }
  return out + quote
}

class Parser {
  i = 0
  constructor(readonly s: string) {}
  eat(t: string): boolean {
    if (this.s.startsWith(t, this.i)) {
      this.i += t.length
      return true
    }
    return false
  }
  expect(t: string): void {
    if (!this.eat(t)) throw new Error(`expected ${t} at ${this.i} in ${this.s}`)
  }
  str(): string {
    const q = this.s[this.i]
    if (q !== "'" && q !== '"') throw new Error(`expected a string at ${this.i} in ${this.s}`)
    this.i++
    let out = ""
    for (;;) {
      const c = this.s[this.i++]
      if (c === undefined) throw new Error(`unterminated string in ${this.s}`)
      if (c === q) return out
      if (c !== "\\") {
        out += c
        continue
      }
      const e = this.s[this.i++]
      const hex = (n: number) => {
        const h = this.s.slice(this.i, this.i + n)
        this.i += n
        return String.fromCodePoint(parseInt(h, 16))
      }
      if (e === "n") out += "\n"
      else if (e === "r") out += "\r"
      else if (e === "t") out += "\t"
      else if (e === "x") out += hex(2)
      else if (e === "u") out += hex(4)
      else if (e === "U") out += hex(8)
      else out += e
    }
  }
  int(): number {
    const m = /^-?\d+/.exec(this.s.slice(this.i))
    if (m === null) throw new Error(`expected an int at ${this.i} in ${this.s}`)
    this.i += m[0].length
    return Number(m[0])
  }
  ctor(): { kind: Kind; pathspec: string; attempt?: number | string } {
    const m = /^(Flow|Run|Step|Task|DataArtifact)\(/.exec(this.s.slice(this.i))
    if (m === null) throw new Error(`expected a constructor at ${this.i} in ${this.s}`)
    this.i += m[0].length
    const pathspec = this.str()
    let attempt: number | string | undefined
    if (this.eat(", attempt=")) {
      const c = this.s[this.i]
      attempt = c === "'" || c === '"' ? this.str() : this.int()
    }
    this.expect(")")
    return { kind: m[1] as Kind, pathspec, ...(attempt === undefined ? {} : { attempt }) }
  }
}

/** Parses a call of the oracle; throws on anything else. */
export const parseCall = (text: string): Call => {
  const p = new Parser(text)
  let call: Call
  if (p.eat("Metaflow()[")) {
    const index = p.str()
    p.expect("]")
    call = { kind: "Metaflow", pathspec: "", index }
  } else if (text.startsWith("'") || text.startsWith('"')) {
    const contains = p.str()
    p.expect(" in ")
    call = { ...p.ctor(), contains }
  } else {
    const c = p.ctor()
    if (p.eat("[")) {
      const index = p.str()
      p.expect("]")
      call = { ...c, index }
    } else call = c
  }
  if (p.i !== text.length) throw new Error(`trailing text at ${p.i} in ${text}`)
  return call
}

/** Renders a call as `oracle.py` writes it. */
export const formatCall = (c: Call): string => {
  if (c.kind === "Metaflow") return `Metaflow()[${pyRepr(c.index ?? "")}]`
  const attempt = c.attempt === undefined ? "" : `, attempt=${typeof c.attempt === "number" ? c.attempt : pyRepr(c.attempt)}`
  const ctor = `${c.kind}(${pyRepr(c.pathspec)}${attempt})`
  if (c.contains !== undefined) return `${pyRepr(c.contains)} in ${ctor}`
  if (c.index !== undefined) return `${ctor}[${pyRepr(c.index)}]`
  return ctor
}
