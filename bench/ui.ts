/**
 * `npx tsx bench/ui.ts`: the host table in headless Chromium (the built web shell, no Electron).
 *
 * 1. One poll's table update at 1,000 and 5,000 hosts (DigitalOcean droplets put straight into
 *    the fake's state, adopted as "found in cloud"), when nothing changed and when one host
 *    changed. Measured in the page, with nothing added to the app:
 *      - answer: the moment the `hosts:list` answer has been parsed (fetch is wrapped; its
 *        JSON.parse time and size are printed beside);
 *      - commit: the end of React's commit, from a minimal `__REACT_DEVTOOLS_GLOBAL_HOOK__`
 *        (React calls its `onCommitFiberRoot` after every commit, production builds included);
 *        "none" when React did not commit at all;
 *      - painted: the next frame after that commit (a requestAnimationFrame callback, then a
 *        message posted from it, which runs once the frame is drawn), or after the answer
 *        when nothing was committed.
 *    "answer -> commit" so includes TanStack Query taking the answer in (structural sharing)
 *    and React's render; rows re-rendered are the host rows whose props React replaced.
 * 2. The DOM node count with the table settled (`document.getElementsByTagName('*').length`).
 * 3. Cold start at 1,000 hosts: `out/main/web.js` (what `npm run web` starts once the build is
 *    current) spawned on a data folder already holding 1,000 hosts (simulated hosts, so no
 *    credential has to survive the restart), Chromium already running, to the first frame
 *    painted with host rows in the table.
 * Medians of several runs (BENCH_UI_RUNS, BENCH_UI_COLD_RUNS); BENCH_UI_HOSTS sets the sizes.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { HostsSnapshot, HostsUnchanged } from '../src/shared/contract'
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../test/fakes/digitalocean'
import { browserTestsBlocked, invokeApp, launchBrowser, seedDroplets, startWebApp, waitUntil, type RunningApp } from '../test/e2e/support'

const SIZES = (process.env.BENCH_UI_HOSTS ?? '1000,5000').split(',').map(Number)
const RUNS = Number(process.env.BENCH_UI_RUNS ?? 7)
const COLD_RUNS = Number(process.env.BENCH_UI_COLD_RUNS ?? 5)
const COLD_HOSTS = 1_000
const VIEWPORT = { width: 1280, height: 860 }
/** main starts a refresh from a list only when the last is older than 1.5 s (MIN_REFRESH_INTERVAL_MS). */
const BETWEEN_RUNS_MS = 2_000

