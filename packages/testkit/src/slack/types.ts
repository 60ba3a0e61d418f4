/**
 * The Slack object shapes the simulator stores and serves. They follow what the Web API returns
 * (users.info, conversations.info, conversations.history), trimmed to the fields Sluice and the
 * official clients read; extra fields from an export are carried through untouched.
 */

export interface SlackUserProfile {
  real_name: string;
  real_name_normalized: string;
  display_name: string;
  display_name_normalized: string;
  first_name?: string;
  last_name?: string;
  title: string;
  phone: string;
  skype?: string;
  email?: string;
  status_text: string;
  status_emoji: string;
  image_24?: string;
  image_72?: string;
  image_192?: string;
  avatar_hash?: string;
  team: string;
  bot_id?: string;
  [key: string]: unknown;
}

export interface SlackUser {
  id: string;
  team_id: string;
  name: string;
  deleted: boolean;
  color?: string;
  real_name?: string;
  tz?: string;
  tz_label?: string;
  tz_offset?: number;
  profile: SlackUserProfile;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_bot: boolean;
  is_app_user: boolean;
  updated: number;
  is_email_confirmed?: boolean;
  [key: string]: unknown;
}

export interface SlackTopic {
  value: string;
  creator: string;
  last_set: number;
}

/** A public or private channel as stored (membership kept separately). */
export interface SlackChannelInfo {
  id: string;
  name: string;
  is_private: boolean;
  created: number;
  creator: string;
  is_archived: boolean;
  is_general: boolean;
  topic: SlackTopic;
  purpose: SlackTopic;
  previous_names: string[];
  [key: string]: unknown;
}

export interface SlackReaction {
  name: string;
  users: string[];
  count: number;
}

export interface SlackFile {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  user: string;
  size: number;
  mode: string;
  is_external: boolean;
  is_public: boolean;
  url_private: string;
  permalink: string;
  preview?: string;
  [key: string]: unknown;
}

/** A message as conversations.history returns it. */
export interface SlackMessage {
  type: 'message';
  ts: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  thread_ts?: string;
  [key: string]: unknown;
}

/** The inner `event` of an Events API payload. */
export interface SlackEvent {
  type: string;
  event_ts?: string;
  [key: string]: unknown;
}

/** Minimal seed data a workspace is built from (used by the export loader and tests). */
export interface WorkspaceSeed {
  team?: { id?: string; name?: string; domain?: string };
  users: SlackUser[];
  channels: Array<{ info: SlackChannelInfo; members: string[]; messages: SlackMessage[] }>;
}
