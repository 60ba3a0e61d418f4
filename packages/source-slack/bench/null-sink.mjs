// A sink that discards records: the backfill benchmark measures the connector, not a database.
import { defineSink } from '@sluice/core';

export default defineSink({
  type: 'null',
  version: '1.0.0',
  summary: 'Discards records',
  configSchema: { type: 'object', properties: {}, additionalProperties: false },
  create: () => ({ write: async () => undefined }),
});
