/**
 * POSIX shell quoting, for the one place a command line is a string: the Azure ML job
 * `command`. Every other backend passes argv items as they are.
 *
 * @internal
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/

/**
 * One argv item as a POSIX shell word: left bare when it has only characters no shell treats
 * specially, otherwise in single quotes with each `'` written as `'\''`.
 *
 * @internal
 */
export const quote = (word: string): string => (SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)

/**
 * argv as one command line whose word splitting gives back the items.
 *
 * @internal
 */
export const join = (argv: ReadonlyArray<string>): string => argv.map(quote).join(" ")
