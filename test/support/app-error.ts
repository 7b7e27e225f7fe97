import { expect } from 'vitest'
import { AppError, type AppErrorInfo } from '../../src/shared/errors'

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

/** Awaits `promise` and returns the info of the AppError it rejects with; fails the test when it resolves or rejects with something else. */
export async function appError(promise: Promise<unknown>): Promise<AppErrorInfo> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(AppError)
  return (error as AppError).info
}
