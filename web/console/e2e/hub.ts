// A real hub for the browser tests: bin/cityhub (built by `make build`) serving the demo district
// on a free loopback port and a temporary data directory (or a temporary PostgreSQL database when
// CITYHUB_E2E_STORE=postgres), stopped and removed afterwards. The global setup starts the one the
// tests share; a test that stops its hub (reconnection) or needs thousands of cases (benchmarks)
// starts its own.

import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, openSync, closeSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The repository's root: this file is web/console/e2e/hub.ts. */
export const repoRoot = resolve(import.meta.dirname, '../../..')
export const hubBinary = process.env.CITYHUB_BIN || join(repoRoot, 'bin/cityhub')

/** The Chromium arguments of a headless run on a machine without a GPU, sandbox or network. */
export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
]

/** The demo accounts' password in every hub the tests start. */
export const demoPassword = 'e2e-demo-pass-2026'
/** hotlineSecret is the telephone system's shared secret the hubs of the tests are started with. */
export const hotlineSecret = 'e2e-cti-secret-2026'

export interface HubOptions {
  /** extra flags of `cityhub serve` (e.g. --open311-rate 0) */
  args?: string[]
  /** PostgreSQL instead of SQLite; default from CITYHUB_E2E_STORE=postgres */
  postgres?: boolean
  /** an existing data directory (a seeded store for a benchmark): used as it is and kept */
  dataDir?: string
}

/** freePort asks the kernel for a loopback port nobody listens on. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => ok(port))
    })
  })
}

/** Hub is one running cityhub process with its data directory (and database). */
export class Hub {
  readonly dataDir: string
  readonly port: number
  readonly url: string
  readonly db: string
  private proc: ChildProcess | null = null
  private readonly logFile: string

  private constructor(port: number, dataDir: string, db: string, private readonly args: string[], private readonly keep = false) {
    this.port = port
    this.dataDir = dataDir
    this.db = db
    this.url = `http://127.0.0.1:${port}`
    this.logFile = join(dataDir, 'hub.log')
  }

  /** start makes a data directory (and database), starts the hub and waits until it is healthy. */
  static async start(opts: HubOptions = {}): Promise<Hub> {
    const dataDir = opts.dataDir || mkdtempSync(join(tmpdir(), 'cityhub-e2e-'))
    const usePG = !opts.dataDir && (opts.postgres ?? process.env.CITYHUB_E2E_STORE === 'postgres')
    const db = usePG ? await createDatabase() : ''
    const hub = new Hub(await freePort(), dataDir, db, opts.args || [], !!opts.dataDir)
    try {
      await hub.launch()
    } catch (e) {
      await hub.stop()
      throw e
    }
    return hub
  }

  /** The flags common to every command the hub's CLI runs on this store. */
  storeFlags(): string[] {
    return this.db ? ['--data', this.dataDir, '--db', this.db] : ['--data', this.dataDir]
  }

  // launch runs `cityhub serve --demo` on the hub's port and data, and waits for /healthz.
  private async launch() {
    const log = openSync(this.logFile, 'a') // in the data directory (a given store's too)
    const args = ['serve', '--demo', '--addr', `127.0.0.1:${this.port}`, ...this.storeFlags(), ...this.args]
    this.proc = spawn(hubBinary, args, {
      env: { ...process.env, CITYHUB_DEMO_PASSWORD: demoPassword, CITYHUB_HOTLINE_SECRET: hotlineSecret,
        CITYHUB_LOG_LEVEL: process.env.CITYHUB_LOG_LEVEL || 'warn' },
      stdio: ['ignore', log, log],
    })
    closeSync(log)
    const proc = this.proc
    let exited = false
    proc.once('exit', () => (exited = true))
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      if (exited) throw new Error(`cityhub exited at start (exit ${proc.exitCode}):\n${this.log()}`)
      try {
        const res = await fetch(`${this.url}/healthz`)
        if (res.ok) return
      } catch {
        // not listening yet
      }
      await sleep(100)
    }
    throw new Error(`cityhub did not become healthy in 30 s:\n${this.log()}`)
  }

  /** log is the hub's output so far (warnings and errors), for failure messages. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-4000)
    } catch {
      return ''
    }
  }

  /** halt stops the process (SIGTERM: a clean shutdown) and keeps the data for a restart. */
  async halt() {
    const proc = this.proc
    this.proc = null
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((ok) => proc.once('exit', ok))
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }

  /** restart starts the hub again on the same port and data, as after a deployment or a crash. */
  async restart() {
    await this.halt()
    await this.launch()
  }

  /** stop ends the hub and removes its data directory and database. */
  async stop() {
    await this.halt()
    if (this.keep) return // a store the hub was given (a benchmark's seeded store) stays
    rmSync(this.dataDir, { recursive: true, force: true })
    if (this.db) await dropDatabase(this.db)
  }

  /** cli runs a cityhub command on this hub's store and answers its standard output, trimmed. */
  async cli(...args: string[]): Promise<string> {
    const [cmd, verb, ...rest] = args
    const { stdout } = await run(hubBinary, [cmd, verb, ...this.storeFlags(), ...rest], { env: process.env })
    return stdout.trim()
  }

  /** apiKey creates an Open311 api key with the CLI (`cityhub apikey create`). */
  apiKey(name = 'e2e'): Promise<string> {
    return this.cli('apikey', 'create', '--name', name)
  }
}

// PostgreSQL: a database of its own per hub, on the machine's server (trust auth, user postgres).
const pgServer = process.env.CITYHUB_E2E_PG || 'postgres://postgres@127.0.0.1:5432'

async function createDatabase(): Promise<string> {
  const name = `cityhub_e2e_${process.pid}_${Date.now().toString(36)}`
  await run('psql', [`${pgServer}/postgres`, '-qc', `CREATE DATABASE ${name}`])
  return `${pgServer}/${name}?sslmode=disable`
}

async function dropDatabase(dsn: string) {
  const name = new URL(dsn).pathname.slice(1)
  await run('psql', [`${pgServer}/postgres`, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]).catch(() => {})
}

export const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms))
