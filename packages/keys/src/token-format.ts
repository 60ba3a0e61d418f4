/**
 * The token text format: `[EMAIL-ADDRESS.v1.h.<base32>]`.
 *
 * - `[` ... `]` delimit the token, so it can be found again in free text (`findTokens`).
 * - Entity type: `EMAIL_ADDRESS` is written `EMAIL-ADDRESS` (underscores become hyphens). Slack
 *   mrkdwn treats `_` as an italic marker; a hyphen means nothing to mrkdwn, JSON, SQL or URLs.
 * - `v1`: the tenant data key version that made the token.
 * - `h` = one-way (HMAC), `r` = reversible (AES-SIV).
 * - Body: lowercase unpadded base32 (`a-z2-7`).
 *
 * The whole alphabet is `[A-Za-z0-9.-]` plus the brackets: ASCII, none of Slack's mrkdwn control
 * characters (`<`, `>`, `|`, `*`, `_`, `~`, backtick), no `:` (emoji shortcodes), no quotes or
 * backslashes (JSON and SQL string literals), so it survives `<mailto:TOKEN|TOKEN>` unchanged.
 */

/** `h`: one-way HMAC token; `r`: reversible AES-SIV token. */
export type TokenMode = 'h' | 'r';

export interface ParsedToken {
  /** The whole token text, brackets included. */
  readonly token: string;
  /** Entity type as the tokenizer was given it, e.g. `EMAIL_ADDRESS`. */
  readonly entityType: string;
  readonly keyVersion: number;
  readonly mode: TokenMode;
  /** The base32 body. */
  readonly body: string;
}

export interface FoundToken extends ParsedToken {
  /** Offset of the opening `[` in the searched text. */
  readonly index: number;
}

/** Entity types are upper snake case, as produced by `@sluice/pii` (`EMAIL_ADDRESS`, `US_SSN`). */
export const ENTITY_TYPE_PATTERN = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

const MAX_ENTITY_TYPE_LENGTH = 48;

/** Source of the token regular expression (capture groups: type, version, mode, body). */
export const TOKEN_PATTERN_SOURCE =
  '\\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)\\.v([1-9][0-9]{0,8})\\.([hr])\\.([a-z2-7]{26,})\\]';

/** A fresh global regular expression matching tokens (fresh, because global regexps carry `lastIndex`). */
export function tokenPattern(): RegExp {
  return new RegExp(TOKEN_PATTERN_SOURCE, 'g');
}

const WHOLE_TOKEN = new RegExp(`^${TOKEN_PATTERN_SOURCE}$`);

/** Throws a `TypeError` unless `entityType` can appear in a token. */
export function assertEntityType(entityType: string): void {
  if (!ENTITY_TYPE_PATTERN.test(entityType) || entityType.length > MAX_ENTITY_TYPE_LENGTH) {
    throw new TypeError(
      `entity type must be upper snake case (e.g. EMAIL_ADDRESS), at most ${MAX_ENTITY_TYPE_LENGTH} characters`,
    );
  }
}

export function formatToken(entityType: string, keyVersion: number, mode: TokenMode, body: string): string {
  return `[${entityType.replaceAll('_', '-')}.v${keyVersion}.${mode}.${body}]`;
}

/** Parses one whole token; `undefined` when `text` is not exactly a token. */
export function parseToken(text: string): ParsedToken | undefined {
  const match = WHOLE_TOKEN.exec(text);
  return match === null ? undefined : fromMatch(match);
}

/**
 * Every token in `text`, in order.
 *
 * @example
 * ```ts
 * findTokens('mail [EMAIL-ADDRESS.v1.h.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa] now').map((t) => t.entityType);
 * // ['EMAIL_ADDRESS']
 * ```
 */
export function findTokens(text: string): FoundToken[] {
  return [...text.matchAll(tokenPattern())].map((match) => ({ ...fromMatch(match), index: match.index }));
}

function fromMatch(match: RegExpMatchArray): ParsedToken {
  return {
    token: match[0],
    entityType: match[1]!.replaceAll('-', '_'),
    keyVersion: Number(match[2]),
    mode: match[3] as TokenMode,
    body: match[4]!,
  };
}
