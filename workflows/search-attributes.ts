/** Typed keys of invsync's search attributes (names and types from domain/search-attributes). */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const InvSku = defineSearchAttributeKey('InvSku', SearchAttributeType.KEYWORD);
export const InvChannels = defineSearchAttributeKey('InvChannels', SearchAttributeType.KEYWORD_LIST);
export const InvStatus = defineSearchAttributeKey('InvStatus', SearchAttributeType.KEYWORD);
export const InvDriftUnits = defineSearchAttributeKey('InvDriftUnits', SearchAttributeType.INT);
