/**
 * Observing the requests a service provider sends: one event per HTTP attempt (retries included), for
 * benchmarks, logs and tests that count round trips.
 *
 * @since 0.1.0
 */

/**
 * One HTTP attempt.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestEvent {
  readonly method: string
  /** Full URL, query included. */
  readonly url: string
  /** Path relative to the service root, without the query (`/flows/F/runs`). */
  readonly path: string
  /** HTTP status, or `undefined` when no response came (timeout, connection error). */
  readonly status: number | undefined
  /** 1 for the first try of a request, 2 for its first retry, ... */
  readonly attempt: number
  readonly durationMs: number
  /** Why the attempt failed, when it did (transport error, timeout, bad body). */
  readonly error?: string
}

/**
 * A callback receiving every {@link RequestEvent}. It must not throw.
 *
 * @since 0.1.0
 * @category models
 */
export type Observer = (event: RequestEvent) => void

/**
 * A mutable request counter to pass as the provider's `onRequest` option.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestCounter {
  readonly onRequest: Observer
  /** Number of HTTP attempts seen so far. */
  readonly total: () => number
  /** Every event, oldest first. */
  readonly events: () => ReadonlyArray<RequestEvent>
  /** Attempts per route shape (ids replaced by `{flow}`, `{run}`, ...). */
  readonly byRoute: () => Readonly<Record<string, number>>
  readonly reset: () => void
}

const placeholder: Readonly<Record<string, string>> = {
  flows: "{flow}",
  runs: "{run}",
  steps: "{step}",
  tasks: "{task}",
  artifacts: "{name}",
  attempt: "{attempt}"
}

/**
 * The route shape of a service path: `/flows/F/runs/3/steps/s/tasks` → `/flows/{flow}/runs/{run}/steps/{step}/tasks`.
 *
 * @since 0.1.0
 * @category utils
 */
export const routeOf = (path: string): string => {
  const parts = path.split("/")
  for (let i = 1; i < parts.length; i++) {
    const name = placeholder[parts[i - 1]!]
    if (name !== undefined && parts[i] !== "") parts[i] = name
  }
  return parts.join("/")
}

/**
 * Creates a {@link RequestCounter}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const requestCounter = (): RequestCounter => {
  let events: Array<RequestEvent> = []
  return {
    onRequest: (event) => {
      events.push(event)
    },
    total: () => events.length,
    events: () => events,
    byRoute: () => {
      const out: Record<string, number> = {}
      for (const e of events) {
        const r = `${e.method} ${routeOf(e.path)}`
        out[r] = (out[r] ?? 0) + 1
      }
      return out
    },
    reset: () => {
      events = []
    }
  }
}
