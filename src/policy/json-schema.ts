/** The JSON Schema of the policy file, generated from the zod schema (shipped for editor completion). */
import * as z from 'zod';
import { policySchema } from './schema.js';

export const POLICY_SCHEMA_ID = 'https://trustgate.dev/schemas/policy-v1.json';

export function policyJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(policySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...s,
    $id: POLICY_SCHEMA_ID,
    title: 'trustgate policy (apiVersion trustgate.dev/v1, kind Policy)',
  };
}
