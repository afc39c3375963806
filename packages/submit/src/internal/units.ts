/**
 * Unit conversions the plans need: Docker's size strings to bytes, seconds to ISO-8601 durations.
 *
 * @internal
 */

const SIZE = /^(\d+)([bkmg])$/i
const MULTIPLIERS: { readonly [unit: string]: number } = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/**
 * `"2g"` → 2147483648: Docker's `--shm-size` units, 1024-based (`b`, `k`, `m`, `g`, any case).
 * `undefined` for a string that is not a size.
 *
 * @internal
 */
export const parseSize = (size: string): number | undefined => {
  const match = SIZE.exec(size)
  if (match === null) return undefined
  return Number(match[1]) * (MULTIPLIERS[(match[2] ?? "b").toLowerCase()] ?? 1)
}

/**
 * Whole seconds as an ISO-8601 duration with days, hours, minutes and seconds
 * (`900` → `PT15M`, `90061` → `P1DT1H1M1S`), as Python's `isodate` writes a `timedelta`.
 *
 * @internal
 */
export const isoDuration = (totalSeconds: number): string => {
  const days = Math.floor(totalSeconds / 86_400)
  const hours = Math.floor((totalSeconds % 86_400) / 3_600)
  const minutes = Math.floor((totalSeconds % 3_600) / 60)
  const seconds = totalSeconds % 60
  const date = days > 0 ? `${days}D` : ""
  const time = `${hours > 0 ? `${hours}H` : ""}${minutes > 0 ? `${minutes}M` : ""}${seconds > 0 ? `${seconds}S` : ""}`
  if (date === "" && time === "") return "PT0S"
  return `P${date}${time === "" ? "" : `T${time}`}`
}
