// The body of the background checkpointer (checkpointer.ts), in plain JavaScript so that one
// file serves both the built server and the TypeScript sources the tests run (a worker thread
// does not get the main thread's TypeScript loader on Node 20).
//
// A connection of its own copies committed WAL frames into the database file every few
// milliseconds, so that the serving connection's commits do not stop to do it. PASSIVE never
// waits for the writer or for readers: it copies what it can, and the next tick tries again.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

/** @type {{ path: string, intervalMs: number, idleIntervalMs: number }} */
const { path, intervalMs, idleIntervalMs } = workerData
const db = new Database(path, { fileMustExist: true })
// The checkpoint fsyncs the WAL before copying and the database file after, so a power loss
// in between cannot leave the file ahead of the log.
db.pragma('synchronous = FULL')
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')

let delayMs = intervalMs
let lastLog = -1
/** @type {NodeJS.Timeout | undefined} */
let timer

function tick() {
  try {
    const { log } = /** @type {{ log: number }} */ (checkpoint.get())
    // While commits come in, every interval; when the log stands still, back off so that an
    // idle server wakes up rarely (the first commit after a pause waits at most idleIntervalMs).
    delayMs = log !== lastLog ? intervalMs : Math.min(delayMs * 2, idleIntervalMs)
    lastLog = log
  } catch {
    // SQLITE_BUSY (the serving connection is checkpointing itself) or a transient I/O error:
    // the WAL keeps the data either way, and the next tick tries again.
  }
  timer = setTimeout(tick, delayMs)
}
timer = setTimeout(tick, delayMs)

parentPort?.on('message', (message) => {
  if (message !== 'close') return
  clearTimeout(timer)
  db.close()
  parentPort?.close()
})
