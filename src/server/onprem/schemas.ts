import { z } from 'zod';

/** Route schemas are written once in zod and handed to Fastify (validation, OpenAPI) as JSON Schema. */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return rest;
}

export const errorResponse = jsonSchema(z.object({ error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }) }));

/** A result whose fields are documented in the postmigrate types; passed through as is. */
export const anyObject = { type: 'object', additionalProperties: true } as const;

export const taskStatusSchema = {
  type: 'object',
  required: ['id', 'title', 'state', 'why'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    state: { type: 'string', enum: ['todo', 'done', 'blocked'] },
    why: { type: 'string' },
    details: anyObject,
  },
} as const;

export const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse, 409: errorResponse, 410: errorResponse, 422: errorResponse, 500: errorResponse, 502: errorResponse };
