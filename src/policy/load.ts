/**
 * Reading a policy file: the only file I/O of policy compilation (the policy itself and the key files
 * it names, each bounded). Compiling the text is compile/index.ts.
 */
import { describeError, TrustgateError } from '../errors.js';
import { readKeyFile } from '../trust/keys.js';
import { readInputFile } from '../util/safe-fs.js';
import {
  type CompiledPolicy,
  type CompileResult,
  compilePolicyDocument,
  type PolicyIssue,
} from './compile/index.js';

export type {
  CompiledAttestation,
  CompiledAuthority,
  CompiledDenyIdentity,
  CompiledException,
  CompiledKey,
  CompiledPolicy,
  CompiledRule,
  PolicyIssue,
} from './compile/index.js';

export class PolicyInvalidError extends TrustgateError {
  constructor(
    readonly file: string,
    readonly issues: PolicyIssue[],
  ) {
    super(
      'USAGE',
      `${file}: ${issues.length} problem(s): ${issues.map((i) => formatIssue(file, i)).join('; ')}`,
      {
        hint: 'run `trustgate policy validate` for the full list',
      },
    );
  }
}

export function formatIssue(file: string, i: PolicyIssue): string {
  const where = i.line ? `${file}:${i.line}:${i.column}` : file;
  return `${where}: ${i.path ? `${i.path}: ` : ''}${i.message}${i.hint ? ` (fix: ${i.hint})` : ''}`;
}

/** Far above any real policy; the cap only stops unbounded inputs. */
const MAX_POLICY_FILE_BYTES = 16 * 1024 * 1024;

/** Reads and compiles a policy file; throws PolicyInvalidError listing every problem. */
export function loadPolicy(file: string): CompiledPolicy {
  let bytes: Buffer;
  try {
    // Bounded, so /dev/zero or an endless pipe fails instead of filling memory.
    bytes = readInputFile(file, MAX_POLICY_FILE_BYTES);
  } catch (e) {
    throw new TrustgateError('USAGE', `policy ${file}: cannot read the file (${describeError(e)})`, {
      option: 'policy',
    });
  }
  const r = compilePolicy(bytes.toString('utf8'), file);
  if ('issues' in r) throw new PolicyInvalidError(file, r.issues);
  return r.policy;
}

/** Every problem in a policy text, or the compiled policy; key files it names are read from disk. */
export function compilePolicy(text: string, file: string): CompileResult {
  return compilePolicyDocument(text, file, { readKeyFile });
}
