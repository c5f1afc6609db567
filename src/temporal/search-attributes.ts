/**
 * Custom search attributes that make sprints and items findable in the Web UI and with visibility
 * queries (e.g. `Sprint="M1" AND BoardStatus="Blocked"`). Workflow-safe: no Node built-ins.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SprintKey = defineSearchAttributeKey('Sprint', SearchAttributeType.KEYWORD);
export const IssueNumberKey = defineSearchAttributeKey('IssueNumber', SearchAttributeType.INT);
export const BoardStatusKey = defineSearchAttributeKey('BoardStatus', SearchAttributeType.KEYWORD);
export const RoleKey = defineSearchAttributeKey('Role', SearchAttributeType.KEYWORD);

/** `--search-attribute NAME=TYPE` arguments for `temporal server start-dev`. */
export const DEV_SERVER_SEARCH_ATTRIBUTES = ['Sprint=Keyword', 'IssueNumber=Int', 'BoardStatus=Keyword', 'Role=Keyword'];
