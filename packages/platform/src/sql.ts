/** Makes `%`, `_` and `\` literal inside a LIKE/ILIKE pattern (used with ESCAPE '\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function containsPattern(text: string): string {
  return `%${escapeLike(text)}%`;
}
