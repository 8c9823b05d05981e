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
export const channelTaskQueue = (channelId: string): string => `invsync-channel-${channelId}`;
