import { Type } from 'typebox';

/** `@` and 1-31 of [A-Za-z0-9_]; unique case-insensitively. */
export const Handle = Type.String({ pattern: '^@[A-Za-z0-9_]{1,31}$', maxLength: 32, description: 'e.g. @ada' });

export const ErrorBody = Type.Object(
  { msg: Type.String(), request_id: Type.Optional(Type.String()) },
  { $id: 'ErrorBody', description: 'Every error, from every layer' },
);

/** The 4xx answers every route may give, declared so OpenAPI documents them. */
export function errors(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody]));
}

export const Deleted = Type.Object({ status: Type.Literal('deleted') });
