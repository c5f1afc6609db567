/** Model emulator: a loopback Responses API for running the real codex CLI offline. */
export { startModelEmulator, type ModelEmulator, type ModelScript, type ModelToolCall, type RecordedModelRequest } from './server';
export { codexConfigToml, writeCodexHome, type ExtraMcpServers, MODEL_EMULATOR_ENV_KEY, MODEL_EMULATOR_MODEL, MODEL_EMULATOR_PROVIDER_ID, type CodexHome } from './codex-home';
export { agentModel, type AgentModel } from './agent-model';
