import { Type } from 'typebox';
import { Handle } from '@blog/platform';
import { passwordMaxLength } from './users.ts';

export const SignInBody = Type.Object(
  // Any string up to the password limit is checked against the hash; the length rule is for new passwords.
  { username: Handle, password: Type.String({ minLength: 1, maxLength: passwordMaxLength, format: 'text' }) },
  { additionalProperties: false },
);

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  refresh_token: Type.String(),
  refresh_expires_in: Type.Integer(),
});

export const RefreshBody = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);
/** Signing out takes no body; an empty JSON object is accepted too. */
export const NoBody = Type.Union([Type.Null(), Type.Object({}, { additionalProperties: false })]);
export const SignedOut = Type.Object({ status: Type.Literal('signed out') });
