/**
 * CLI flag values are parsed strictly (issue #13): issue numbers, ports and `--watch` periods are
 * decimal integers in range, sprint names follow the sprint workflow's rule before anything starts,
 * and `status` says which items it could not query (exit 1) and writes no clear-screen codes when
 * stdout is not a terminal. Real CLI processes; the status cases on the real server.
 */
import { randomUUID } from 'node:crypto';
import { TypedSearchAttributes } from '@temporalio/common';
import { boardObservedSignal, itemStatusQuery, smokeWorkflow } from '../../src/workflows';
import { IssueNumberKey, SprintKey } from '../../src/temporal/search-attributes';
import { CliUsageError, parseIssueNumber, parseStrictInt, sprintNameProblem } from '../../src/client/cli-args';
import { runCli } from '../support/run-cli';
import { connectTestTemporal, testAddress, type TestTemporal } from '../support/temporal';
import { eventually, ItemHarness } from '../support/item-harness';

const LONG = 'S'.repeat(300);
const LONG_PROBLEM = `sprint must be a short name like "M1" (letters, digits, . _ -): got "${'S'.repeat(37)}..." (300 characters)`;
/** No server needed: every case is refused before a connection is made (this address refuses). */
const OFFLINE = { TEMPORAL_ADDRESS: '127.0.0.1:1' };

describe('parseStrictInt / parseIssueNumber / sprintNameProblem', () => {
  it.each(['2e2', '0x10', '-1', '0', '1.0', '1_0', ' 7', '7 ', '', '+', '٣', '9007199254740993', 'Infinity'])('issue %j is refused', (text) => {
    expect(() => parseIssueNumber(text)).toThrow(new CliUsageError(`--issue must be a positive integer, got ${JSON.stringify(text)}`));
  });
  it.each([
    ['42', 42],
    ['007', 7],
    ['9007199254740991', 9007199254740991],
  ])('issue %s is %d', (text, value) => {
    expect(parseIssueNumber(text)).toBe(value);
  });
  it('ranges are inclusive', () => {
    expect(parseStrictInt('65535', '--port', { min: 1, max: 65535 })).toBe(65535);
    expect(() => parseStrictInt('65536', '--port', { min: 1, max: 65535 })).toThrow('--port must be an integer from 1 to 65535, got "65536"');
  });
  it('sprint names: the workflow input rule (1–64 of letters, digits, . _ -, not starting with . _ -)', () => {
    expect(sprintNameProblem('M1')).toBeNull();
    expect(sprintNameProblem('S'.repeat(64))).toBeNull();
    expect(sprintNameProblem('S'.repeat(65))).toBe(`sprint must be a short name like "M1" (letters, digits, . _ -): got "${'S'.repeat(37)}..." (65 characters)`);
    expect(sprintNameProblem('../M1')).toBe('sprint must be a short name like "M1" (letters, digits, . _ -): got "../M1" (5 characters)');
  });
});

const REFUSED: Array<[string[], string]> = [
  [['dev-server', '--port', 'abc'], '--port must be an integer from 1 to 65535, got "abc"'],
  [['dev-server', '--port', '99999'], '--port must be an integer from 1 to 65535, got "99999"'],
  [['dev-server', '--port', '-1'], '--port must be an integer from 1 to 65535, got "-1"'],
  [['dev-server', '--port', '7233', '--ui-port', '0x10'], '--ui-port must be an integer from 1 to 65535, got "0x10"'],
  [['status', '--sprint', 'M1', '--watch', 'abc'], '--watch must be a whole number of seconds from 1 to 3600, got "abc"'],
  [['status', '--sprint', 'M1', '--watch', '0'], '--watch must be a whole number of seconds from 1 to 3600, got "0"'],
  [['status', '--sprint', 'M1', '--watch=-1'], '--watch must be a whole number of seconds from 1 to 3600, got "-1"'],
  [['status', '--sprint', 'M1', '--watch', '3601'], '--watch must be a whole number of seconds from 1 to 3600, got "3601"'],
  [['status', '--sprint', 'M1', '--watch', '1.5'], '--watch must be a whole number of seconds from 1 to 3600, got "1.5"'],
  [['status', '--sprint', LONG], LONG_PROBLEM],
  [['pause', '--sprint', LONG], LONG_PROBLEM],
  [['tick', '--sprint', '../M1'], 'sprint must be a short name like "M1" (letters, digits, . _ -): got "../M1" (5 characters)'],
  [['close', '--sprint', LONG], LONG_PROBLEM],
];

