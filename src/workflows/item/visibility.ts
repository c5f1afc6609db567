/**
 * What an item workflow shows in visibility (search attributes) and its memo. Pure, so the router
 * can set at signal-with-start what the item's first task would otherwise upsert: the item compares
 * with what it already has (effects.ts, patch `item-upsert-on-change`), so each new item saves an
 * upsert of each kind — two history events and two visibility writes (issue #18).
 */
import type { SearchAttributePair } from '@temporalio/common';
import type { BoardStatus } from '../../contracts/vocabulary';
import { BoardStatusKey, IssueNumberKey, SprintKey } from '../../temporal/search-attributes';

/** The board status the Web UI shows while the item has not seen its item on the board. */
export const UNKNOWN_BOARD_STATUS = 'Unknown';

export function itemMemo(issueNumber: number, prUrl: string | null, projectItemId: string | null): Record<string, string | null> {
  return { issue_url: `issue #${issueNumber}`, pr_url: prUrl, project_item_id: projectItemId };
}

/** The search attributes and memo of a new item's first task, for the router's signal-with-start. */
export function newItemVisibility(sprint: string, issueNumber: number, projectItemId: string | null, boardStatus: BoardStatus | null) {
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: SprintKey, value: sprint },
    { key: IssueNumberKey, value: issueNumber },
    { key: BoardStatusKey, value: boardStatus ?? UNKNOWN_BOARD_STATUS },
  ];
  return { typedSearchAttributes, memo: itemMemo(issueNumber, null, projectItemId) };
}
