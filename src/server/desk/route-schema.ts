import type { z } from 'zod';
import { errorBody, jsonSchema } from './schemas.js';

/** A route's schema for Fastify and OpenAPI from zod shapes, with the error responses every route can give. */
export function routeSchema(parts: {
  readonly summary: string;
  readonly tags: readonly string[];
  readonly body?: z.ZodType;
  readonly params?: z.ZodType;
  readonly querystring?: z.ZodType;
  readonly response: Record<number, z.ZodType>;
  readonly auth?: boolean;
}): Record<string, unknown> {
  const error = jsonSchema(errorBody);
  const response: Record<number, unknown> = { 400: error, 401: error, 402: error, 403: error, 404: error, 409: error, 422: error };
  for (const [status, schema] of Object.entries(parts.response)) response[Number(status)] = jsonSchema(schema);
  return {
    summary: parts.summary,
    tags: parts.tags,
    ...(parts.body ? { body: jsonSchema(parts.body) } : {}),
    ...(parts.params ? { params: jsonSchema(parts.params) } : {}),
    ...(parts.querystring ? { querystring: jsonSchema(parts.querystring) } : {}),
    ...(parts.auth ? { security: [{ bearer: [] }, { cookie: [] }] } : {}),
    response,
  };
}
