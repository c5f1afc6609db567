import { claimedItemFromCommand } from '../../src/domain/claim-observation';

const CLAIM =
  'curl -sS -X POST -H \'content-type: application/json\' -d \'{"role":"EXECUTOR","run_id":"r1","sprint":"M1"}\' http://127.0.0.1:4000/internal/executor/claim-ready-item';
const answer = (claimed: unknown) => JSON.stringify({ claimed });

describe('claimedItemFromCommand: the item a claim call answered with, from the command Codex reports', () => {
  it('reads the claimed item from the JSON answer of the claim call', () => {
    expect(claimedItemFromCommand(CLAIM, answer({ issue_number: 9103, project_item_id: 'PVTI_9103', branch: 'executor/issue-9103' }))).toEqual({
      issueNumber: 9103,
      projectItemId: 'PVTI_9103',
    });
  });

  it('finds the JSON line among other output (curl -i headers, a trailing newline)', () => {
    const output = `HTTP/1.1 200 OK\ncontent-type: application/json\n\n${answer({ issue_number: 7, project_item_id: 'PVTI_7' })}\n`;
    expect(claimedItemFromCommand(CLAIM, output)).toEqual({ issueNumber: 7, projectItemId: 'PVTI_7' });
  });

  it('is null when the claim claimed nothing, failed, or the output is no JSON', () => {
    expect(claimedItemFromCommand(CLAIM, JSON.stringify({ claimed: null, reason: 'no_claimable_ready_item_found' }))).toBeNull();
    expect(claimedItemFromCommand(CLAIM, JSON.stringify({ error: 'role must be EXECUTOR' }))).toBeNull();
    expect(claimedItemFromCommand(CLAIM, 'curl: (7) Failed to connect')).toBeNull();
    expect(claimedItemFromCommand(CLAIM, '')).toBeNull();
    expect(claimedItemFromCommand(CLAIM, null)).toBeNull();
  });

  it('is null for an answer whose item is not a positive issue with a project item id', () => {
    expect(claimedItemFromCommand(CLAIM, answer({ issue_number: 0, project_item_id: 'PVTI_0' }))).toBeNull();
    expect(claimedItemFromCommand(CLAIM, answer({ issue_number: '7', project_item_id: 'PVTI_7' }))).toBeNull();
    expect(claimedItemFromCommand(CLAIM, answer({ issue_number: 7, project_item_id: '' }))).toBeNull();
  });

  it('ignores commands that are not the claim call, whatever they print', () => {
    const printed = answer({ issue_number: 7, project_item_id: 'PVTI_7' });
    expect(claimedItemFromCommand(`echo '${printed}'`, printed)).toBeNull();
    expect(claimedItemFromCommand('curl -sS http://127.0.0.1:4000/internal/reviewer/resolve-linked-pr', printed)).toBeNull();
  });
});
