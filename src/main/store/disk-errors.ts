/**
 * Start-up problems with the data folder, as sentences that name the path and say what to do:
 * the person starting Exitdesk sees these (terminal or error box), never "EISDIR" or a stack.
 */
import { AppError } from '../../shared/errors'

const HOW_TO_MOVE = 'or set EXITDESK_DATA_DIR to another folder'

/** The data folder itself cannot be made or written to. */
export function dataDirProblem(error: unknown, dataDir: string): AppError {
  const code = errnoCode(error)
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return problem(`Exitdesk may not write to its data folder ${dataDir} (permission denied). Check the folder's owner and permissions, ${HOW_TO_MOVE}.`)
    case 'EEXIST':
    case 'ENOTDIR':
      return problem(`Exitdesk's data folder ${dataDir} cannot be created because a file is in the way (that path, or a folder above it, is a file). Move the file away, ${HOW_TO_MOVE}.`)
    case 'EROFS':
      return problem(`Exitdesk's data folder ${dataDir} is on a read-only file system. Start Exitdesk with a writable folder: set EXITDESK_DATA_DIR.`)
    case 'ENOSPC':
    case 'EDQUOT':
      return problem(`The disk holding Exitdesk's data folder ${dataDir} is full. Free some space and start Exitdesk again.`)
    default:
      return problem(`Exitdesk could not use its data folder ${dataDir}${code ? ` (${code})` : ''}. Check that it is a folder you may write to, ${HOW_TO_MOVE}.`)
  }
}

/** The records file exists but cannot be read (not: its contents are damaged — that is recovered). */
export function ledgerFileProblem(error: unknown, file: string): AppError {
  const code = errnoCode(error)
  switch (code) {
    case 'EISDIR':
      return problem(`Exitdesk's records file ${file} is a folder, not a file. Move that folder away and start Exitdesk again.`)
    case 'EACCES':
    case 'EPERM':
      return problem(`Exitdesk may not read its records file ${file} (permission denied). Check the file's owner and permissions and start Exitdesk again.`)
    default:
      return problem(`Exitdesk could not read its records file ${file}${code ? ` (${code})` : ''}. Check that it is a file you may read and write, and start Exitdesk again.`)
  }
}

function problem(message: string): AppError {
  return new AppError({ code: 'internal', message, retryable: false })
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined
}
