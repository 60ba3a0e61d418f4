/**
 * Slack Web API + Socket Mode simulator.
 */
export {};
