import type { RequestHandler } from 'express'
import type { RequestListener } from 'node:http'
import type { NodeHandler } from '../../src/index.js'
declare const h: NodeHandler
export const a: RequestHandler = h
export const b: RequestListener = h
