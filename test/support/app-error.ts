import { AppError } from '../../src/shared/errors'

/** Runs `fn` and returns the AppError it throws; fails when it throws nothing or something else. */
export function appErrorOf(fn: () => unknown): AppError {
  try {
    fn()
  } catch (error) {
    if (error instanceof AppError) return error
    throw error
  }
  throw new Error('expected an AppError, but nothing was thrown')
}