/** Installed before the page's own scripts (addInitScript); plain JavaScript, it runs in the page. */
const PROBE = `(() => {
  const probe = { answers: [], commits: [], watch: undefined }
  window.__hostsProbe = probe
  const frameAfter = (done) => requestAnimationFrame(() => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => done(performance.now())
    channel.port2.postMessage(0)
  })
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject() { return 1 },
    onCommitFiberRoot() {
      const at = performance.now()
      probe.commits.push(at)
      const watch = probe.watch
      if (watch && watch.answer && watch.commit === undefined) {
        watch.commit = at
        frameAfter((painted) => { watch.painted = painted })
      }
    },
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    checkDCE() {},
  }
  const realFetch = window.fetch.bind(window)
  window.fetch = async (input, init) => {
    const response = await realFetch(input, init)
    if (!String(typeof input === 'string' ? input : input.url).includes('hosts%3Alist')) return response
    response.json = async () => {
      const text = await response.text()
      const started = performance.now()
      const value = JSON.parse(text)
      const at = performance.now()
      const answer = { at, parseMs: at - started, bytes: text.length, unchanged: Boolean(value && value.data && value.data.unchanged) }
      probe.answers.push(answer)
      const watch = probe.watch
      if (watch && !watch.answer && answer.unchanged === watch.unchanged) {
        watch.answer = answer
        frameAfter((painted) => { watch.frameAfterAnswer = painted })
      }
      return value
    }
    return response
  }
  const propsKey = (element) => Object.keys(element).find((key) => key.startsWith('__reactProps$'))
  const rowProps = () => new Map([...document.querySelectorAll('[data-testid="host-row"]')].map((row) => [row.getAttribute('data-host-id'), row[propsKey(row)]]))
  /** Watch for the next answer of this kind ("unchanged" or a full one). */
  probe.arm = (unchanged) => {
    const table = document.querySelector('[data-testid="hosts-table"]')
    const watch = { unchanged, before: rowProps(), mutations: 0 }
    watch.observer = new MutationObserver((records) => { watch.mutations += records.length })
    watch.observer.observe(table, { subtree: true, childList: true, attributes: true, characterData: true })
    probe.watch = watch
  }
  /** Resolves once the answer came and its frame (after the commit, if any) was drawn. */
  probe.result = () => new Promise((resolve, reject) => {
    const watch = probe.watch
    const deadline = performance.now() + 90000
    const check = () => {
      const settled = watch.answer && (watch.commit !== undefined ? watch.painted !== undefined : watch.frameAfterAnswer !== undefined && performance.now() - watch.answer.at > 500)
      if (settled) {
        watch.observer.disconnect()
        const after = rowProps()
        let rerendered = 0
        for (const [id, props] of after) if (watch.before.has(id) && watch.before.get(id) !== props) rerendered++
        const answer = watch.answer
        resolve({
          parseMs: answer.parseMs,
          bytes: answer.bytes,
          commitMs: watch.commit === undefined ? null : watch.commit - answer.at,
          paintMs: (watch.commit === undefined ? watch.frameAfterAnswer : watch.painted) - answer.at,
          rerendered,
          mutations: watch.mutations,
        })
        probe.watch = undefined
      } else if (performance.now() > deadline) reject(new Error('no ' + (watch.unchanged ? 'unchanged' : 'full') + ' hosts:list answer within 90 s; the last answers: ' + JSON.stringify(probe.answers.slice(-3)) + ' at ' + performance.now()))
      else setTimeout(check, 50)
    }
    check()
  })
})()`

/** Marks the first frame drawn with host rows in the table, as epoch ms. */
const COLD_PROBE = `(() => {
  const probe = { answeredAt: undefined, paintedAt: undefined }
  window.__coldProbe = probe
  const epoch = () => performance.timeOrigin + performance.now()
  const realFetch = window.fetch.bind(window)
  window.fetch = async (input, init) => {
    const response = await realFetch(input, init)
    if (probe.answeredAt === undefined && String(typeof input === 'string' ? input : input.url).includes('hosts%3Alist')) probe.answeredAt = epoch()
    return response
  }
  const observer = new MutationObserver(() => {
    if (!document.querySelector('[data-testid="host-row"]')) return
    observer.disconnect()
    requestAnimationFrame(() => {
      const channel = new MessageChannel()
      channel.port1.onmessage = () => { probe.paintedAt = epoch() }
      channel.port2.postMessage(0)
    })
  })
  observer.observe(document, { subtree: true, childList: true })
})()`

