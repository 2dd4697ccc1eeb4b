import { type Logger, pino } from 'pino'
import type { LogLevel } from '../config/config-options.js'

/**
 * JSON logs on stdout. Paths that could carry credentials are censored as a second line of
 * defence: the code never logs them on purpose.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'hookline' },
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        '*.secret',
        '*.secrets',
        'secret',
        'apiKey',
        '*.apiKey',
        'headers["webhook-signature"]',
      ],
      censor: '[redacted]',
    },
  })
}
