/**
 * Opaque pagination cursors, shaped like Slack's: base64 of `<kind>:<position>` (Slack's own look like
 * `dXNlcjpVMDYxTkZUVDI=`, i.e. `user:U061NFTT2`, and `bmV4dF90czoxNTEy...`, i.e. `next_ts:1512...`).
 * Positions are ids or timestamps rather than offsets, so a cursor stays valid while the data changes.
 */

export type CursorKind = 'next_ts' | 'user' | 'channel' | 'member';

export function encodeCursor(kind: CursorKind, position: string): string {
  return Buffer.from(`${kind}:${position}`, 'utf8').toString('base64');
}

/** Decodes a cursor of the expected kind; undefined when it is malformed or of another kind. */
export function decodeCursor(cursor: string, kind: CursorKind): string | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const prefix = `${kind}:`;
  if (!text.startsWith(prefix) || text.length === prefix.length) return undefined;
  return text.slice(prefix.length);
}
