import { randomInt } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Lowercase ASCII words of the title joined by `-` (accents folded, the rest dropped). */
export function slugWords(title: string): string {
  const words =
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .match(/[a-z0-9]+/g) ?? [];
  const joined = words.join('-').slice(0, 60).replace(/-+$/, '');
  return joined || 'post';
}

/** Words plus a random 6-character suffix: about 2 billion suffixes per title, and a retry on collision. */
export function newSlug(title: string): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += alphabet[randomInt(alphabet.length)];
  return `${slugWords(title)}-${suffix}`;
}
