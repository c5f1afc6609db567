/**
 * Orchestrator stdout is read as bytes: a line that is not UTF-8 reaches validation unrepaired and is
 * refused (`intent_invalid_encoding`); valid UTF-8 (multi-byte included) comes through unchanged.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { runOrchestratorOnce } from '../../src/activities/orchestrator-process';
import { decodeIntentLine } from '../../src/domain/intents';
import { IntentError } from '../../src/domain/errors';

it('keeps every byte of every stdout line; invalid UTF-8 is refused, valid UTF-8 decodes as sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-bytes-'));
  const script = join(dir, 'orchestrator.js');
  writeFileSync(script, `process.stdout.write(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\\n{"b":"ünïcødé ✓ 🎉"}\\r\\n')]));`);
  const config = loadConfig({ RUNNER_ORCHESTRATOR_CMD: `${process.execPath} ${script}`, ORCHESTRATOR_STATE_PATH: join(dir, 'state.json') });
  const output = await runOrchestratorOnce(config, 'M1');
  expect(output.exitCode).toBe(0);
  expect(output.stdoutLines).toHaveLength(2);
  expect([...output.stdoutLines[0]!.subarray(6, 8)]).toEqual([0xc3, 0x28]);
  expect(() => decodeIntentLine(output.stdoutLines[0]!)).toThrow(IntentError);
  try {
    decodeIntentLine(output.stdoutLines[0]!);
  } catch (err) {
    expect((err as IntentError).code).toBe('intent_invalid_encoding');
  }
  expect(decodeIntentLine(output.stdoutLines[1]!)).toBe('{"b":"ünïcødé ✓ 🎉"}');
});
