import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

/** Read from the sources by both `src/` (tests) and `dist/` (built), like the migrations. */
const WORKER_PATH = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../src/store/sqlite/checkpoint-worker.mjs',
)

/** How often the background connection checkpoints while commits come in. */
const CHECKPOINT_INTERVAL_MS = 20
/** The longest pause between checks once the WAL stands still (doubling from the above). */
const IDLE_CHECK_INTERVAL_MS = 320

/** How long close() waits for the worker to finish a checkpoint before terminating it. */
const CLOSE_TIMEOUT_MS = 5_000

/**
 * The serving connection's automatic checkpoint threshold while the background checkpointer
 * runs, in WAL pages (4 KiB each). The serving connection still checkpoints in line when the
 * WAL passes it: that is what rewinds the log to its start under continuous writes (a PASSIVE
 * checkpoint from another connection never catches up with a writer that never pauses), and a
 * safety net should the worker stop. By then the worker has copied nearly every frame, so the
 * in-line checkpoint is short, and it happens a tenth as often as at SQLite's default of 1,000.
 */
export const SERVING_AUTOCHECKPOINT_PAGES = 10_000

/** SQLite's own threshold, for a serving connection whose checkpointer has stopped. */
export const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1_000

/**
 * Checkpoints the WAL from a worker thread. With SQLite's defaults the connection that commits
 * also checkpoints, in line, every 1,000 pages: it copies the pages into the database file and
 * fsyncs it, and every request waiting on the event loop waits with it (the longest commits,
 * which set the latency tail). Here a second connection on another thread does that copying.
 */
export class Checkpointer {
  private readonly worker: Worker
  private readonly exited: Promise<void>
  private closing = false

  /**
   * `onStopped` runs if the worker fails or exits before close(): the serving connection must
   * then checkpoint at SQLite's default again (SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES).
   */
  constructor(path: string, onStopped: (error: unknown) => void) {
    this.worker = new Worker(WORKER_PATH, {
      workerData: { path, intervalMs: CHECKPOINT_INTERVAL_MS, idleIntervalMs: IDLE_CHECK_INTERVAL_MS },
    })
    let failure: unknown = null
    this.worker.on('error', (error) => {
      failure = error
    })
    this.worker.unref()
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        if (!this.closing) onStopped(failure ?? new Error(`the checkpoint worker exited with code ${code}`))
        resolve()
      }),
    )
  }

  /** Stops after the checkpoint in progress, so the serving connection can close cleanly. */
  async close(): Promise<void> {
    this.closing = true
    this.worker.postMessage('close')
    const timeout = setTimeout(() => void this.worker.terminate(), CLOSE_TIMEOUT_MS)
    await this.exited
    clearTimeout(timeout)
  }
}
