/**
 * The custom search attributes invsync sets on its workflows (design section 4). The dev-server launcher,
 * the compose setup job and the workflows all use this one list.
 */
export const SEARCH_ATTRIBUTES = [
  { name: 'InvSku', type: 'Keyword' },
  { name: 'InvChannels', type: 'KeywordList' },
  { name: 'InvStatus', type: 'Keyword' },
  { name: 'InvDriftUnits', type: 'Int' },
] as const;

export type SearchAttributeName = (typeof SEARCH_ATTRIBUTES)[number]['name'];

export const INV_STATUSES = [
  'ok',
  'syncing',
  'drift',
  'halted',
  'needs-attention',
  'waiting-erp',
  'waiting-approval',
] as const;
export type InvStatus = (typeof INV_STATUSES)[number];

/** Task queues the outside world relies on. */
export const WORKFLOW_TASK_QUEUE = 'invsync';
/**
 * A channel's activity queue: `invsync-channel-<id>` in production. Derived from the workflow queue, so a test (or a
 * second invsync on one cluster) that runs its workflows on another queue gets its own channel queues too.
 */
export const channelTaskQueue = (channelId: string, workflowQueue: string = WORKFLOW_TASK_QUEUE): string =>
  `${workflowQueue}-channel-${channelId}`;
