/**
 * Node flags for a process that runs Exitdesk's core outside Electron (`npm run web`, and the
 * benchmark that measures it). https://nodejs.org/api/cli.html#v8-options
 *
 * The core's live heap is small (about 18 MB with 1,000 hosts, 27 MB with 5,000: bench/polling.ts),
 * but a refresh of thousands of hosts parses megabytes of JSON that die at once, and with V8's
 * defaults the heap grew far past what is live: on a 24 GiB machine the young generation alone
 * reached 128 MB, and the old generation was let grow to several times its live size between
 * full collections, so RSS sat near 260 MB at 1,000 hosts.
 * - `--max-semi-space-size=8`: young generation 16 MB;
 * - `--heap-growing-percent=50`: the next full collection comes when the old generation is half
 *   again its live size, instead of up to four times.
 * With both, 1,000 hosts polled for 30 simulated minutes stay under 150 MB RSS; the collector runs
 * more often, and the benchmark prints what that costs per refresh. V8 reads them only at start,
 * so they go on the command line (setting them later from code does nothing for the young
 * generation). Electron's main process takes V8 flags only on its own command line, so the
 * desktop shell keeps Chromium's heap defaults.
 */
export const CORE_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50']
