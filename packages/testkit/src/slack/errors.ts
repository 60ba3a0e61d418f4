/**
 * Errors thrown by the simulator's own API (scripting a workspace, loading an export). Errors that a
 * Slack client sees are never thrown: they are `{ ok: false, error }` bodies, as Slack sends them.
 */

export type SlackSimErrorCode =
  | 'slack_sim_unknown_channel'
  | 'slack_sim_unknown_user'
  | 'slack_sim_unknown_message'
  | 'slack_sim_invalid_argument'
  | 'slack_sim_invalid_export';

/** Base class: tests assert on `code`, never on message text. */
export abstract class SlackSimError extends Error {
  abstract readonly code: SlackSimErrorCode;
}

export class SlackSimNotFoundError extends SlackSimError {
  readonly code: SlackSimErrorCode;
  readonly id: string;
  constructor(code: 'slack_sim_unknown_channel' | 'slack_sim_unknown_user' | 'slack_sim_unknown_message', id: string) {
    super(`${code.replace('slack_sim_', '').replaceAll('_', ' ')}: ${id}`);
    this.name = 'SlackSimNotFoundError';
    this.code = code;
    this.id = id;
  }
}

export class SlackSimArgumentError extends SlackSimError {
  readonly code = 'slack_sim_invalid_argument' as const;
  constructor(message: string) {
    super(message);
    this.name = 'SlackSimArgumentError';
  }
}

export class SlackSimExportError extends SlackSimError {
  readonly code = 'slack_sim_invalid_export' as const;
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.name = 'SlackSimExportError';
    this.file = file;
  }
}
