/** `npm run web` builds only when the sources changed since the last build (scripts/build-current.mjs). */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildIsCurrent, newestInput, stampBuild } from '../../scripts/build-current.mjs'

const made: string[] = []
let project: string
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function builtProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exitdesk-build-'))
  made.push(dir)
  await mkdir(join(dir, 'src', 'main'), { recursive: true })
  await writeFile(join(dir, 'src', 'main', 'core.ts'), 'export {}\n')
  await writeFile(join(dir, 'package.json'), '{}\n')
  for (const output of ['main/web.js', 'main/index.js', 'renderer/index.html']) {
    await mkdir(join(dir, 'out', output, '..'), { recursive: true })
    await writeFile(join(dir, 'out', output), '')
  }
  stampBuild(dir, newestInput(dir))
  return dir
}

describe('build freshness', () => {
  it('a build of the sources as they are is current', async () => {
    project = await builtProject()
    expect(buildIsCurrent(project)).toBe(true)
  })

  it('a source changed after the build, a missing entry or a missing stamp means build again', async () => {
    project = await builtProject()
    const later = new Date(Date.now() + 60_000)
    await utimes(join(project, 'src', 'main', 'core.ts'), later, later)
    expect(buildIsCurrent(project)).toBe(false)

    project = await builtProject()
    await rm(join(project, 'out', 'main', 'web.js'))
    expect(buildIsCurrent(project)).toBe(false)

    project = await builtProject()
    await rm(join(project, 'out', '.build-inputs.json'))
    expect(buildIsCurrent(project)).toBe(false)
  })
})
