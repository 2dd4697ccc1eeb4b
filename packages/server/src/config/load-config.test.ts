import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './load-config.js'

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({}, [])
    expect(config).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      database: { kind: 'sqlite', path: './.hookline/hookline.db' },
      apiKey: null,
      allowPrivateNetworks: false,
      encryptionKeys: null,
      deliveryTimeoutMs: 15_000,
      maxPayloadBytes: 1_048_576,
      logLevel: 'info',
      disableFailingAfterMs: 5 * 86_400_000,
      dataDir: resolve('.hookline'),
    })
    expect(config.retryScheduleMs).toHaveLength(10)
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('takes flags over environment over defaults', () => {
    const env = { HOOKLINE_PORT: '9000', HOOKLINE_HOST: '0.0.0.0', HOOKLINE_ALLOW_PRIVATE_NETWORKS: 'true' }
    const config = loadConfig(env, ['--port', '9100', '--delivery-timeout=2s'])
    expect(config).toMatchObject({
      port: 9100,
      host: '0.0.0.0',
      allowPrivateNetworks: true,
      deliveryTimeoutMs: 2000,
    })
    expect(loadConfig({}, ['--allow-private-networks']).allowPrivateNetworks).toBe(true)
  })

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ HOOKLINE_API_KEY: '', HOOKLINE_PORT: '' }, [])).toMatchObject({
      apiKey: null,
      port: 8787,
    })
  })

  it('reads sqlite and postgres database URLs', () => {
    expect(loadConfig({ HOOKLINE_DATABASE_URL: 'sqlite:/var/lib/hookline/h.db' }, [])).toMatchObject({
      database: { kind: 'sqlite', path: '/var/lib/hookline/h.db' },
      dataDir: '/var/lib/hookline',
    })
    expect(loadConfig({ HOOKLINE_DATABASE_URL: 'postgres://u@h/db' }, []).database).toEqual({
      kind: 'postgres',
      url: 'postgres://u@h/db',
    })
  })

  it('rejects every invalid value at once, naming flag and variable', () => {
    const env = {
      HOOKLINE_PORT: '70000',
      HOOKLINE_DATABASE_URL: 'mysql://x',
      HOOKLINE_RETRY_SCHEDULE: '0,soon',
      HOOKLINE_ALLOW_PRIVATE_NETWORKS: 'maybe',
      HOOKLINE_DELIVERY_TIMEOUT: '0s',
      HOOKLINE_MAX_PAYLOAD: 'huge',
      HOOKLINE_LOG_LEVEL: 'loud',
    }
    let message = ''
    try {
      loadConfig(env, [])
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      message = (error as Error).message
    }
    for (const name of Object.keys(env)) expect(message).toContain(name)
    expect(message).toContain('--port / HOOKLINE_PORT: "70000": expected a port number')
  })

  it('never echoes secret values in errors', () => {
    const attempt = () =>
      loadConfig({ HOOKLINE_API_KEY: 'short-secret', HOOKLINE_ENCRYPTION_KEY: 'not-base64-key' }, [])
    expect(attempt).toThrow(ConfigError)
    try {
      attempt()
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret')
      expect((error as Error).message).not.toContain('not-base64-key')
    }
  })

  it('rejects unknown flags and positional arguments', () => {
    expect(() => loadConfig({}, ['--prot', '1'])).toThrow(ConfigError)
    expect(() => loadConfig({}, ['extra'])).toThrow(ConfigError)
  })

  it('reads the process role and the retention period', () => {
    expect(loadConfig({}, [])).toMatchObject({ role: 'all', retentionMs: 30 * 86_400_000 })
    expect(
      loadConfig({ HOOKLINE_ROLE: 'worker', HOOKLINE_RETENTION: '12h' }, ['--role', 'api']),
    ).toMatchObject({
      role: 'api',
      retentionMs: 12 * 3_600_000,
    })
    expect(loadConfig({ HOOKLINE_RETENTION: 'off' }, []).retentionMs).toBeNull()
    expect(() => loadConfig({ HOOKLINE_ROLE: 'dispatcher' }, [])).toThrow(
      /HOOKLINE_ROLE.*expected one of all, api, worker/,
    )
    expect(() => loadConfig({}, ['--retention', '0'])).toThrow(/HOOKLINE_RETENTION/)
  })
})
