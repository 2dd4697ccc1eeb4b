import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import { ValidationError } from '../core/errors.js'
import type { EventType } from '../core/types.js'
import { fieldErrors } from './error-handler.js'

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

function newAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
  })
  addFormats(ajv)
  return ajv
}

/**
 * Request validation: bodies are taken exactly as sent (no coercion: `"type": 5` is an error,
 * not "5"), query strings and path parameters are text and get coerced to their types.
 */
export function createRequestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = newAjv(false)
  const textAjv = newAjv(true)
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object)
}

/**
 * Validates event `data` against the event type's JSON Schema. Compiled validators are cached
 * per event type version, so a publish costs one validation, not one compilation.
 */
export class EventDataValidator {
  private readonly ajv = newAjv(false)
  private readonly cache = new Map<string, ValidateFunction>()

  /** Throws a 422 ValidationError if `schema` is not a usable JSON Schema. */
  checkSchema(schema: Record<string, unknown>): void {
    try {
      this.ajv.compile(schema)
    } catch (error) {
      throw new ValidationError('the schema is not a valid JSON Schema', [
        { path: '/schema', message: (error as Error).message },
      ])
    }
  }

  validate(eventType: EventType, data: unknown): void {
    if (eventType.schema === null) return
    const key = `${eventType.id}:${eventType.updatedAt}`
    let validate = this.cache.get(key)
    if (validate === undefined) {
      validate = this.ajv.compile(eventType.schema)
      if (this.cache.size > 1000) this.cache.clear()
      this.cache.set(key, validate)
    }
    if (!validate(data)) {
      throw new ValidationError(
        `data does not match the schema of event type ${JSON.stringify(eventType.name)}`,
        fieldErrors(validate.errors ?? [], '/data'),
      )
    }
  }
}