describe('flag values refused with exit 2 before anything starts (real CLI processes)', () => {
  it.each(REFUSED.map(([args, message]) => [args.join(' ').replace(LONG, '<300 characters>'), args, message] as const))(
    '%s',
    async (_label, args, message) => {
      const out = await runCli(args, OFFLINE, 60_000);
      expect({ status: out.status, stderr: out.stderr.trim() }).toEqual({ status: 2, stderr: message });
    },
    60_000,
  );

  it('`status --watch -1` (a dash value) is refused too, never a fast refresh loop', async () => {
    const out = await runCli(['status', '--sprint', 'M1', '--watch', '-1'], OFFLINE, 60_000);
    expect(out.status).toBe(2);
    expect(out.stdout).toBe('');
  }, 60_000);

  it('`run` with a 300-character sprint name is a CONFIG_ERROR, exit 2 (flag or ORCHESTRATOR_SPRINT)', async () => {
    for (const [args, env] of [
      [['run', '--sprint', LONG], {}],
      [['run'], { ORCHESTRATOR_SPRINT: LONG }],
    ] as const) {
      const out = await runCli([...args], { ...OFFLINE, ...env }, 60_000);
      expect({ status: out.status, stderr: out.stderr.trim() }).toEqual({ status: 2, stderr: JSON.stringify({ type: 'CONFIG_ERROR', error: LONG_PROBLEM }) });
    }
  }, 60_000);
});

describe('small things a user meets', () => {
  it('`--version` prints the package version; `emulate --help` is help, not an unknown emulator', async () => {
    const version = await runCli(['--version'], OFFLINE, 60_000);
    expect(version).toMatchObject({ status: 0, stdout: `${require('../../package.json').version}\n` });
    const help = await runCli(['emulate', '--help'], OFFLINE, 60_000);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: sprint-runner emulate <emulator>');
    expect(help.stderr).toBe('');
  }, 60_000);
});

describe('`status` reports the items it could not query (real server)', () => {
  let temporal: TestTemporal;
  let h: ItemHarness;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
    h = new ItemHarness(temporal);
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await temporal.close();
  });

  it('lists #42, names #43 (which cannot answer itemStatus) with the reason, exits 1; piped --watch has no clear-screen codes', async () => {
    const item = await h.startItem();
    await item.signal(boardObservedSignal, { version: 1, status: 'In Review', projectItemId: 'PVTI_42' });
    await eventually(
      () => item.query(itemStatusQuery),
      (s) => s.boardStatus === 'In Review',
    );
    // A workflow of the sprint that has no itemStatus query: its query fails, as a wedged item's would.
    const mute = await temporal.client.workflow.start(smokeWorkflow, {
      taskQueue: h.base,
      workflowId: `sprint-${h.sprint}-item-43-${randomUUID().slice(0, 8)}`,
      args: [{ timerMs: 600_000, waitForSignalMs: 1 }],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: SprintKey, value: h.sprint },
        { key: IssueNumberKey, value: 43 },
      ]),
    });
    try {
      const env = { TEMPORAL_ADDRESS: testAddress() };
      const out = await eventually(
        () => runCli(['status', '--sprint', h.sprint, '--json'], env, 60_000),
        (o) => o.stdout.includes('"issueNumber": 42') && o.stdout.includes(mute.workflowId),
      );
      expect(out.status).toBe(1);
      const report = JSON.parse(out.stdout) as { items: Array<{ issueNumber: number }>; unavailable: Array<{ workflowId: string; issueNumber: number; error: string }> };
      expect(report.items.map((i) => i.issueNumber)).toEqual([42]);
      expect(report.unavailable).toEqual([{ workflowId: mute.workflowId, issueNumber: 43, error: expect.stringContaining('itemStatus') }]);
      expect(out.stderr).toContain(`could not query #43 (${mute.workflowId}): `);

      const table = await runCli(['status', '--sprint', h.sprint], env, 60_000);
      expect(table.status).toBe(1);
      expect(table.stdout).toMatch(new RegExp(`^sprint ${h.sprint} \\(no sprint workflow\\): 1 items, 1 could not be queried\\n`));
      expect(table.stdout).toMatch(/#42\s+\[TASK\] Add login\s+In Review/);

      // --watch through a pipe: snapshots one after another, no ESC[2J / ESC[H.
      const watched = await runCli(['status', '--sprint', h.sprint, '--watch', '1'], env, 8_000);
      expect(watched.stdout.split(`sprint ${h.sprint} (`).length - 1).toBeGreaterThanOrEqual(2);
      expect(watched.stdout).not.toContain('\u001b[');
    } finally {
      await mute.terminate('test done');
    }
  }, 120_000);
});
