/**
 * A `ParseIssue` says why a user's conda environment file or pip requirements file could not be
 * read: the line and column (1-based) where the problem is, the path of the offending value inside
 * the document when it has one (`dependencies[2].pip[0]`), and what was expected. Pure data; no IO.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * One problem in a parsed file.
 *
 * @category models
 * @since 0.1.0
 */
export interface ParseIssue {
  readonly line: number
  readonly column: number
  /** Where in the document (`channels[1]`, `dependencies[3].pip[0]`); absent for line-based formats. */
  readonly path?: string
  readonly message: string
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A parse issue at `line`:`column`, optionally at a document path.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (line: number, column: number, message: string, path?: string): ParseIssue =>
  path === undefined ? { line, column, message } : { line, column, path, message }

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * One line for a human, as compilers print it: `environment.yml:3:5: dependencies[2]: expected a string`.
 *
 * @category accessors
 * @since 0.1.0
 */
export const format = (issue: ParseIssue, file?: string): string =>
  `${file === undefined ? "" : `${file}:`}${issue.line}:${issue.column}: ${issue.path === undefined || issue.path === "" ? "" : `${issue.path}: `}${issue.message}`
