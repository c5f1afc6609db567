/** GET /internal/preflight?role= — always 200 for PASS and FAIL. */
import { isNonEmptyString, isPlainObject } from '../../shared/json-file';
import { evaluatePreflight } from '../preflight';
import { type RouteHandler, badRequest } from './common';

export const QUERY_ROLE_REQUIRED = "query parameter 'role' is required";

/** The role from ?role=; repeated values (an array) count as missing. Upper-cased, not trimmed. */
export function queryRole(query: unknown): string | null {
  const role = isPlainObject(query) ? query.role : undefined;
  return isNonEmptyString(role) ? role.toUpperCase() : null;
}

export const handlePreflight: RouteHandler = async (ctx, request) => {
  const role = queryRole(request.query);
  if (role === null) return badRequest(QUERY_ROLE_REQUIRED);
  return evaluatePreflight(ctx, role);
};
