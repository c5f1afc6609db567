/**
 * Agent emulator: a stand-in for `codex mcp-server` 0.153.4 that plays EXECUTOR / REVIEWER against
 * the backend emulator. Start it as CODEX_BIN=AGENT_EMULATOR_BIN (CODEX_MCP_ARGS=mcp-server) with
 * AGENT_SCRIPT / AGENT_SCRIPT_JSON (format: ./script.ts) and optionally AGENT_EVENTS_LOG.
 */
import { resolve } from 'node:path';

/** Absolute path of the executable launcher (`#!/usr/bin/env node`; needs PATH to find node). */
export const AGENT_EMULATOR_BIN = resolve(__dirname, 'codex-emulator.js');

export { AgentEmulator, EMULATOR_VERSION, runAgentEmulator } from './server';
export { parseWorkerPrompt, type EmulatedIntent, type WorkerPrompt } from './prompt';
export { executorMarker, executorPrBody, type WorkerResultJson } from './roles';
export { AgentBehaviourSchema, AgentScriptSchema, loadAgentScript, parseAgentScript, resolveBehaviour, type AgentBehaviour, type AgentRole, type AgentScript } from './script';
export { AppServerEmulator, runAppServerEmulator } from './app-server';
