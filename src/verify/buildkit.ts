/**
 * The statements discovery/buildkit.ts read, parsed and checked against the image they are attached
 * to. This is no signature check (nothing signs them): it only makes sure an unsigned statement is
 * at least about that image, and is the type its annotation claims. One that is not is moved to the
 * ignored list with its reason.
 */
import type { BuildkitFindings } from '../discovery/buildkit.js';
import { parseStatement, statementNamesDigest } from './statement.js';

export function checkBuildkitStatements(found: BuildkitFindings): BuildkitFindings {
  const out: BuildkitFindings = { ...found, attestations: [], ignored: [...found.ignored] };
  for (const a of found.attestations) {
    if (!a.bytes) {
      out.attestations.push(a);
      continue;
    }
    const ignore = (reason: string) =>
      out.ignored.push({ manifest: a.manifest, layer: a.layer, names: a.child, reason });
    const p = parseStatement(a.bytes);
    if (!p.ok) {
      ignore(p.reason.replace('the DSSE payload', 'the layer'));
      continue;
    }
    const annotated = a.predicateType;
    if (annotated !== '' && annotated !== p.statement.predicateType) {
      ignore(
        `its annotation says ${annotated} but the statement's predicateType is ${p.statement.predicateType}`,
      );
      continue;
    }
    if (!statementNamesDigest(p.statement, a.child)) {
      ignore(`the statement's subject does not name ${a.child}`);
      continue;
    }
    out.attestations.push({
      ...a,
      predicateType: p.statement.predicateType,
      typeSource: 'statement (unsigned)',
      statement: p.statement,
    });
  }
  return out;
}
