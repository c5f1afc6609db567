/**
 * POST /internal/project-item/update-field — sets one single-select field under the schema,
 * permission and transition policies; handoff transitions also need metadata and post an audit
 * comment. The field is written before the comment, so a comment failure leaves the field changed.
 */
import { isNonEmptyString } from '../../shared/json-file';
import { NodeNotFoundError, NotFoundError } from '../board';
import { checkHandoff, handoffKeyFor } from '../handoff';
import { ROLE_TOKEN_ERROR, ROLE_TOKEN_RE } from '../preflight';
import { PERMISSIONS_POLICY_PATH, SCHEMA_POLICY_PATH, TRANSITIONS_POLICY_PATH, bundleJson, checkTransition, roleHasCapability, schemaFields } from '../policy';
import { type RouteHandler, badRequest, isRouteResult, loadBundleOrError, preflightGate, requestBody } from './common';

export const UPDATE_FIELD_ROUTE = '/internal/project-item/update-field';

export const handleUpdateField: RouteHandler = async (ctx, request) => {
  const body = requestBody(request);
  if (!isNonEmptyString(body.role)) return badRequest('body.role is required');
  const role = body.role.trim().toUpperCase();
  if (!ROLE_TOKEN_RE.test(role)) return badRequest(ROLE_TOKEN_ERROR);
  if (!isNonEmptyString(body.project_item_id)) return badRequest('body.project_item_id is required');
  if (!isNonEmptyString(body.field)) return badRequest('body.field is required');
  if (!isNonEmptyString(body.value)) return badRequest('body.value is required');
  const projectItemId = body.project_item_id;
  const field = body.field;
  const value = body.value;

  const gate = await preflightGate(ctx, role);
  if (gate) return gate;
  const bundle = await loadBundleOrError(ctx, role);
  if (isRouteResult(bundle)) return bundle;

  const schemaField = schemaFields(bundleJson(bundle, SCHEMA_POLICY_PATH)).find((entry) => entry.name === field);
  if (!schemaField) return badRequest('field is not allowed by project schema policy');
  if (
    String(schemaField.type ?? '')
      .trim()
      .toLowerCase() !== 'single_select'
  )
    return badRequest('only single_select fields are supported');
  if (!(schemaField.allowed_options ?? []).includes(value)) return badRequest('value is not allowed for field by project schema policy');

  const permissions = bundleJson(bundle, PERMISSIONS_POLICY_PATH);
  const canSetFields = roleHasCapability(permissions, role, 'can_set_project_fields');
  const canUpdateStatus = roleHasCapability(permissions, role, 'can_update_status_only');
  if (!(field === 'Status' ? canSetFields || canUpdateStatus : canSetFields)) {
    return { status: 403, body: { error: 'role is not allowed to update this project field' } };
  }

  const source = { role, http_route: UPDATE_FIELD_ROUTE, ...(isNonEmptyString(body.run_id) ? { run_id: body.run_id.trim() } : {}) };
  let handoff: { key: string; issueNumber: number; comment: string } | null = null;

  if (field === 'Status') {
    let current: string;
    try {
      current = ctx.board.getFieldValue(projectItemId, 'Status');
    } catch (err) {
      if (err instanceof NodeNotFoundError) return { status: 502, body: { error: err.message } };
      throw err;
    }
    if (!isNonEmptyString(current)) return badRequest('unable to resolve current status for transition validation');
    if (!checkTransition(bundleJson(bundle, TRANSITIONS_POLICY_PATH), role, current, value).allowed) {
      return { status: 403, body: { error: 'status transition is not allowed by policy', from: current, to: value } };
    }
    const key = handoffKeyFor(role, current, value);
    if (key) {
      const check = checkHandoff(key, body, role, current, value);
      if ('error' in check) return badRequest(check.error);
      handoff = { key, ...check };
    }
  }

  try {
    ctx.board.setField(projectItemId, field, value, source);
  } catch (err) {
    if (err instanceof NodeNotFoundError) return { status: 502, body: { error: err.message } };
    throw err;
  }

  const payload: Record<string, unknown> = { role, project_item_id: projectItemId, updated: { [field]: value } };
  if (handoff) {
    try {
      const comment = ctx.board.createIssueComment(handoff.issueNumber, handoff.comment, source);
      payload[handoff.key] = { id: comment.id, html_url: comment.html_url };
    } catch (err) {
      if (err instanceof NotFoundError) return { status: 502, body: { error: err.message } };
      throw err;
    }
  }
  return { status: 200, body: payload };
};