interface UpdateResult {
  parseMs: number
  bytes: number
  commitMs: number | null
  paintMs: number
  rerendered: number
  mutations: number
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const ms = (value: number): string => `${value.toFixed(1)} ms`
const sleep = (delay: number): Promise<void> => new Promise((done) => setTimeout(done, delay))

/** Builds the app the way `npm run web` does: only when the sources changed since the last build. */
async function ensureBuild(): Promise<void> {
  const root = resolve('.')
  const { buildIsCurrent, newestInput, stampBuild } = (await import(join(root, 'scripts', 'build-current.mjs'))) as {
    buildIsCurrent(root: string): boolean
    newestInput(root: string): number
    stampBuild(root: string, newest: number): void
  }
  const started = performance.now()
  const current = buildIsCurrent(root)
  const checkMs = performance.now() - started
  if (!current) {
    console.log('Building the app first (the sources changed since the last build) ...')
    const newest = newestInput(root)
    const build = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    if (build.status !== 0) throw new Error('The build failed.')
    stampBuild(root, newest)
  }
  buildCheckMs = checkMs
}
let buildCheckMs = 0

async function hostCount(app: RunningApp): Promise<number> {
  const answer = await invokeApp<HostsSnapshot | HostsUnchanged>(app, 'hosts:list', {})
  return 'hosts' in answer ? answer.hosts.length : 0
}

/** Until React has committed nothing for `quietMs`: readiness results and the first measurements have landed. */
async function settle(page: Page, quietMs = 2_500): Promise<void> {
  await waitUntil('the table to settle', () => page.evaluate<boolean>(`performance.now() - (window.__hostsProbe.commits.at(-1) ?? 0) > ${quietMs}`), 60_000, 250)
}

async function measureUpdate(page: Page, unchanged: boolean, trigger: () => void): Promise<UpdateResult> {
  await page.evaluate(`window.__hostsProbe.arm(${unchanged})`)
  trigger()
  const result = page.evaluate<UpdateResult>('window.__hostsProbe.result()')
  let done = false
  void result.finally(() => (done = true)).catch(() => undefined)
  // TanStack Query refetches stale queries when the window "comes back": the table's own poll,
  // now. A change in the cloud shows once main's refresh has run, which each list may start
  // (at 5,000 hosts main's request budget allows one every few seconds): keep polling till then.
  while (!done) {
    await page.evaluate("window.dispatchEvent(new Event('visibilitychange'))")
    if (unchanged) break
    await Promise.race([result.catch(() => undefined), sleep(2_500)])
  }
  return result
}

function summary(results: UpdateResult[]): string {
  const commits = results.map((result) => result.commitMs).filter((value): value is number => value !== null)
  const commit = commits.length === 0 ? 'none' : `${ms(median(commits))}${commits.length < results.length ? ` (${results.length - commits.length} of ${results.length} none)` : ''}`
  return [
    `${Math.round(median(results.map((result) => result.bytes)) / 1024)} kB, parse ${ms(median(results.map((result) => result.parseMs)))}`.padEnd(26),
    `commit ${commit}`.padEnd(32),
    `painted ${ms(median(results.map((result) => result.paintMs)))}`.padEnd(20),
    `(runs ${results.map((result) => Math.round(result.paintMs)).join(', ')})`.padEnd(36),
    `rows re-rendered ${median(results.map((result) => result.rerendered))}, DOM mutations ${median(results.map((result) => result.mutations))}`,
  ].join('')
}

async function pollUpdates(browser: Browser, count: number): Promise<void> {
  const fake: FakeDigitalOcean = await startFakeDigitalOcean({ account: { droplet_limit: count + 10 }, requestBudget: Number.MAX_SAFE_INTEGER })
  seedDroplets(fake, count)
  const app = await startWebApp({ EXITDESK_SECRET_STORE: 'memory' })
  try {
    await invokeApp(app, 'accounts:add', { cloud: 'digitalocean', label: 'bench', endpoint: fake.url, credentials: { token: fake.token } })
    await waitUntil(`main to adopt ${count} droplets`, async () => (await hostCount(app)) === count, 120_000, 500)
    const context = await browser.newContext({ viewport: VIEWPORT })
    await context.addInitScript(PROBE)
    const page = await context.newPage()
    await page.goto(app.url)
    await waitUntil('the table to list every host', async () => (await page.getByTestId('hosts-table').getAttribute('aria-rowcount').catch(() => null)) === String(count + 1), 60_000)
    await settle(page)
    const nodes = await page.evaluate<number>("document.getElementsByTagName('*').length")
    const rows = await page.locator('[data-testid="host-row"]').count()

    const unchanged: UpdateResult[] = []
    for (let run = 0; run < RUNS; run++) {
      await sleep(BETWEEN_RUNS_MS)
      unchanged.push(await measureUpdate(page, true, () => undefined))
    }
    // The newest host (the table's first row, in view) is switched off and on again in the cloud.
    const first = fake.state.droplets.get(7_000_000)!
    const changed: UpdateResult[] = []
    for (let run = 0; run < RUNS; run++) {
      await sleep(BETWEEN_RUNS_MS)
      changed.push(await measureUpdate(page, false, () => (first.status = first.status === 'active' ? 'off' : 'active')))
    }
    console.log(`${String(count).padEnd(7)}${'DOM'.padEnd(18)}${nodes} nodes, ${rows} host rows rendered`)
    console.log(`${''.padEnd(7)}${'nothing changed'.padEnd(18)}${summary(unchanged)}`)
    console.log(`${''.padEnd(7)}${'one host changed'.padEnd(18)}${summary(changed)}`)
    await context.close()
  } finally {
    await app.stop()
    await fake.close()
  }
}

/** A data folder whose ledger holds `count` hosts: simulated instances carrying the app's tags, adopted by one run of the app. */
async function dataFolderWithHosts(count: number): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-bench-ui-'))
  const now = Date.now()
  const instances = Array.from({ length: count }, (_, n) => ({
    id: `sim-${n + 1}`,
    name: `exit-cold-${String(n).padStart(5, '0')}`,
    region: n % 2 ? 'sim-local-2' : 'sim-local-1',
    plan: 'sim-nano',
    tags: ['exitdesk', `exitdesk-host-cold-${n}`],
    createdAtMs: now - 3_600_000 - n * 60_000,
    ipv4: `203.0.113.${(n % 254) + 1}`,
  }))
  await writeFile(join(dataDir, 'simulated-cloud.json'), JSON.stringify({ nextNumber: count + 1, instances, firewalls: [] }))
  const app = await startWebApp({ EXITDESK_SECRET_STORE: 'memory' }, { dataDir })
  try {
    await waitUntil(`the simulated cloud's ${count} hosts to be adopted`, async () => (await hostCount(app)) === count, 120_000, 500)
  } finally {
    await app.stop()
  }
  const ledger = JSON.parse(await readFile(join(dataDir, 'exitdesk-ledger.json'), 'utf8')) as { hosts?: unknown[] }
  if ((ledger.hosts?.length ?? 0) < count) throw new Error(`The ledger holds ${ledger.hosts?.length ?? 0} hosts, not ${count}.`)
  return dataDir
}

