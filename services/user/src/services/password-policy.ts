import { dictionary } from '@zxcvbn-ts/language-common';
import { badRequest } from '@blog/platform';

// NIST SP 800-63B: no composition rules; refuse passwords known from breaches and common lists.
const common = new Set((dictionary['passwords-common'] as string[]).filter((p) => p.length >= 8).map((p) => p.toLowerCase()));

export function isCommonPassword(password: string): boolean {
  return common.has(password.toLowerCase());
}

/** Length (8 to 128) is checked by the schema; this refuses the passwords attackers try first. */
export function assertAcceptablePassword(password: string, handle: string): void {
  if (isCommonPassword(password)) throw badRequest('This password is too common; choose another');
  if (password.toLowerCase().includes(handle.slice(1).toLowerCase()) && handle.length >= 5)
    throw badRequest('The password must not contain the handle');
}
