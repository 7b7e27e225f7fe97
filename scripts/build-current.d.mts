/** Types of ./build-current.mjs, for the tests. */
export function newestInput(root: string): number
export function buildIsCurrent(root: string): boolean
export function stampBuild(root: string, newest: number): void