async function coldStart(browser: Browser): Promise<void> {
  if (COLD_RUNS < 1) return
  const dataDir = await dataFolderWithHosts(COLD_HOSTS)
  const runs: Array<{ url: number; answered: number; painted: number }> = []
  for (let run = 0; run < COLD_RUNS; run++) {
    const context = await browser.newContext({ viewport: VIEWPORT })
    await context.addInitScript(COLD_PROBE)
    const page = await context.newPage()
    const spawned = Date.now()
    const app = await startWebApp({ EXITDESK_SECRET_STORE: 'memory' }, { dataDir })
    const printed = Date.now()
    try {
      await page.goto(app.url)
      await waitUntil('the table to be painted', () => page.evaluate<boolean>('window.__coldProbe.paintedAt !== undefined'), 30_000, 20)
      const probe = await page.evaluate<{ answeredAt: number; paintedAt: number }>('window.__coldProbe')
      runs.push({ url: printed - spawned, answered: probe.answeredAt - spawned, painted: probe.paintedAt - spawned })
    } finally {
      await context.close()
      await app.stop()
    }
  }
  console.log(
    `${String(COLD_HOSTS).padEnd(7)}${'cold start'.padEnd(18)}${`address printed ${ms(median(runs.map((r) => r.url)))}`.padEnd(26)}${`first hosts:list ${ms(median(runs.map((r) => r.answered)))}`.padEnd(28)}table painted ${ms(median(runs.map((r) => r.painted)))} (median of ${runs.length}; runs ${runs.map((r) => Math.round(r.painted)).join(', ')} ms)`,
  )
  console.log(`${''.padEnd(7)}${''.padEnd(18)}(\`npm run web\` first checks that the build is current: ${ms(buildCheckMs)} here)`)
}

async function main(): Promise<void> {
  const blocked = browserTestsBlocked()
  if (blocked && !blocked.includes('npm run build')) throw new Error(blocked)
  await ensureBuild()
  const browser = await launchBrowser()
  try {
    console.log(`\nThe host table in Chromium (${VIEWPORT.width}x${VIEWPORT.height}): one poll's update, medians of ${RUNS}, in ms after the hosts:list answer was parsed in the page`)
    console.log('(commit: React finished committing; painted: the next frame drawn after it, so up to one frame interval of waiting is included)\n')
    for (const count of SIZES) await pollUpdates(browser, count)
    console.log('')
    await coldStart(browser)
  } finally {
    await browser.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
