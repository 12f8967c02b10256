import { Type } from 'typebox';
import { Handle } from '@blog/platform';

export const HandlesByNameQuery = Type.Object(
  { name_contains: Type.String({ minLength: 1, maxLength: 128, format: 'single-line' }), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 500 }) },
  { additionalProperties: false },
);
export const HandleList = Type.Object({ handles: Type.Array(Handle) });
export const Revocations = Type.Object({ revoked_sessions: Type.Array(Type.String({ format: 'uuid' })) });
