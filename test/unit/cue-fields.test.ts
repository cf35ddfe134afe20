import { describe, expect, it } from 'vitest';
import { missingFields, policyFieldPaths } from '../../src/policy/cue/fields.js';

const paths = (src: string) => policyFieldPaths(src).map((p) => p.join('.'));

describe('policyFieldPaths', () => {
  it('follows nested shorthand to the leaf', () => {
    expect(
      paths('predicate: invocation: configSource: uri: =~"^git\\\\+https://github.com/acme/"\n'),
    ).toEqual(['predicate.invocation.configSource.uri']);
  });

  it('reads struct literals, & conjunctions and close()', () => {
    const src = `predicateType: "https://slsa.dev/provenance/v0.2"
predicate: {
  builder: id: =~"^https://github.com/slsa-framework/" // the builder
  buildType: string & !=""
}
subject: close({ name: string })
`;
    expect(paths(src)).toEqual([
      'predicateType',
      'predicate.builder.id',
      'predicate.buildType',
      'subject.name',
    ]);
  });

  it('skips definitions, hidden, optional fields and pattern constraints, but keeps their parent', () => {
    const src = `#Builder: { id: string }
_hidden: 1
predicate: builder: #Builder
predicate: metadata?: { x: int }
predicate: materials: [...{uri: string}]
labels: [string]: string
`;
    expect(paths(src)).toEqual(['predicate.builder', 'predicate.materials', 'labels']);
  });

  it('unquotes quoted labels and keeps quoted _ and # names as regular fields', () => {
    expect(paths('"_type": "https://in-toto.io/Statement/v0.1"\n"a-b": c: "x"\n"#x": 1\n')).toEqual([
      '_type',
      'a-b.c',
      '#x',
    ]);
  });

  it('ignores comments, package and import clauses, let, comprehensions and disjunction branches', () => {
    const src = `// predicate: nope: 1
package policy
import "strings"
let x = 1
if true { ghost: 1 }
for k, v in {a: 1} { "\\(k)": v }
predicate: {a: 1} | {b: 2}
kind: *"x" | "y"
ok: true || false
`;
    expect(paths(src)).toEqual(['predicate', 'kind', 'ok']);
  });

  it('names the capitalised-keys trap', () => {
    const src = 'PredicateType: "https://cyclonedx.org/bom"\nPredicate: { bomFormat: "CycloneDX" }\n';
    expect(paths(src)).toEqual(['PredicateType', 'Predicate.bomFormat']);
  });

  it('handles multi-line strings and raw strings without mistaking their contents for fields', () => {
    const src = 'doc: """\n  fake: field\n  """\nraw: #"a "quoted": b"#\nnext: 1\n';
    expect(paths(src)).toEqual(['doc', 'raw', 'next']);
  });
});

describe('missingFields', () => {
  const statement = { predicateType: 'x', predicate: { builder: { id: 'b' }, materials: [{ uri: 'u' }] } };
  it('names the shortest missing prefix of each path, once', () => {
    expect(
      missingFields(
        [
          ['PredicateType'],
          ['Predicate', 'a'],
          ['Predicate', 'b'],
          ['predicate', 'builder', 'id'],
          ['predicate', 'invocation', 'configSource', 'uri'],
        ],
        statement,
      ),
    ).toEqual(['PredicateType', 'Predicate', 'predicate.invocation']);
  });
  it('treats a path through a non-object as missing', () => {
    expect(
      missingFields(
        [
          ['predicate', 'materials', 'uri'],
          ['predicateType', 'x'],
        ],
        statement,
      ),
    ).toEqual(['predicate.materials.uri', 'predicateType.x']);
  });
  it('quotes labels that are not identifiers', () => {
    expect(missingFields([['a-b']], {})).toEqual(['"a-b"']);
  });
});
